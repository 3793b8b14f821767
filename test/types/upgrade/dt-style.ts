/**
 * Code in the style of `@types/oauth2orize`'s own tests: every arity type as
 * a cast, the deprecated names, an optional `req.oauth2` augmentation typed
 * with `OAuth2<{ ... }>`, and a typed server whose callbacks (annotated or
 * not) see the app's Client and User. Compiled on its own like
 * app-controller.ts. Never run.
 */
import * as oauth2orize from 'oauth2orize';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expectTrue, type Equal, type IsAny } from '../assert.js';

interface AppClient {
  id: string;
  redirectURI: string;
}
interface AppUser {
  id: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      oauth2?: oauth2orize.OAuth2<AppClient>;
    }
  }
}

declare function lookup(id: string, cb: (err: Error | null, client?: AppClient) => void): void;

const server = oauth2orize.createServer();

server.grant(oauth2orize.grant.code(((client, redirectURI, user, ares, done) => {
  const issued: oauth2orize.IssueGrantCodeDoneFunction = done;
  void issued;
  done(null, [client, redirectURI, user, ares].length ? 'code' : false);
}) as oauth2orize.IssueGrantCodeFunction));
server.grant(oauth2orize.grant.code(((client, redirectURI, user, done) => done(null, `${redirectURI}`)) as oauth2orize.IssueGrantCodeFunctionArity4));
server.grant(oauth2orize.grant.code(((client, redirectURI, user, ares, areq, done) => {
  const scope: string[] = areq.scope;
  done(null, scope.join(' '));
}) as oauth2orize.IssueGrantCodeFunctionArity6));
server.grant(oauth2orize.grant.code(((client, redirectURI, user, ares, areq, locals, done) => done(null, areq.state)) as oauth2orize.IssueGrantCodeFunctionArity7));
const grantOptions: oauth2orize.grant.Options = { scopeSeparator: ',' };
const exchangeOptions: oauth2orize.exchange.Options = { userProperty: 'client', scopeSeparator: ' ' };
server.grant(oauth2orize.grant.code(grantOptions, (client, redirectURI, user, done) => done(null, 'c')));
server.exchange(oauth2orize.exchange.clientCredentials(exchangeOptions, (client, done) => done(null, 't')));
server.grant(oauth2orize.grant.code({
  modes: { query: (txn, res, params) => { res.end(String(txn.redirectURI) + Object.keys(params).join()); } },
  scopeSeparator: ' ',
}, (client, redirectURI, user, ares, done) => done(null, 'c')));
server.grant(oauth2orize.grant.token(((client, user, ares, done) => done(null, 'at', { expires_in: 1 })) as oauth2orize.IssueGrantTokenFunctionArity4));
server.grant(oauth2orize.grant.token(((client, user, ares, areq, done) => done(null, false)) as oauth2orize.IssueGrantTokenFunctionArity5));

server.exchange(oauth2orize.exchange.code(((client, code, redirectURI, done) => {
  const uri: string = redirectURI;
  done(null, code + uri);
}) as oauth2orize.IssueExchangeCodeFunction));
server.exchange(oauth2orize.exchange.code(((client, code, redirectURI, body, done) => done(null, String(body.x))) as oauth2orize.IssueExchangeCodeFunctionArity5));
server.exchange(oauth2orize.exchange.authorizationCode(((client, code, redirectURI, body, authInfo, done) => done(null, false)) as oauth2orize.IssueExchangeCodeFunctionArity6));

server.authorize(((clientID, redirectURI, done) => {
  lookup(clientID, (err, client) => {
    if (err) return done(err);
    if (!client || client.redirectURI !== redirectURI) return done(null, false);
    return done(null, client, client.redirectURI);
  });
}) as oauth2orize.ValidateFunction);
server.authorize(((clientID, redirectURI, scope, done) => done(null, false)) as oauth2orize.ValidateFunctionArity4<any>);
server.authorize(((clientID, redirectURI, scope, type, done) => done(null, false)) as oauth2orize.ValidateFunctionArity5);
server.authorize(((areq, done) => done(null, false, areq.redirectURI)) as oauth2orize.ValidateFunctionArity2<any>);
server.authorization((clientId, redirectURI, scope, type, done) => done(null, false));

// The app's augmentation is what Express's Request carries.
((req: Express.Request) => {
  const tid: string = req.oauth2!.transactionID;
  expectTrue<Equal<typeof req.oauth2, oauth2orize.OAuth2<AppClient> | undefined>>();
  expectTrue<Equal<(typeof req.oauth2 & {})['client'], AppClient>>();
  return tid;
})({} as Express.Request);

server.serializeClient((client, done) => done(null, client.id));
server.deserializeClient((id, done) => lookup(id, (err, client) => (err ? done(err) : done(null, client))));
const token: oauth2orize.MiddlewareFunction = server.token();
const errors: oauth2orize.MiddlewareErrorFunction = server.errorHandler();
void [token, errors];

const tokenError = new oauth2orize.TokenError('Incorrect token', 'invalid_grant');
const code: string = tokenError.code;
new oauth2orize.AuthorizationError('Denied', 'access_denied');
new oauth2orize.OAuth2Error();
void code;

// A typed server: callbacks see Client and User, annotated or not.
const typed = oauth2orize.createServer<AppClient, AppUser>();
typed.grant(oauth2orize.grant.token(async function grantToken(
  client,
  user,
  _ares,
  _areq,
  done: (err: Error | null, token?: string | false, params?: { expires_in: number }) => void,
) {
  expectTrue<Equal<typeof client, AppClient & oauth2orize.IssueTokenContext<AppClient, AppUser>>>();
  expectTrue<Equal<typeof user, AppUser>>();
  done(null, client.id + user.id, { expires_in: 60 });
}));
typed
  .grant(oauth2orize.grant.code((client, redirectURI, user, done) => {
    expectTrue<Equal<IsAny<typeof user>, false>>();
    done(null, client.id + user.id + String(redirectURI));
  }))
  .exchange(oauth2orize.exchange.code((client, code, redirectURI, done) => {
    expectTrue<Equal<IsAny<typeof client>, false>>();
    const id: string = client.id;
    done(null, id + code);
  }))
  .exchange(oauth2orize.exchange.password((client, username, password, scope, done) => {
    expectTrue<Equal<IsAny<typeof client>, false>>();
    done(null, client.redirectURI + username + password + (scope || []).length);
  }))
  .exchange(oauth2orize.exchange.clientCredentials(async (client, scope) => {
    expectTrue<Equal<IsAny<typeof client>, false>>();
    return client.id + String(scope);
  }))
  .exchange(oauth2orize.exchange.refreshToken(async ({ client, refreshToken, scope }) => {
    expectTrue<Equal<typeof client, AppClient>>();
    expectTrue<Equal<typeof scope, string[] | undefined>>();
    return client.id + refreshToken;
  }));

// The server's generics type req.oauth2 without an augmentation.
type Req = oauth2orize.OAuth2Request<typeof typed, IncomingMessage>;
((req: Req, res: ServerResponse) => {
  expectTrue<Equal<typeof req.oauth2.client, AppClient>>();
  expectTrue<Equal<typeof req.oauth2.user, AppUser | undefined>>();
  res.end(req.oauth2.client.id);
})({} as Req, {} as ServerResponse);
