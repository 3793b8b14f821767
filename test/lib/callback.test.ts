/**
 * lib/async: how a callback's returned value is told apart (isThenable) and how a rejection
 * reaches the callback's error path (settle, catchRejection). A rejection whose reason is
 * falsy must still read as an error, or `done(undefined)` would look like success.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { catchRejection, isThenable, once, settle } from '../../src/lib/callback.js';
import { call, callAs, callMethod, callRaw, declaresDone, formOf, optionsFirst, prepare, returnsResult, shape, ZERO_OR_ONE } from '../../src/lib/callback.js';

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

/** `(client, username, password, done)`, adding scope, body and authInfo: the shape of a 1.x exchange. */
const ISSUE = shape({ positional: ['client', 'username', 'password'], extras: ['scope', 'body', 'authInfo'] });

describe('lib/callback: shapes', () => {
  it('gives each arity its 1.x form: the shortest, then one extra value per added parameter', () => {
    const args = (arity: number) => formOf(ISSUE, { length: arity } as unknown as Function).args;
    assert.deepEqual(args(4), [0, 1, 2, -1]);
    assert.deepEqual(args(5), [0, 1, 2, 3, -1]);
    assert.deepEqual(args(6), [0, 1, 2, 3, 4, -1]);
    assert.deepEqual(args(7), [0, 1, 2, 3, 4, 5, -1]);
  });

  it('falls back to the shortest form for the arities 1.x names no form for (0, 2, 3, 8...)', () => {
    for (const arity of [0, 2, 3, 8, 20]) {
      const form = formOf(ISSUE, { length: arity } as unknown as Function);
      assert.deepEqual(form.args, [0, 1, 2, -1], `arity ${arity}`);
      assert.equal(form.returns, false);
    }
  });

  it('reads arity 1 as the context form, and arity 0 too for the newer callbacks', () => {
    assert.equal(returnsResult(ISSUE, (_ctx: unknown) => 0), true);
    assert.equal(returnsResult(ISSUE, () => 0), false);
    const newer = shape({ positional: ['record'], contextArities: ZERO_OR_ONE });
    assert.equal(returnsResult(newer, () => 0), true);
    assert.equal(returnsResult(newer, (_r: unknown) => 0), true);
    assert.equal(returnsResult(newer, (_r: unknown, _d: unknown) => 0), false);
  });

  it('otherwise: every unnamed arity gets another list (validate falls back to (areq, done))', () => {
    const validate = shape({ positional: ['clientID', 'redirectURI'], extras: ['scope', 'type'], otherwise: ['areq'] });
    const args = (arity: number) => formOf(validate, { length: arity } as unknown as Function).args;
    assert.deepEqual(args(2), [4, -1]);
    assert.deepEqual(args(3), [0, 1, -1]);
    assert.deepEqual(args(5), [0, 1, 2, 3, -1]);
    assert.deepEqual(args(6), [4, -1]);
    assert.deepEqual(args(0), [4, -1]);
  });

  it("beyond: 'longest' gives arities above the longest form every value", () => {
    const handler = shape({ positional: ['client', 'deviceCode'], extras: ['body', 'authInfo'], contextArities: ZERO_OR_ONE, beyond: 'longest' });
    const args = (arity: number) => formOf(handler, { length: arity } as unknown as Function).args;
    assert.deepEqual(args(2), [0, 1, -1]);
    assert.deepEqual(args(3), [0, 1, -1]);
    assert.deepEqual(args(4), [0, 1, 2, -1]);
    assert.deepEqual(args(5), [0, 1, 2, 3, -1]);
    assert.deepEqual(args(9), [0, 1, 2, 3, -1]);
  });

  it('refuses a name that is not one of the values, and more than seven values', () => {
    assert.throws(() => shape({ positional: ['a'], values: ['b'] }), /a is not one of the values/);
    assert.throws(() => shape({ positional: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] }), /at most 7 values/);
  });

  it('declaresDone: whether a handler declares the done (next) of its shortest form', () => {
    const handler = shape({ positional: ['txn', 'res'], extras: ['complete'], contextArities: [] });
    assert.equal(declaresDone(handler, (_t: unknown, _r: unknown) => 0), false);
    assert.equal(declaresDone(handler, (_t: unknown, _r: unknown, _n: unknown) => 0), true);
  });
});

