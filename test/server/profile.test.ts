/** Server: the issue-11 profile reaches parsers, handlers and exchanges, and metadata is advertised. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { advertised } from '../../src/settings/settings.js';
import { profileOf } from '../../src/settings/profile.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { MockResponse } from '../helpers/mock.js';

describe('Server profile (issue 11)', () => {
  it('a 1.x server has no profile and attaches nothing', () => {
    const server = new Server();
    assert.equal(server._profile, undefined);
    const txn: any = { req: { type: 'code' } };
    server._respondError(new Error('x'), txn, new MockResponse() as any, () => {});
    assert.equal(profileOf(txn), undefined);
    assert.deepEqual(Object.getOwnPropertySymbols(txn), []);
  });

  it('attaches the profile to parser requests and transactions', async () => {
    const server = new Server({ issuer: 'https://as.example.com' });
    let seen: unknown;
    server.grant('*', (req: any) => { seen = profileOf(req); return { clientID: 'c' }; });
    await new Promise<void>((resolve, reject) => server._parse('code', { query: {}, headers: {} } as any, (err) => (err ? reject(err) : resolve())));
    assert.equal(seen, server._profile);
    let handlerSaw: unknown;
    server.grant('code', 'response', (txn: any, _res: any, next: any) => { handlerSaw = profileOf(txn); next(); });
    const txn: any = { req: { type: 'code' } };
    await new Promise<void>((resolve) => server._respond(txn, new MockResponse() as any, undefined, () => resolve()));
    assert.equal(handlerSaw, server._profile);
  });

  it('with exposeErrors off, error handlers see a bare server_error; the app still gets the original', async () => {
    const server = new Server({ exposeErrors: false });
    const seen: any[] = [];
    server.grant('code', 'error', (err: any, _txn: any, _res: any, next: any) => { seen.push(err); next(err); });
    const original = new Error('password=hunter2');
    const passed = await new Promise((resolve) => server._respondError(original, { req: { type: 'code' } } as any, new MockResponse() as any, resolve));
    assert.equal(seen[0].code, 'server_error');
    assert.equal(seen[0].message, '');
    assert.equal(passed, original, 'when no handler answers, the original error goes on');
    const oauth = new AuthorizationError('Not allowed', 'access_denied');
    await new Promise((resolve) => server._respondError(oauth, { req: { type: 'code' } } as any, new MockResponse() as any, resolve));
    assert.equal(seen[1], oauth, 'OAuth errors are passed as they are');
  });

  it('advertises iss support and PKCE methods', () => {
    const server = new Server({ issuer: 'https://as.example.com', hardened: true });
    const meta = advertised(server);
    assert.equal(meta.issuer, 'https://as.example.com');
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(advertised(new Server()), {});
  });
});
