/**
 * The 1.x positional forms. First with every parameter annotated, as a
 * TypeScript app would write them; then without annotations, in every arity
 * 1.x accepts, which must compile under `strict` (no implicit any).
 * Compile-only.
 */
import type { IncomingMessage } from 'node:http';
import {
  createServer,
  exchange,
  grant,
  type AuthorizationRequest,
  type AuthorizationResponse,
  type ImmediateCallback,
  type IssueCodeCallback,
  type IssuedCallback,
  type IssueTokenCallback,
  type NextFunction,
  type OAuth2IncomingMessage,
  type OAuth2ServerResponse,
  type OAuth2Transaction,
  type ValidateCallback,
} from '../../src/index.js';
import { expectAssignable } from './assert.js';

interface MyClient {
  id: string;
  redirectURI: string;
}
interface MyUser {
  uid: number;
}
declare const aClient: MyClient;
type Locals = Record<string, unknown> | undefined;
type Body = Record<string, unknown>;

const server = createServer<MyClient, MyUser>();

// ---- Annotated -------------------------------------------------------------

server.grant(grant.code((client: MyClient, redirectURI: string | undefined, user: MyUser, ares: AuthorizationResponse, done: IssueCodeCallback) => {
  done(null, `${client.id}:${redirectURI}:${user.uid}:${String(ares.allow)}`);
}));
server.grant(grant.code(
  (client: MyClient, redirectURI: string | undefined, user: MyUser, ares: AuthorizationResponse, areq: AuthorizationRequest, locals: Locals, done: IssueCodeCallback) => {
    done(null, [client.id, redirectURI, user.uid, ares.allow, areq.state, locals].join());
  },
  (txn: OAuth2Transaction<MyClient, MyUser>, done: (err?: unknown, params?: Record<string, unknown>) => void) => {
    done(null, { iss: txn.client.id });
  },
));
server.grant(grant.token((client: MyClient, user: MyUser, ares: AuthorizationResponse, done: IssueTokenCallback) => {
  done(null, client.id + user.uid, { scope: ares.scope });
}));

server.exchange(exchange.authorizationCode((client: MyClient, code: string, redirectURI: string | undefined, done: IssuedCallback) => {
  if (redirectURI !== client.redirectURI) return done(null, false);
  done(null, 'at-' + code, 'rt', { expires_in: 3600 });
}));
server.exchange(exchange.clientCredentials((client: MyClient, scope: string[] | undefined, done: IssuedCallback) => {
  done(null, client.id + (scope ?? []).join(' '));
}));
server.exchange(exchange.password((client: MyClient, username: string, password: string, scope: string[] | undefined, body: Body, authInfo: unknown, done: IssuedCallback) => {
  done(null, [client.id, username, password, scope, body, authInfo].join());
}));
server.exchange(exchange.refreshToken((client: MyClient, refreshToken: string, scope: string[] | undefined, done: IssuedCallback) => {
  done(null, client.id + refreshToken + String(scope), { token_type: 'DPoP' });
}));

server.authorize(
  (clientID: string, redirectURI: string | undefined, done: ValidateCallback<MyClient>) => {
    if (clientID !== aClient.id) return done(null, false);
    done(null, aClient, redirectURI ?? aClient.redirectURI);
  },
  (client: MyClient, user: MyUser, scope: string[] | undefined, done: ImmediateCallback) => {
    done(null, client.id === 'trusted' && user.uid > 0 && !scope, { scope }, { from: 'immediate' });
  },
  (req: OAuth2IncomingMessage, txn: OAuth2Transaction<MyClient, MyUser>, done: (err?: unknown) => void) => {
    void req;
    void txn.client.id;
    done();
  },
);
server.authorize((areq: AuthorizationRequest, done: ValidateCallback<MyClient>) => done(null, areq.clientID === aClient.id && aClient));
server.decision((req: OAuth2IncomingMessage, done: (err?: unknown, ares?: Record<string, unknown>) => void) => {
  done(null, { scope: (req.body as Body).scope });
});
server.resume((txn: OAuth2Transaction<MyClient, MyUser>, done: ImmediateCallback) => done(null, txn.client.id === 'trusted'));

server.grant('*', (req: IncomingMessage & { query: Record<string, unknown> }) => ({ display: req.query.display }));
server.grant('code', 'response', (txn: OAuth2Transaction<MyClient, MyUser>, res: OAuth2ServerResponse, next: NextFunction) => {
  if (!txn.redirectURI) return next(new Error('no redirect URI'));
  res.end();
});
server.grant('code', 'error', (err: Error, txn: OAuth2Transaction<MyClient, MyUser>, res: OAuth2ServerResponse, next: NextFunction) => {
  if (!txn.redirectURI) return next(err);
  res.end();
});
server.serializeClient((client: MyClient, done: (err: unknown, id?: unknown) => void) => done(null, client.id));
server.deserializeClient((id: string, done: (err: unknown, client?: MyClient | false | null) => void) => done(null, id === aClient.id && aClient));

