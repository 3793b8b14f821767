/**
 * Context forms whose public types do not describe them yet. Each line below
 * runs correctly (test/async/authorization.test.ts and decision.test.ts show
 * it over HTTP) but fails to compile today, so this file keeps
 * `make typecheck` red until src/ types them:
 *
 * - `complete` (authorize, resume and decision) is typed only as
 *   `(req, txn, done) => void`, so `({ req, txn })` destructures an
 *   OAuth2IncomingMessage;
 * - decision `parse` is typed only as `(req, done) => void`;
 * - grant.code's `extend` is typed only as `(txn, done) => void`.
 *
 * Compile-only.
 */
import { createServer, grant, type OAuth2IncomingMessage, type OAuth2Transaction } from '../../src/index.js';
import { expectAssignable, expectTrue, type Equal } from './assert.js';

interface MyClient {
  id: string;
}
interface MyUser {
  uid: number;
}

const server = createServer<MyClient, MyUser>();

// complete({ req, txn }) → anything (awaited)
server.authorize(
  async ({ clientID }) => ({ client: { id: clientID } }),
  async (_ctx) => true,
  async ({ req, txn }) => {
    expectAssignable<OAuth2IncomingMessage>(req);
    expectTrue<Equal<typeof txn, OAuth2Transaction<MyClient, MyUser>>>();
  },
);

// decision parse({ req, txn }) → { ares?, locals? } or undefined
server.decision(async ({ req, txn }) => {
  expectAssignable<OAuth2IncomingMessage>(req);
  expectAssignable<OAuth2Transaction>(txn);
  return { ares: { scope: ['read'] }, locals: { via: 'parse' } };
});
server.decision(async ({ req }) => (req.method === 'POST' ? undefined : { ares: { allow: false } }));

// grant.code extend({ txn }) → params
server.grant(grant.code(
  async ({ client }) => client.id,
  async ({ txn }) => {
    expectTrue<Equal<typeof txn, OAuth2Transaction<MyClient, MyUser>>>();
    return { iss: 'https://as.example.com' };
  },
));