describe('lib/callback: call', () => {
  it('positional forms get their values then done, the context form one object of every value', () => {
    const seen: unknown[][] = [];
    const done = (...args: unknown[]) => { seen.push(args); };
    const values = ['c', 'u', 'p', ['s'], { b: 1 }, 'info'] as const;
    call(prepare(ISSUE, function (this: unknown, a: unknown, b: unknown, c: unknown, d: (...x: unknown[]) => void) { d(null, [a, b, c, this]); }), done, 'throw', ...values);
    call(prepare(ISSUE, (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown, g: (...x: unknown[]) => void) => g(null, [a, b, c, d, e, f])), done, 'throw', ...values);
    call(prepare(ISSUE, (ctx: unknown) => ctx), done, 'throw', ...values);
    assert.deepEqual(seen, [
      [null, ['c', 'u', 'p', undefined]],
      [null, ['c', 'u', 'p', ['s'], { b: 1 }, 'info']],
      [null, { client: 'c', username: 'u', password: 'p', scope: ['s'], body: { b: 1 }, authInfo: 'info' }],
    ]);
  });

  it('a value list with a gap leaves it out of the context object and skips it in positional forms', () => {
    const gapped = shape({ positional: ['client', 'token'], extras: ['scope', 'body'], values: ['client', 'token', undefined, 'scope', 'body'] });
    const seen: unknown[] = [];
    const done = (_err: unknown, v: unknown) => { seen.push(v); };
    call(prepare(gapped, (ctx: unknown) => ctx), done, 'throw', 'c', 't', 'unused', 's', 'b');
    call(prepare(gapped, (a: unknown, b: unknown, c: unknown, d: unknown, cb: (e: null, v: unknown) => void) => cb(null, [a, b, c, d])), done, 'throw', 'c', 't', 'unused', 's', 'b');
    assert.deepEqual(seen, [{ client: 'c', token: 't', scope: 's', body: 'b' }, ['c', 't', 's', 'b']]);
  });

  it("reads the context form's Promise, and a positional form's resolved value, through the shape's reader", async () => {
    const tokens = shape({ positional: ['client'], result: (v: string, done: (e: null, a: string, b: string) => void) => done(null, v, 'read') });
    const seen: unknown[][] = [];
    const done = once((...args: unknown[]) => { seen.push(args); });
    call(prepare(tokens, async (_ctx: unknown) => 'from-context'), done, 'throw', 'c');
    const done2 = once((...args: unknown[]) => { seen.push(args); });
    call(prepare(tokens, async (_c: unknown, _done: unknown) => 'resolved'), done2, 'throw', 'c');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, [[null, 'from-context', 'read'], [null, 'resolved', 'read']]);
  });

  it('resolvedIsResult: false ignores what a positional form resolves', async () => {
    const hook = shape({ positional: ['jti'], resolvedIsResult: false });
    let calls = 0;
    call(prepare(hook, async (_j: unknown, _done: unknown) => true), once(() => { calls++; }), 'throw', 'j');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 0);
  });

  it('a throw goes to a function, to done unless done was called (then it propagates), or propagates', () => {
    const boom = new Error('boom');
    const thrower = prepare(ISSUE, (_a: unknown, _b: unknown, _c: unknown, _done: unknown) => { throw boom; });
    const caughtBy: unknown[] = [];
    call(thrower, () => assert.fail('done'), (err) => caughtBy.push(err));
    const done = once((err: unknown) => { caughtBy.push(err); });
    call(thrower, done, 'done');
    assert.deepEqual(caughtBy, [boom, boom]);
    assert.throws(() => call(thrower, () => {}, 'throw'), /boom/);
    const answered = prepare(ISSUE, (_a: unknown, _b: unknown, _c: unknown, d: () => void) => { d(); throw boom; });
    assert.throws(() => call(answered, once(() => {}), 'done'), /boom/, 'after done, the exception is not the callback\'s');
  });

  it('callAs reads the arity now; callMethod calls with this; callRaw returns what the handler returns', () => {
    const seen: unknown[] = [];
    callAs(ISSUE, (ctx: unknown) => ctx, (_e: unknown, v: unknown) => seen.push(v), 'throw', 'c', 'u', 'p');
    const store = { name: 'store', load(this: { name: string }, req: unknown) { return [this.name, req]; } };
    const method = shape({ positional: ['req'], contextArities: [1], context: false });
    callMethod(method, store, store.load, (_e: unknown, v: unknown) => seen.push(v), 'throw', 'r');
    const handler = shape({ positional: ['txn', 'res'], extras: ['complete'], contextArities: [] });
    seen.push(callRaw(handler, (t: unknown, r: unknown, c: unknown, n: unknown) => [t, r, c, typeof n], () => {}, 't', 'r', 'c'));
    seen.push(callRaw(handler, (t: unknown, r: unknown, n: unknown) => [t, r, typeof n], () => {}, 't', 'r', 'c'));
    assert.deepEqual(seen, [{ client: 'c', username: 'u', password: 'p', scope: undefined, body: undefined, authInfo: undefined }, ['store', 'r'], ['t', 'r', 'c', 'function'], ['t', 'r', 'function']]);
  });
});