// ---- Unannotated, every arity ----------------------------------------------
// (Each `done` below is called with the right argument types; misuse/*.ts
// shows wrong ones are rejected.)

// grant.code issue: arities 4, 5, 6, 7; extend: arity 2
server.grant(grant.code((client, redirectURI, user, done) => done(null, client.id + redirectURI + user.uid)));
server.grant(grant.code((client, redirectURI, user, ares, done) => done(null, client.id + String(ares.allow))));
server.grant(grant.code((client, redirectURI, user, ares, areq, done) => done(null, client.id + areq.type)));
server.grant(grant.code(
  (client, redirectURI, user, ares, areq, locals, done) => done(null, client.id + String(locals)),
  (txn, done) => done(null, { client: txn.client.id }),
));

// grant.token issue: arities 3, 4, 5, 6
server.grant(grant.token((client, user, done) => done(null, client.id + user.uid)));
server.grant(grant.token((client, user, ares, done) => done(null, client.id, { scope: ares.scope })));
server.grant(grant.token((client, user, ares, areq, done) => done(null, areq.type)));
server.grant(grant.token((client, user, ares, areq, locals, done) => done(null, String(locals))));

// exchanges: every arity of each
server.exchange(exchange.authorizationCode((client, code, redirectURI, done) => done(null, code + redirectURI)));
server.exchange(exchange.authorizationCode((client, code, redirectURI, body, done) => done(null, code, { body })));
server.exchange(exchange.authorizationCode((client, code, redirectURI, body, authInfo, done) => done(null, code, 'rt', { authInfo })));
server.exchange(exchange.clientCredentials((client, done) => done(null, 'at')));
server.exchange(exchange.clientCredentials((client, scope, done) => done(null, String(scope))));
server.exchange(exchange.clientCredentials((client, scope, body, done) => done(null, 'at', { body })));
server.exchange(exchange.clientCredentials((client, scope, body, authInfo, done) => done(null, 'at', null, { authInfo })));
server.exchange(exchange.password((client, username, password, done) => done(null, username + password)));
server.exchange(exchange.password((client, username, password, scope, done) => done(null, username)));
server.exchange(exchange.password((client, username, password, scope, body, done) => done(null, username)));
server.exchange(exchange.password((client, username, password, scope, body, authInfo, done) => done(null, username)));
server.exchange(exchange.refreshToken((client, refreshToken, done) => done(null, refreshToken)));
server.exchange(exchange.refreshToken((client, refreshToken, scope, done) => done(null, refreshToken)));
server.exchange(exchange.refreshToken((client, refreshToken, scope, body, done) => done(null, refreshToken)));
server.exchange(exchange.refreshToken((client, refreshToken, scope, body, authInfo, done) => done(null, refreshToken)));

// validate: arities 2, 3, 4, 5
server.authorize((areq, done) => done(null, aClient, areq.redirectURI));
server.authorize((clientID, redirectURI, done) => done(null, clientID === aClient.id && aClient, redirectURI));
server.authorize((clientID, redirectURI, scope, done) => done(null, aClient, redirectURI, 'https://origin.example'));
server.authorize((clientID, redirectURI, scope, type, done) => done(null, aClient));

// immediate: arities 2 to 7; complete: arity 3
const validate = (clientID: string, redirectURI: string | undefined, done: ValidateCallback<MyClient>) => done(null, aClient, redirectURI);
server.authorize(validate, (txn, done) => done(null, txn.client.id === 'x'));
server.authorize(validate, (client, user, done) => done(null, client.id === 'x' && user.uid > 0));
server.authorize(validate, (client, user, scope, done) => done(null, true, { scope }));
server.authorize(validate, (client, user, scope, type, done) => done(null, true));
server.authorize(validate, (client, user, scope, type, areq, done) => done(null, true, { state: areq.state }));
server.authorize(validate, (client, user, scope, type, areq, locals, done) => done(null, true, {}, { seen: locals }), (req, txn, done) => {
  expectAssignable<MyClient>(txn.client);
  done();
});

// decision parse: arity 2, with complete
server.decision((req, done) => done(null, { scope: ['read'] }, { via: 'parse' }), (req, txn, done) => done());
// resume immediate: arity 3
server.resume((client, user, done) => done(null, client.id === 'x'));

// request parsers (arities 1 and 2), response handlers (3 and 4), error handlers (4)
server.grant('*', (req) => ({ display: req.query.display }));
server.grant('*', (req, done) => done(null, { display: req.query.display }));
server.grant('code', 'response', (txn, res, next) => (txn.redirectURI ? res.end() : next()));
// `complete`'s own callback needs its parameter annotated: `complete` is typed as
// an intersection of two call signatures, which gives `err` no contextual type.
server.grant('code', 'response', (txn, res, complete, next) => complete((err?: unknown) => (err ? next(err) : res.end())));
server.grant('code', 'error', (err, txn, res, next) => next(err));

// client (de)serialization
server.serializeClient((client, done) => done(null, client.id));
server.deserializeClient((id, done) => done(null, id === aClient.id ? aClient : false));
