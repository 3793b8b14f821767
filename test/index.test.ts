/** The package surface exposed by src/index.ts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import oauth2orize, * as named from '../src/index.js';
import { Server } from '../src/server.js';
import { code } from '../src/grant/code.js';
import { token } from '../src/grant/token.js';
import { authorizationCode } from '../src/exchange/authorizationCode.js';
import { clientCredentials } from '../src/exchange/clientCredentials.js';
import { password } from '../src/exchange/password.js';
import { refreshToken } from '../src/exchange/refreshToken.js';
import { errorHandler } from '../src/middleware/errorHandler.js';
import { OAuth2Error } from '../src/errors/oauth2error.js';
import { AuthorizationError } from '../src/errors/authorizationerror.js';
import { TokenError } from '../src/errors/tokenerror.js';

const lib: any = oauth2orize;

describe('package surface (src/index.ts)', () => {
  describe('default export', () => {
    it('is a function that creates a Server', () => {
      assert.equal(typeof lib, 'function');
      const server = lib();
      assert.ok(server instanceof Server);
      assert.notEqual(lib(), server, 'each call creates a new server');
    });

    it('passes options to the Server', () => {
      const store = { load() {}, store() {}, update() {}, remove() {} };
      const server = lib({ store });
      assert.equal(server._txnStore, store);
    });

    it('carries createServer, which is itself', () => {
      assert.equal(typeof lib.createServer, 'function');
      assert.equal(lib.createServer, lib);
      assert.ok(lib.createServer() instanceof Server);
    });

    it('carries errorHandler', () => {
      assert.equal(lib.errorHandler, errorHandler);
      assert.equal(lib.errorHandler().length, 4);
    });

    it('carries the error classes', () => {
      assert.equal(lib.OAuth2Error, OAuth2Error);
      assert.equal(lib.AuthorizationError, AuthorizationError);
      assert.equal(lib.TokenError, TokenError);
      assert.ok(new lib.TokenError('m', 'invalid_grant') instanceof lib.OAuth2Error);
      assert.ok(new lib.AuthorizationError('m', 'access_denied') instanceof lib.OAuth2Error);
    });

    it('carries the bundled grants with their aliases', () => {
      assert.equal(lib.grant.code, code);
      assert.equal(lib.grant.token, token);
      assert.equal(lib.grant.authorizationCode, lib.grant.code);
      assert.equal(lib.grant.implicit, lib.grant.token);
    });

    it('carries the bundled exchanges with their alias', () => {
      assert.equal(lib.exchange.authorizationCode, authorizationCode);
      assert.equal(lib.exchange.clientCredentials, clientCredentials);
      assert.equal(lib.exchange.password, password);
      assert.equal(lib.exchange.refreshToken, refreshToken);
      assert.equal(lib.exchange.code, lib.exchange.authorizationCode);
    });

    it('exchange functions are named after their grant type', () => {
      const issue = (..._args: any[]) => {};
      assert.equal(lib.exchange.code(function (_a: any, _b: any, _c: any, _d: any) {}).name, 'authorization_code');
      assert.equal(lib.exchange.clientCredentials(issue).name, 'client_credentials');
      assert.equal(lib.exchange.password(issue).name, 'password');
      assert.equal(lib.exchange.refreshToken(issue).name, 'refresh_token');
    });
  });

  describe('named exports', () => {
    it('equal the default export’s properties', () => {
      const n: any = named;
      for (const key of ['createServer', 'errorHandler', 'grant', 'exchange', 'OAuth2Error', 'AuthorizationError', 'TokenError']) {
        assert.ok(n[key] !== undefined, `named export ${key} is missing`);
        assert.equal(n[key], lib[key], key);
      }
    });

    it('include Server', () => {
      assert.equal((named as any).Server, Server);
      assert.ok((named as any).createServer() instanceof Server);
    });
  });
});
