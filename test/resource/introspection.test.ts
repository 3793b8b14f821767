/** Introspection by resource servers (RFC 7662 §2.1): the `audience` and `clientID` options, with mock requests. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { introspection } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';
import { tokenResponse } from '../exchange/helpers.js';

const API = 'https://api.example/mcp';
const claims = { client_id: 'app', sub: 'alice', aud: [API, 'urn:other'], scope: 'read' };
const ask = async (mw: any, caller: unknown) => tokenResponse((await run(mw, mockRequest({ method: 'POST', body: { token: 't' }, user: caller }))).res);

describe('introspection({ audience })', () => {
  const mw = introspection({ audience: (caller: any) => caller.resource }, async () => claims);

  it('answers a resource server named in aud, with aud', async () => {
    assert.deepEqual(await ask(mw, { id: 'rs', resource: API }), { active: true, ...claims });
    assert.equal((await ask(mw, { id: 'rs', resource: ['https://x.example/', 'urn:other'] })).active, true);
  });

  it('answers the token\'s own client', async () => {
    assert.equal((await ask(mw, { id: 'app' })).active, true);
  });

  it('answers active false to anyone else, and for a token without aud', async () => {
    assert.deepEqual(await ask(mw, { id: 'rs2', resource: 'https://elsewhere.example/' }), { active: false });
    assert.deepEqual(await ask(mw, { id: 'other' }), { active: false });
    const noAud = introspection({ audience: (caller: any) => caller.resource }, async () => ({ client_id: 'app' }));
    assert.deepEqual(await ask(noAud, { id: 'rs', resource: API }), { active: false });
  });

  it('reads the caller\'s client identifier through clientID', async () => {
    const byName = introspection({ audience: () => undefined, clientID: (caller: any) => caller.name }, async () => claims);
    assert.equal((await ask(byName, { name: 'app' })).active, true);
    assert.equal((await ask(byName, { id: 'app' })).active, false);
  });

  it('without the option, lookup alone decides (as before)', async () => {
    const plain = introspection(async () => claims);
    assert.equal((await ask(plain, { id: 'anyone' })).active, true);
  });
});
