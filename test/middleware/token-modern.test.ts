/** token middleware and errorHandler: the issue-11 options (unit, mock req/res). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { errorHandler } from '../../src/middleware/errorHandler.js';
import { TokenError } from '../../src/errors/tokenerror.js';
import { mockRequest, run, runError } from '../helpers/mock.js';

describe('token middleware (issue 11)', () => {
  it('requireGrantType: a missing grant_type is invalid_request before any exchange', async () => {
    const server = new Server();
    let ran = 0;
    server.exchange('*', (_req, _res, next) => { ran++; next(); });
    const out = await run(server.token({ requireGrantType: true }), mockRequest({ method: 'POST', body: {} }));
    assert.equal((out.err as any).code, 'invalid_request');
    assert.equal((out.err as any).status, 400);
    assert.equal(ran, 0);
    const legacy = await run(server.token(), mockRequest({ method: 'POST', body: {} }));
    assert.equal((legacy.err as any).code, 'unsupported_grant_type');
    assert.equal(ran, 1, '1.x runs the wildcard exchanges');
  });

  it('requireClient: no client on req[userProperty] is invalid_client 401', async () => {
    const server = new Server({ requireClient: true });
    server.exchange('password', (_req, res) => res.end('ran'));
    const out = await run(server.token(), mockRequest({ method: 'POST', body: { grant_type: 'password' } }));
    assert.equal((out.err as any).code, 'invalid_client');
    assert.equal((out.err as any).status, 401);
    const ok = await run(server.token(), mockRequest({ method: 'POST', body: { grant_type: 'password' }, user: { id: 'c' } }));
    assert.equal(ok.res.body, 'ran');
    const other = await run(server.token({ userProperty: 'client' }), mockRequest({ method: 'POST', body: { grant_type: 'password' }, client: { id: 'c' } }));
    assert.equal(other.res.body, 'ran');
    const off = await run(server.token({ requireClient: false }), mockRequest({ method: 'POST', body: { grant_type: 'password' } }));
    assert.equal(off.res.body, 'ran', 'the middleware option overrides the server\'s');
  });

  it('hardened turns both on', async () => {
    const server = new Server({ issuer: 'https://as.example.com', hardened: true });
    const out = await run(server.token(), mockRequest({ method: 'POST', body: {}, user: {} }));
    assert.equal((out.err as any).code, 'invalid_request');
  });
});

describe('errorHandler (issue 11)', () => {
  it('direct: no-store and no-cache on every error', async () => {
    const out = await runError(errorHandler(), new TokenError('bad', 'invalid_grant'), mockRequest());
    assert.equal(out.res.headers['cache-control'], 'no-store');
    assert.equal(out.res.headers['pragma'], 'no-cache');
    const internal = await runError(errorHandler(), new Error('boom'), mockRequest());
    assert.equal(internal.res.headers['cache-control'], 'no-store');
  });

  it('indirect: issuer adds iss', async () => {
    const req = mockRequest({ oauth2: { redirectURI: 'https://c.example.com/cb', req: { type: 'code', state: 's' } } });
    const out = await runError(errorHandler({ mode: 'indirect', issuer: 'https://as.example.com' }), new TokenError('x', 'invalid_scope'), req);
    assert.equal(out.res.location, 'https://c.example.com/cb?error=invalid_scope&error_description=x&state=s&iss=https%3A%2F%2Fas.example.com');
  });

  it('server.errorHandler() takes its defaults from the server (hardened: RFC statuses, hidden internals)', async () => {
    const server = new Server({ issuer: 'https://as.example.com', hardened: true });
    const grant = await runError(server.errorHandler(), new TokenError('Invalid code', 'invalid_grant'), mockRequest());
    assert.equal(grant.res.statusCode, 400);
    const internal = await runError(server.errorHandler(), new Error('secret detail'), mockRequest());
    assert.deepEqual(JSON.parse(internal.res.body!), { error: 'server_error' });
    const exposed = await runError(server.errorHandler({ exposeErrors: true }), new Error('secret detail'), mockRequest());
    assert.equal(JSON.parse(exposed.res.body!).error_description, 'secret detail', 'explicit options win');
    const legacy = await runError(new Server().errorHandler(), new TokenError('Invalid code', 'invalid_grant'), mockRequest());
    assert.equal(legacy.res.statusCode, 403, '1.x status without options');
  });
});
