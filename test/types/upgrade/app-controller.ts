/**
 * An application controller written the way apps were written against
 * `@types/oauth2orize` 1.11.5: namespace import, the type names that package
 * exported, callbacks annotated by hand (often more narrowly than the truth),
 * casts to the arity types, and the app's own non-optional `req.oauth2`
 * augmentation of Express's `Request`. It must compile unchanged (issue 10).
 *
 * Compiled on its own (it augments a global), against src/ by
 * test/types/upgrade.test.ts and against the packed package by
 * test/package/pack.test.ts. Never run.
 */
import * as oauth2orize from 'oauth2orize';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';

export interface Client {
  id: string;
  secret: string;
  redirectUris: string[];
  trusted: boolean;
}

export interface User {
  id: string;
  displayName: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      oauth2: oauth2orize.OAuth2<Client, User>;
    }
  }
}

// The app's data layer, callback style.
declare const db: {
  clients: { byId(id: string, cb: (err: Error | null, client?: Client) => void): void };
  users: { check(username: string, password: string, cb: (err: Error | null, user?: User) => void): void };
  codes: {
    save(code: string, data: { clientId: string; redirectUri: string; userId: string; scope: string[] }, cb: (err: Error | null) => void): void;
    take(code: string, cb: (err: Error | null, data?: { clientId: string; redirectUri: string; userId: string; scope: string[] }) => void): void;
  };
  tokens: {
    issue(userId: string | null, clientId: string, scope: string[], cb: (err: Error | null, token?: string, refresh?: string) => void): void;
    refresh(refreshToken: string, clientId: string, cb: (err: Error | null, token?: string) => void): void;
  };
};
declare function uid(length: number): string;

export const server = oauth2orize.createServer<Client, User>();

server.serializeClient((client, done) => done(null, client.id));

server.deserializeClient((id, done) => {
  db.clients.byId(id, (err, client) => {
    if (err) return done(err);
    return done(null, client || false);
  });
});

// Callbacks annotated by the app, `redirectUri: string` and a `done` typed with `Error | null`.
server.grant(oauth2orize.grant.code((client: Client, redirectUri: string, user: User, done: (error: Error | null, code?: string | false) => void) => {
  const code = uid(16);
  db.codes.save(code, { clientId: client.id, redirectUri, userId: user.id, scope: [] }, (err) => {
    if (err) return done(err);
    return done(null, code);
  });
}));

// The arity types as casts, with `ares` and `areq`.
server.grant(oauth2orize.grant.code(((client, redirectUri, user, ares, areq, done) => {
  const scope: string[] = areq.scope;
  db.codes.save(uid(16), { clientId: client.id, redirectUri, userId: user.id, scope }, (err) => done(err));
  void ares;
}) as oauth2orize.IssueGrantCodeFunctionArity6<Client, User>));

server.grant(oauth2orize.grant.token(((client, user, ares, done) => {
  db.tokens.issue(user.id, client.id, [], (err, token) => {
    if (err) return done(err);
    done(null, token, { expires_in: 3600 });
  });
  void ares;
}) as oauth2orize.IssueGrantTokenFunctionArity4<Client, User>));

server.exchange(oauth2orize.exchange.code((
  client: Client,
  code: string,
  redirectUri: string,
  done: (error: Error | null, accessToken?: string | false, refreshToken?: string, params?: { expires_in?: number }) => void,
) => {
  db.codes.take(code, (err, data) => {
    if (err) return done(err);
    if (!data || data.clientId !== client.id || data.redirectUri !== redirectUri) return done(null, false);
    db.tokens.issue(data.userId, client.id, data.scope, (err2, token, refresh) => {
      if (err2) return done(err2);
      done(null, token, refresh, { expires_in: 3600 });
    });
  });
}));

server.exchange(oauth2orize.exchange.password((client, username, password, scope, done) => {
  // `client` is the server's Client.
  const clientId: string = client.id;
  db.users.check(username, password, (err, user) => {
    if (err) return done(err);
    if (!user) return done(null, false);
    db.tokens.issue(user.id, clientId, scope, (err2, token, refresh) => done(err2, token, refresh));
  });
}));