describe('lib/callback: optionsFirst', () => {
  const ARGS = { callbacks: ['x requires an issue callback', undefined] };
  const f = () => {};
  const g = () => {};

  it('shifts the callbacks left when the first argument is a callback, and defaults options to {}', () => {
    assert.deepEqual(optionsFirst(ARGS, [f, g]), [{}, f, g]);
    const opts = { a: 1 };
    const [o, issue, extra] = optionsFirst(ARGS, [opts, f, g]);
    assert.equal(o, opts);
    assert.equal(issue, f);
    assert.equal(extra, g);
    assert.deepEqual(optionsFirst(ARGS, [undefined, f]), [{}, f, undefined]);
  });

  it("throws the factory's TypeError for a missing callback: falsy (1.x) or not a function", () => {
    assert.throws(() => optionsFirst(ARGS, []), (err: Error) => err instanceof TypeError && err.message === 'x requires an issue callback');
    assert.doesNotThrow(() => optionsFirst(ARGS, [{}, 'truthy']));
    assert.throws(() => optionsFirst({ ...ARGS, missing: 'function' }, [{}, 'truthy']), /x requires an issue callback/);
  });

  it('checks the leading server first, then the callbacks after the options', () => {
    const spec = { server: 'x requires a server argument', callbacks: ['x requires a validate function'] };
    assert.throws(() => optionsFirst(spec, [undefined, undefined, undefined]), /x requires a server argument/);
    assert.throws(() => optionsFirst(spec, [{}, {}, undefined]), /x requires a validate function/);
    assert.deepEqual(optionsFirst(spec, [{}, f]), [{}, f]);
  });

  it('throws the misuse error when a router calls the factory itself', () => {
    const req = { method: 'POST', headers: {} };
    const res = { setHeader() {}, end() {} };
    assert.throws(() => optionsFirst({ ...ARGS, misuse: 'oauth2orize.exchange.x' }, [req, res, () => {}]),
      (err: Error) => err instanceof TypeError && err.message.startsWith('oauth2orize: oauth2orize.exchange.x is a factory, not a middleware'));
  });

  it('a leading predicate decides what the first argument is', () => {
    const spec = { callbacks: ['x requires an issue callback'], leading: (first: unknown, second: unknown) => second === undefined && typeof first === 'object' };
    const callbacks = { load: f };
    assert.deepEqual(optionsFirst(spec, [callbacks]), [{}, callbacks]);
  });
});
