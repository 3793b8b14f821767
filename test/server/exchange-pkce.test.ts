/** server.exchange() refuses, at startup, a bundled exchange.code that cannot verify PKCE on a server with a PKCE policy. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import oauth2orize, { createServer } from '../../src/index.js';
import type { ServerOptions } from '../../src/index.js';
import { mockRequest, run, runError } from '../helpers/mock.js';

const ISSUER = 'https://as.example';
const issue = (_c: any, _code: any, _r: any, done: any) => done(null, 'at');
const lookup = async () => null;

describe('server.exchange with exchange.code and a server PKCE policy', () => {
  it('throws a TypeError at registration when the exchange has neither pkce.lookup nor pkce: false', () => {
    for (const options of [{ issuer: ISSUER, hardened: true }, { pkce: {} }, { pkce: { required: 'public', isPublic: () => true } }] as ServerOptions[]) {
      const server = createServer(options);
      assert.throws(() => server.exchange(oauth2orize.exchange.code(issue)), (err: unknown) => {
        assert.ok(err instanceof TypeError, 'a TypeError');
        assert.match(err.message, /PKCE policy.*pkce\.lookup.*pkce: false/, 'says what is missing and how to fix it');
        return true;
      }, JSON.stringify(options));
      assert.throws(() => server.exchange('authorization_code', oauth2orize.exchange.authorizationCode({}, issue)), TypeError, 'named form, options without pkce');
      assert.equal(server._exchanges.length, 0, 'nothing was registered');
    }
  });

  it('accepts the exchange with a lookup or pkce: false, and on servers without a PKCE policy', () => {
    const hardened = createServer({ issuer: ISSUER, hardened: true });
    hardened.exchange(oauth2orize.exchange.code({ pkce: { lookup } }, issue));
    hardened.exchange('authorization_code', oauth2orize.exchange.code({ pkce: false }, issue));
    assert.equal(hardened._exchanges.length, 2);
    for (const options of [undefined, { issuer: ISSUER }, { exposeErrors: false }] as Array<ServerOptions | undefined>) {
      const server = createServer(options);
      server.exchange(oauth2orize.exchange.code(issue));
      assert.equal(server._exchanges.length, 1, JSON.stringify(options));
    }
  });

  it('leaves other exchanges alone, whatever their name', () => {
    const server = createServer({ issuer: ISSUER, hardened: true });
    const custom = function authorization_code(_req: any, _res: any, next: any) { next(); };
    server.exchange(custom);
    server.exchange(oauth2orize.exchange.clientCredentials((_c: any, done: any) => done(null, 'at')));
    assert.equal(server._exchanges.length, 2);
  });

  it('an exchange registered another way fails at request time without leaking its message when exposeErrors is off', async () => {
    const bare = oauth2orize.exchange.code(issue);
    const body = { grant_type: 'authorization_code', code: 'c1', code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' };
    for (const [options, exposed] of [[{ issuer: ISSUER, hardened: true }, false], [{ pkce: {} }, true]] as Array<[ServerOptions, boolean]>) {
      const server = createServer(options);
      // Wrapped: the registration check cannot see the bundled exchange.
      server.exchange('authorization_code', (req, res, next) => bare(req, res, next));
      const out = await run(server.token(), mockRequest({ method: 'POST', body, user: { id: 'client' } } as any));
      assert.ok(out.nextCalled && out.err, 'the request fails');
      const shown = await runError(server.errorHandler(), out.err, mockRequest({ method: 'POST' }));
      assert.equal(shown.res.statusCode, 500, 'a setup error of the server, not of the client');
      const json = JSON.parse(shown.res.body!);
      assert.equal(json.error, 'server_error');
      if (exposed) assert.match(String(json.error_description), /pkce\.lookup/, 'exposeErrors on: the developer sees why');
      else assert.equal('error_description' in json, false, `no internal message reaches the client: ${shown.res.body}`);
    }
  });
});
