/**
 * `createServer<Client, User>()`: the app's own types flow from the server
 * into the callbacks it takes, and into grants passed to `server.grant()`.
 * `req.oauth2` is declared on Express's `Request`. Compile-only.
 */
import type express from 'express';
import oauth2orize, {
  createServer,
  grant,
  Server,
  type OAuth2Transaction,
} from '../../src/index.js';
import { expectAssignable, expectTrue, type Equal, type IsAny } from './assert.js';

interface MyClient {
  id: string;
  name: string;
  redirectURIs: string[];
}
interface MyUser {
  uid: number;
  email: string;
}
declare function findClient(id: string): MyClient | undefined;

const server = createServer<MyClient, MyUser>();
expectTrue<Equal<typeof server, Server<MyClient, MyUser>>>();

// The default export is createServer itself, with the same generics.
const same = oauth2orize<MyClient, MyUser>();
expectTrue<Equal<typeof same, Server<MyClient, MyUser>>>();
const untyped = oauth2orize.createServer();
expectTrue<Equal<typeof untyped, Server<any, any>>>();

// serializeClient / deserializeClient: `client` is MyClient, `done` takes it.
server.serializeClient((client, done) => {
  expectTrue<Equal<typeof client, MyClient>>();
  done(null, client.id);
});
server.deserializeClient((id, done) => {
  const client = findClient(String(id));
  expectAssignable<Parameters<typeof done>[1]>(client ?? false);
  done(null, client ?? false);
});
server.serializeClient(async (client) => {
  expectTrue<Equal<typeof client, MyClient>>();
  return client.id;
});

// validate / immediate on the server: the client the app resolves must be a
// MyClient, and immediate sees MyClient and MyUser.
server.authorize(
  (clientID, redirectURI, done) => {
    expectAssignable<string>(clientID);
    const client = findClient(clientID);
    if (!client) return done(null, false);
    done(null, client, redirectURI);
  },
  (client, user, done) => {
    expectAssignable<MyClient>(client);
    expectAssignable<MyUser>(user);
    done(null, client.redirectURIs.length > 0 && user.uid > 0);
  },
);

// A grant passed straight to server.grant() picks the server's types up from
// the expected return type, even in the context form without annotations.
server.grant(grant.code(async ({ client, user, ares }) => {
  expectTrue<Equal<typeof client, MyClient>>();
  expectTrue<Equal<typeof user, MyUser>>();
  return `${client.id}:${user.uid}:${String(ares.allow)}`;
}));
server.grant(grant.token(async ({ client, user }) => {
  expectTrue<Equal<typeof client, MyClient>>();
  expectTrue<Equal<typeof user, MyUser>>();
  return { accessToken: client.name + user.email, params: { expires_in: 3600 } };
}));
// In the positional forms the first parameter is MyClient (intersected with the
// context type, since one signature covers every arity), so it is usable as one.
server.grant(grant.code((client, redirectURI, user, ares, done) => {
  expectAssignable<MyClient>(client);
  expectAssignable<MyUser>(user);
  done(null, client.id + (redirectURI ?? '') + user.email + String(ares.allow));
}));

// Built on its own, a grant or exchange takes the types explicitly.
export const codeGrant = grant.code<MyClient, MyUser>(async ({ client, user }) => {
  expectTrue<Equal<typeof client, MyClient>>();
  expectTrue<Equal<typeof user, MyUser>>();
  return client.id;
});
server.grant(codeGrant);
export const passwordExchange = oauth2orize.exchange.password<MyClient>(async ({ client, username }) => {
  expectTrue<Equal<typeof client, MyClient>>();
  expectTrue<Equal<typeof username, string>>();
  return client.id + username;
});
server.exchange(passwordExchange);
// ...and without them, Client and User are `any`.
grant.code(async ({ client, user }) => {
  expectTrue<IsAny<typeof client>>();
  expectTrue<IsAny<typeof user>>();
  return 'code';
});

// Response and error handlers registered on the server see typed transactions.
server.grant('code', 'response', async (txn, res) => {
  expectTrue<Equal<typeof txn, OAuth2Transaction<MyClient, MyUser>>>();
  if (txn.client.redirectURIs.length === 0) res.end();
});
server.grant('code', 'error', async (err, txn, _res) => {
  expectAssignable<MyClient>(txn.client);
  void err;
});

// req.oauth2 is declared on Express's Request (declaration merging), optional.
export const transactionIdOf = (req: express.Request): string | undefined => req.oauth2?.transactionID;
export function consentPage(req: express.Request, res: express.Response): void {
  const txn = req.oauth2;
  if (!txn) return void res.status(400).end();
  expectAssignable<OAuth2Transaction>(txn);
  // The global declaration knows no app types: the client there is `any`.
  expectTrue<IsAny<typeof txn.client>>();
  res.render('dialog', { transactionID: txn.transactionID, client: txn.client, scope: txn.req.scope });
}