server.exchange(oauth2orize.exchange.clientCredentials((client: Client, scope: string[], done: oauth2orize.ExchangeDoneFunction) => {
  db.tokens.issue(null, client.id, scope, (err, token) => done(err, token));
}));

server.exchange(oauth2orize.exchange.refreshToken((client, refreshToken, done) => {
  db.tokens.refresh(refreshToken, client.id, (err, token) => done(err, token));
}));

// A chain keeps its types: exchanges see Client.
oauth2orize
  .createServer<Client, User>()
  .grant(oauth2orize.grant.code((client, redirectUri, user, done) => {
    const ids: string[] = [client.id, user.id, String(redirectUri)];
    done(null, ids.join('.'));
  }))
  .exchange(oauth2orize.exchange.code((client, code, redirectUri, done) => {
    const id: string = client.id;
    done(null, id + code + String(redirectUri));
  }))
  .exchange(oauth2orize.exchange.clientCredentials((client, done) => {
    const trusted: boolean = client.trusted;
    done(null, trusted ? 'token' : false);
  }));

const validate = ((clientId, redirectUri, done) => {
  db.clients.byId(clientId, (err, client) => {
    if (err) return done(err);
    if (!client || !client.redirectUris.includes(redirectUri)) return done(null, false);
    return done(null, client, redirectUri);
  });
}) as oauth2orize.ValidateFunction<Client>;

const immediate: oauth2orize.ImmediateFunction<Client, User> = (client, user, scope, type, areq, done) => {
  done(null, client.trusted, { scope }, null);
  void user; void type; void areq;
};

export const authorization: RequestHandler[] = [
  server.authorization(validate, immediate),
  (req: Request, res: Response) => {
    // The app's own augmentation: non-optional, typed with Client and User.
    const clientName: string = req.oauth2.client.id;
    const userName: string = req.oauth2.user.displayName;
    const transactionId: string = req.oauth2.transactionID;
    res.json({ transactionId, clientName, userName, scope: req.oauth2.req.scope.join(' ') });
  },
];

export const decision: RequestHandler[] = server.decision((req: oauth2orize.MiddlewareRequest<Client, User>, done: (err: Error | null, params?: any) => void) => {
  done(null, { scope: req.oauth2 ? req.oauth2.req.scope : [] });
});

declare const app: Express;
app.post('/oauth/token', server.token(), server.errorHandler());
app.get('/oauth/authorize', authorization, server.errorHandler({ mode: 'indirect' }));
app.post('/oauth/authorize/decision', decision);

export const authorizeWithOptions: oauth2orize.MiddlewareFunction<Client, User> = server.authorize(
  { idLength: 16, sessionKey: 'oauth' } satisfies oauth2orize.AuthorizeOptions,
  ((areq, done) => done(null, false)) as oauth2orize.ValidateFunctionArity2<Client>,
);

export const errors: oauth2orize.MiddlewareErrorFunction<Client, User> = server.errorHandler({ mode: 'indirect' });

export function forbid(_req: Request, _res: Response, next: NextFunction): void {
  const code: oauth2orize.TokenErrorCode = 'invalid_grant';
  const authz: oauth2orize.AuthorizationErrorCode = 'access_denied';
  next(new oauth2orize.TokenError('Forbidden', code));
  next(new oauth2orize.AuthorizationError('Denied', authz));
}

// Session serialization annotated with the done types.
const serializeDone: oauth2orize.SerializeClientDoneFunction = (err, id) => void [err, id];
const deserializeDone: oauth2orize.DeserializeClientDoneFunction<Client> = (err, client) => void [err, client];
server.serializeClient({ id: 'c', secret: 's', redirectUris: [], trusted: true }, serializeDone);
server.deserializeClient('c', deserializeDone);

export const options: oauth2orize.ServerOptions = { store: undefined };
