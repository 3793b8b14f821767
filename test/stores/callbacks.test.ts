/**
 * deviceCodeCallbacks and pushedRequestCallbacks on their own: argument
 * checks, the default grant and client ID, and what each callback asks of
 * the store.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceCodeCallbacks } from '../../src/device/deviceCodeStore.js';
import { pushedRequestCallbacks } from '../../src/par/pushedRequestStore.js';
import { MemoryDeviceCodeStore } from '../../src/stores/deviceCodes.js';
import { MemoryRequestURIStore } from '../../src/stores/pushedRequests.js';

const T0 = 1_800_000_000_000;

function record(over: Record<string, unknown> = {}): any {
  return {
    deviceCode: 'dc1', userCode: 'WDJBMJHT', displayUserCode: 'WDJB-MJHT', client: { clientId: 'tv' }, scope: ['a', 'b'],
    expiresAt: new Date(T0 + 600_000), interval: 5, status: 'pending', body: {}, authInfo: undefined, ...over,
  };
}

describe('deviceCodeCallbacks', () => {
  it('checks its arguments', () => {
    const store = new MemoryDeviceCodeStore();
    assert.throws(() => deviceCodeCallbacks(undefined as any, { issueTokens: () => 'at' }), /requires a device code store/);
    assert.throws(() => deviceCodeCallbacks(store, undefined as any), /requires an issueTokens option/);
    assert.throws(() => deviceCodeCallbacks(store, { issueTokens: () => 'at', grant: 5 as any }), /option grant must be a function/);
  });

  it('stores, looks up, approves with the default grant, and issues once', async () => {
    const store = new MemoryDeviceCodeStore({ now: () => T0 });
    const issued: any[] = [];
    const cb = deviceCodeCallbacks(store, { issueTokens: (ctx) => { issued.push(ctx.grant); return 'at'; } });
    await cb.store(record());
    const found = await cb.lookup({ userCode: 'WDJBMJHT' } as any);
    assert.deepEqual(found, { client: { id: 'tv' }, expiresAt: T0 + 600_000, status: 'pending', scope: ['a', 'b'], displayUserCode: 'WDJB-MJHT' });
    assert.equal(await cb.lookup({ userCode: 'NONE' } as any), null);
    assert.equal(await cb.decide({ userCode: 'WDJBMJHT', allow: true, client: {}, user: { id: 7 }, scope: ['a', 'b'], ares: { allow: true, scope: ['a'] } }), true);
    assert.equal(await cb.decide({ userCode: 'WDJBMJHT', allow: false, client: {}, user: { id: 8 }, scope: undefined, ares: { allow: false } }), false);
    assert.equal(await cb.exchange({ client: { clientId: 'tv' }, deviceCode: 'dc1', body: {}, authInfo: undefined }), 'at');
    assert.deepEqual(issued, [{ userID: 7, scope: ['a'] }]);
    await assert.rejects(cb.exchange({ client: { clientId: 'tv' }, deviceCode: 'dc1', body: {}, authInfo: undefined }),
      (err: any) => err.code === 'invalid_grant' && err.status === 400);
  });

  it('answers each polling state with its RFC 8628 error', async () => {
    const store = new MemoryDeviceCodeStore({ now: () => T0 });
    const cb = deviceCodeCallbacks(store, { issueTokens: () => 'at', clientID: (c: any) => c.name });
    await cb.store(record({ client: { name: 'tv' } }));
    const poll = () => cb.exchange({ client: { name: 'tv' }, deviceCode: 'dc1', body: {}, authInfo: undefined }).then(() => 'ok', (e) => e.code);
    assert.equal(await poll(), 'authorization_pending');
    assert.equal(await poll(), 'slow_down');
    await cb.decide({ userCode: 'WDJBMJHT', allow: false, client: {}, user: 'alice', scope: undefined, ares: { allow: false } });
    assert.equal(await poll(), 'access_denied');
  });

  it('a taken user code gives temporarily_unavailable; an unknown client ID is an app error', async () => {
    const store = new MemoryDeviceCodeStore({ now: () => T0 });
    const cb = deviceCodeCallbacks(store, { issueTokens: () => 'at' });
    await cb.store(record());
    await assert.rejects(cb.store(record({ deviceCode: 'dc2' })), (err: any) => err.code === 'temporarily_unavailable' && err.status === 503);
    await assert.rejects(cb.store(record({ deviceCode: 'dc3', userCode: 'X', client: {} })), /cannot tell the ID of the authenticated client/);
  });

  it('records what grant returns', async () => {
    const store = new MemoryDeviceCodeStore({ now: () => T0 });
    let seen: any;
    const cb = deviceCodeCallbacks(store, { issueTokens: ({ grant }) => { seen = grant; return 'at'; }, grant: ({ user }) => ({ sub: `u-${user}` }) });
    await cb.store(record());
    await cb.decide({ userCode: 'WDJBMJHT', allow: true, client: {}, user: 'alice', scope: undefined, ares: { allow: true } });
    await cb.exchange({ client: { clientId: 'tv' }, deviceCode: 'dc1', body: {}, authInfo: undefined });
    assert.deepEqual(seen, { sub: 'u-alice' });
  });
});

describe('pushedRequestCallbacks', () => {
  it('checks its argument', () => {
    assert.throws(() => pushedRequestCallbacks({} as any), /requires a store with put and take/);
  });

  it('store puts, loadPushedRequest takes for the right client only', async () => {
    const cb = pushedRequestCallbacks(new MemoryRequestURIStore());
    const rec = { requestURI: 'urn:x', clientID: 'web', params: { response_type: 'code' }, expiresAt: new Date(Date.now() + 60_000) };
    await cb.store(rec);
    assert.equal(await cb.loadPushedRequest({ requestURI: 'urn:x', clientID: 'tv', req: {} as any }), null);
    assert.deepEqual((await cb.loadPushedRequest({ requestURI: 'urn:x', clientID: 'web', req: {} as any }))?.params, { response_type: 'code' });
    assert.equal(await cb.loadPushedRequest({ requestURI: 'urn:x', clientID: 'web', req: {} as any }), null);
  });
});
