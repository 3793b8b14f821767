/**
 * Every middleware factory of the server answers the same way when a router is handed the
 * factory itself instead of what it returns (`app.use(server.token)`): the router's `next`
 * gets a TypeError naming the factory, so the request does not hang. The list below is
 * checked against the prototype, so a new factory method cannot skip the guard unnoticed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server, createServer } from '../../src/index.js';
import { mockRequest, mockResponse } from '../helpers/mock.js';

/** Methods that return middleware, and the name their error gives. */
const FACTORIES: Record<string, string> = {
  authorization: 'server.authorize',
  authorize: 'server.authorize',
  resume: 'server.resume',
  decision: 'server.decision',
  authorizationErrorHandler: 'server.authorizationErrorHandler',
  authorizeError: 'server.authorizationErrorHandler',
  authorizationError: 'server.authorizationErrorHandler',
  token: 'server.token',
  metadata: 'server.metadata',
  revocation: 'server.revocation',
  introspection: 'server.introspection',
  clientAssertion: 'server.clientAssertion',
  authenticateClient: 'server.authenticateClient',
  deviceAuthorization: 'server.deviceAuthorization',
  deviceVerification: 'server.deviceVerification',
  pushedAuthorization: 'server.pushedAuthorization',
  registration: 'server.registration',
  clientConfiguration: 'server.clientConfiguration',
  errorHandler: 'server.errorHandler',
};

/** Methods that are no middleware factory: registries, 1.x's internal members, the CIMD resolver's maker. */
const OTHERS = new Set(['constructor', 'clientIdMetadataDocuments', 'grant', 'exchange', 'serializeClient', 'deserializeClient', '_parse', '_respond', '_respondError', '_exchange']);

describe('server factory methods used as middleware', () => {
  it('the list covers every public method of Server', () => {
    const names = Object.getOwnPropertyNames(Server.prototype).filter((n) => !OTHERS.has(n) && !n.startsWith('_'));
    assert.deepEqual(names.filter((n) => !(n in FACTORIES)), [], 'a method missing from FACTORIES (or OTHERS)');
  });

  for (const [method, name] of Object.entries(FACTORIES)) {
    it(`${method} as (req, res, next) passes a TypeError naming ${name} to next`, () => {
      const server = createServer() as unknown as Record<string, (...args: unknown[]) => unknown>;
      let passed: unknown;
      server[method]!(mockRequest(), mockResponse(), (err: unknown) => { passed = err; });
      assert.ok(passed instanceof TypeError, `${method}: next got ${String(passed)}`);
      assert.match((passed as Error).message, new RegExp(`${name.replace('.', '\\.')} is a factory, not a middleware`));
    });

    it(`${method} as (err, req, res, next) passes the same TypeError`, () => {
      const server = createServer() as unknown as Record<string, (...args: unknown[]) => unknown>;
      let passed: unknown;
      server[method]!(new Error('earlier'), mockRequest(), mockResponse(), (err: unknown) => { passed = err; });
      assert.ok(passed instanceof TypeError, `${method}: next got ${String(passed)}`);
    });
  }
});
