/**
 * Pushed authorization requests on the server's clock: the `expiresAt` the
 * PAR endpoint stores, and authorize's `request_uri` expiry exactly at,
 * before and after the boundary.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { code } from '../../src/grant/code.js';
import { mockRequest, run } from '../helpers/mock.js';

const T0 = 1_700_000_000_000;
const web = { id: 'web', redirectURI: 'https://web.example/cb' };
const params = { response_type: 'code', client_id: 'web', redirect_uri: web.redirectURI, state: 'xyz' };
const validate = (clientID: string, _redirectURI: string | undefined, done: any) => done(null, clientID === 'web' ? web : false, web.redirectURI);
const store = { store: (_r: any, _t: any, cb: any) => cb(null, 't'), load() {}, update() {}, remove() {} };

function setup() {
  const clock = { t: T0 };
  const server = new Server({ store, clock: () => clock.t });
  server.grant(code(() => {}));
  return { server, clock };
}

describe('pushed authorization requests on the clock', () => {
  it('the PAR endpoint stores expiresAt = now + expiresIn on the server clock', async () => {
    const { server } = setup();
    let stored: any;
    const mw = server.pushedAuthorization({ expiresIn: 30 }, validate, (record) => { stored = record; });
    const r = await run(mw, mockRequest({ method: 'POST', body: params, user: web }));
    assert.equal(r.res.statusCode, 201);
    assert.equal(new Date(stored.expiresAt).getTime(), T0 + 30_000);
  });

  it('a request_uri is accepted until, not at, its expiresAt (server clock)', async () => {
    const { server, clock } = setup();
    const record = { requestURI: 'urn:r', clientID: 'web', params, expiresAt: T0 + 60_000 };
    const mw = server.authorize({ loadPushedRequest: async () => record }, validate);
    const at = async (t: number) => {
      clock.t = t;
      const r = await run(mw, mockRequest({ query: { client_id: 'web', request_uri: 'urn:r' } }));
      return r.err ? (r.err as { code: string }).code : 'ok';
    };
    assert.equal(await at(T0 + 59_000), 'ok', '1 s before');
    assert.equal(await at(T0 + 59_999), 'ok', '1 ms before');
    assert.equal(await at(T0 + 60_000), 'invalid_request_uri', 'at expiresAt');
    assert.equal(await at(T0 + 60_001), 'invalid_request_uri', '1 ms after');
  });

  it('authorize\'s own now option wins over the server clock', async () => {
    const { server } = setup();
    const record = { requestURI: 'urn:r', clientID: 'web', params, expiresAt: T0 + 60_000 };
    const mw = server.authorize({ now: () => T0 + 60_000, loadPushedRequest: async () => record }, validate);
    const r = await run(mw, mockRequest({ query: { client_id: 'web', request_uri: 'urn:r' } }));
    assert.equal((r.err as { code: string }).code, 'invalid_request_uri');
  });
});
