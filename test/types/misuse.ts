/**
 * Misuse the types must reject. Each `@ts-expect-error` fails the type check
 * if the line below it compiles. Compile-only.
 */
import {
  AuthorizationError,
  createServer,
  exchange,
  grant,
  TokenError,
  type AuthorizationResponse,
} from '../../src/index.js';
import type express from 'express';

interface MyClient {
  id: string;
}
interface MyUser {
  uid: number;
}
interface OtherClient {
  other: number;
}
declare const aClient: MyClient;

const server = createServer<MyClient, MyUser>();

// A factory without its issue callback.
// @ts-expect-error grant.code requires an issue callback
grant.code();
// @ts-expect-error grant.token requires an issue callback
grant.token({ scopeSeparator: ',' });
// @ts-expect-error exchanges require an issue callback
exchange.password();
// @ts-expect-error exchanges require an issue callback
exchange.clientCredentials({ userProperty: 'client' });

// An annotated callback whose `done` takes the wrong argument types.
server.grant(grant.code(
  // @ts-expect-error done's code must be string | false | null, not number
  (client: MyClient, redirectURI: string | undefined, user: MyUser, ares: AuthorizationResponse, done: (err: unknown, code: number) => void) => {
    done(null, client.id.length + (redirectURI ?? '').length + user.uid + Number(ares.allow));
  },
));

// Wrong values handed to `done` in unannotated callbacks.
// @ts-expect-error a code is a string
server.grant(grant.code((client, redirectURI, user, done) => done(null, 42)));
// @ts-expect-error an access token is a string
server.exchange(exchange.clientCredentials((client, scope, done) => done(null, 42)));
// @ts-expect-error allow is a boolean
server.authorize((clientID, redirectURI, done) => done(null, aClient), (client, user, done) => done(null, 'yes'));
// @ts-expect-error validate must give back a MyClient
server.authorize((clientID, redirectURI, done) => done(null, { nope: 1 }));

// App types are checked.
// @ts-expect-error MyClient has no `nope`
server.serializeClient((client, done) => done(null, client.nope));
// @ts-expect-error the context has no `nope`
server.grant(grant.code(async ({ client, nope }) => client.id + String(nope)));
// @ts-expect-error the password exchange's context has no `code`
exchange.password<MyClient>(async ({ client, code }) => client.id + String(code));
// @ts-expect-error a grant typed for another client does not fit this server
server.grant(grant.code<OtherClient, MyUser>((client, redirectURI, user, done) => done(null, String(client.other))));

// Error classes.
// @ts-expect-error the message is a string
new TokenError(1);
// @ts-expect-error the status is a number
new AuthorizationError('denied', 'access_denied', undefined, '403');

// req.oauth2 is optional: it must be checked before use.
export function consent(req: express.Request): string | undefined {
  // @ts-expect-error req.oauth2 is possibly undefined
  return req.oauth2.transactionID;
}
