/**
 * lib/async: how a callback's returned value is told apart (isThenable) and how a rejection
 * reaches the callback's error path (settle, catchRejection). A rejection whose reason is
 * falsy must still read as an error, or `done(undefined)` would look like success.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { catchRejection, isThenable, once, settle } from '../../src/lib/callback.js';

/** Resolve with what `settle` delivers: { value } or { error }. */
function settled(value: unknown): Promise<{ value?: unknown; error?: unknown; path: 'value' | 'error' }> {
  return new Promise((resolve) => {
    settle(value, (v) => resolve({ value: v, path: 'value' }), (e) => resolve({ error: e, path: 'error' }));
  });
}

const FALSY = [undefined, null, false, 0, ''] as const;

describe('lib/async', () => {
  describe('isThenable', () => {
    it('accepts native Promises and any object or function with a then method', () => {
      const fnThenable = Object.assign(() => {}, { then() {} });
      assert.equal(isThenable(Promise.resolve(1)), true, 'a native Promise');
      assert.equal(isThenable({ then() {} }), true, 'a plain object with then()');
      assert.equal(isThenable(fnThenable), true, 'a function with then()');
    });

    it('rejects values without a callable then', () => {
      for (const value of [undefined, null, 0, 'then', { then: 1 }, { then: 'x' }, [], () => {}]) {
        assert.equal(isThenable(value), false, `isThenable(${String(value)})`);
      }
    });
  });

  describe('settle', () => {
    it('delivers a plain value at once, synchronously', () => {
      let got: unknown = 'not called';
      settle('plain', (v) => { got = v; }, () => assert.fail('onError must not be called'));
      assert.equal(got, 'plain');
    });

    it('waits for a non-native thenable and delivers what it resolves with', async () => {
      const thenable = { then(ok: (v: unknown) => void) { ok('tok'); } };
      assert.deepEqual(await settled(thenable), { value: 'tok', path: 'value' });
    });

    for (const reason of FALSY) {
      it(`turns a Promise rejected with ${JSON.stringify(reason) ?? 'undefined'} into an Error`, async () => {
        const out = await settled(Promise.reject(reason));
        assert.equal(out.path, 'error');
        assert.ok(out.error instanceof Error, `expected an Error, got ${String(out.error)}`);
        assert.equal((out.error as Error).message, 'Callback rejected without a reason');
      });
    }

    it('hands an exception thrown while delivering a resolved value to onError', async () => {
      const boom = new Error('thrown by onValue');
      const err = await new Promise<unknown>((resolve) => {
        settle(Promise.resolve('v'), () => { throw boom; }, resolve);
      });
      assert.equal(err, boom);
    });

    it('passes a truthy rejection reason through unchanged', async () => {
      const boom = new Error('boom');
      assert.deepEqual(await settled(Promise.reject(boom)), { error: boom, path: 'error' });
      assert.deepEqual(await settled(Promise.reject('text reason')), { error: 'text reason', path: 'error' });
    });
  });

  describe('catchRejection', () => {
    it('routes a falsy rejection of a 1.x-form callback to done as an Error', async () => {
      for (const reason of FALSY) {
        const err = await new Promise<unknown>((resolve) => catchRejection(Promise.reject(reason), resolve));
        assert.ok(err instanceof Error, `reason ${String(reason)} should become an Error, got ${String(err)}`);
      }
    });

    it('ignores a resolved Promise and a value that is not a thenable', async () => {
      let calls = 0;
      catchRejection(Promise.resolve('ignored'), () => { calls++; });
      catchRejection('not a promise', () => { calls++; });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(calls, 0, 'done must not be called');
    });
  });

  describe('once', () => {
    it('passes the first call through, ignores later ones, and says it was called', () => {
      const seen: unknown[][] = [];
      const done = once((...args: unknown[]) => { seen.push(args); });
      assert.equal(done.called, false, 'not called yet');
      done(null, 'first');
      done(null, 'second');
      done(new Error('third'));
      assert.deepEqual(seen, [[null, 'first']]);
      assert.equal(done.called, true, 'called');
    });

    it('a resolved value after done was called is not delivered again', async () => {
      const seen: unknown[] = [];
      const done = once((err: unknown, value?: unknown) => { seen.push(err ?? value); });
      done(null, 'from-done');
      catchRejection(Promise.resolve('resolved'), done, undefined, (value) => done(null, value));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(seen, ['from-done']);
    });
  });
});
