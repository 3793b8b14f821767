/**
 * The arity-1 context forms, written without annotations: the destructured
 * fields get their types from the library. Compile-only.
 *
 * Not here, because they do not type-check yet (see context-forms-untyped.ts):
 * `complete({ req, txn })`, decision `parse({ req, txn })` and grant.code's
 * `extend({ txn })`.
 */
import oauth2orize, {
  createServer,
  exchange,
  grant,
  type AuthorizationRequest,
  type AuthorizationResponse,
  type OAuth2Transaction,
  type RequestTransactionStore,
} from '../../src/index.js';
import { expectAssignable, expectTrue, type Equal } from './assert.js';

interface MyClient {
  id: string;
  name: string;
}
interface MyUser {
  uid: number;
}
declare const db: {
  client(id: string): Promise<MyClient | undefined>;
  consent(user: MyUser, client: MyClient): Promise<string[] | undefined>;
  token(...parts: unknown[]): Promise<string>;
  txn(id: unknown): Promise<OAuth2Transaction<MyClient, MyUser> | undefined>;
};

const server = createServer<MyClient, MyUser>();

// validate → { client, redirectURI?, webOrigin? } or falsy
server.authorize(async ({ clientID, redirectURI, scope, type, areq }) => {
  expectTrue<Equal<typeof clientID, string>>();
  expectTrue<Equal<typeof redirectURI, string | undefined>>();
  expectTrue<Equal<typeof scope, string[] | undefined>>();
  expectTrue<Equal<typeof type, string>>();
  expectTrue<Equal<typeof areq, AuthorizationRequest>>();
  const client = await db.client(clientID);
  if (!client) return false;
  return { client, redirectURI, webOrigin: 'https://client.example.com' };
});

// immediate → boolean, or { allow, info?, locals? }
server.authorize(
  async ({ clientID }) => ({ client: await db.client(clientID) }),
  async ({ txn, client, user, scope, type, areq, locals }) => {
    expectTrue<Equal<typeof txn, OAuth2Transaction<MyClient, MyUser>>>();
    expectTrue<Equal<typeof client, MyClient>>();
    expectTrue<Equal<typeof user, MyUser>>();
    expectTrue<Equal<typeof scope, string[] | undefined>>();
    expectTrue<Equal<typeof type, string>>();
    expectTrue<Equal<typeof areq, AuthorizationRequest>>();
    expectTrue<Equal<typeof locals, Record<string, unknown> | undefined>>();
    const granted = await db.consent(user, client);
    return granted ? { allow: true, info: { scope: granted }, locals: { remembered: true } } : false;
  },
);

// resume's immediate is the same callback
server.resume(async ({ client, user }) => {
  expectTrue<Equal<typeof client, MyClient>>();
  return (await db.consent(user, client)) !== undefined;
});

// grant.code issue → code or falsy
server.grant(grant.code(async ({ client, redirectURI, user, ares, areq, locals, txn }) => {
  expectTrue<Equal<typeof client, MyClient>>();
  expectTrue<Equal<typeof redirectURI, string | undefined>>();
  expectTrue<Equal<typeof user, MyUser>>();
  expectTrue<Equal<typeof ares, AuthorizationResponse>>();
  expectTrue<Equal<typeof areq, AuthorizationRequest>>();
  expectTrue<Equal<typeof locals, Record<string, unknown> | undefined>>();
  expectTrue<Equal<typeof txn, OAuth2Transaction<MyClient, MyUser>>>();
  return ares.allow ? db.token(client.id, user.uid) : false;
}));

// grant.token issue → token, { accessToken, params? }, or falsy
server.grant(grant.token(async ({ client, user, ares, areq, locals, txn }) => {
  expectTrue<Equal<typeof client, MyClient>>();
  expectTrue<Equal<typeof user, MyUser>>();
  expectAssignable<AuthorizationResponse>(ares);
  expectAssignable<AuthorizationRequest>(areq);
  expectAssignable<Record<string, unknown> | undefined>(locals);
  expectAssignable<OAuth2Transaction<MyClient, MyUser>>(txn);
  return { accessToken: await db.token(client, user), params: { expires_in: 3600 } };
}));
server.grant(grant.token(async ({ client }) => db.token(client)));

// exchanges → token, { accessToken, refreshToken?, params? }, or falsy
server.exchange(exchange.authorizationCode<MyClient>(async ({ client, code, redirectURI, body, authInfo }) => {
  expectTrue<Equal<typeof client, MyClient>>();
  expectTrue<Equal<typeof code, string>>();
  expectTrue<Equal<typeof redirectURI, string | undefined>>();
  expectAssignable<Record<string, unknown>>(body);
  expectTrue<Equal<typeof authInfo, unknown>>();
  if (code !== 'valid') return false;
  return { accessToken: await db.token(client), refreshToken: 'rt', params: { expires_in: 3600 } };
}));
server.exchange(exchange.clientCredentials<MyClient>(async ({ client, scope, body, authInfo }) => {
  expectTrue<Equal<typeof scope, string[] | undefined>>();
  void body;
  void authInfo;
  return db.token(client.id, scope);
}));
server.exchange(exchange.password<MyClient>(async ({ client, username, password, scope }) => {
  expectTrue<Equal<typeof username, string>>();
  expectTrue<Equal<typeof password, string>>();
  return username === 'alice' && password === 'secret' ? db.token(client, scope) : undefined;
}));
server.exchange(exchange.refreshToken<MyClient>(async ({ client, refreshToken, scope }) => {
  expectTrue<Equal<typeof refreshToken, string>>();
  expectTrue<Equal<typeof scope, string[] | undefined>>();
  return { accessToken: await db.token(client, refreshToken), refreshToken: 'rotated' };
}));
// The 1.x alias exchange.code is the same function.
server.exchange(oauth2orize.exchange.code<MyClient>(async ({ client, code }) => db.token(client, code)));

// serializeClient / deserializeClient: the input itself, not a context object
server.serializeClient(async (client) => {
  expectTrue<Equal<typeof client, MyClient>>();
  return client.id;
});
server.deserializeClient(async (id) => (await db.client(String(id))) ?? false);

// request parsers: arity 1 may return a Promise; arity 2 may be async
server.grant('*', async (req) => {
  expectAssignable<Record<string, unknown>>(req.query);
  return { nonce: req.query.nonce };
});
server.grant('code', async (req, done) => {
  done(null, { prompt: req.query.prompt });
});

// response handlers: (txn, res) is the Promise form
server.grant('code', 'response', async (txn, res) => {
  expectTrue<Equal<typeof txn, OAuth2Transaction<MyClient, MyUser>>>();
  if (txn.client.id === 'suspended') res.end();
});
// error handlers: (err, txn, res) is the Promise form
server.grant('code', 'error', async (err, txn, res) => {
  expectAssignable<MyClient>(txn.client);
  if (err && txn.redirectURI) res.end();
});

// A custom store whose methods return Promises. Written inline it needs
// `legacy: false` to be told apart from the legacy interface (or a typed
// variable, below); see the report.
createServer<MyClient, MyUser>({
  store: {
    legacy: false,
    async load(req) {
      return db.txn((req.query as Record<string, unknown> | undefined)?.transaction_id);
    },
    async store(_req, txn) {
      return `${txn.client.id}-1`;
    },
    async update(_req, tid, _txn) {
      return tid;
    },
    async remove(_req, _tid) {},
  },
});
const promiseStore: RequestTransactionStore = {
  async load(req) {
    return db.txn((req.body as Record<string, unknown> | undefined)?.transaction_id);
  },
  async store(_req, _txn) {
    return 'tid';
  },
  async update(_req, tid) {
    return tid;
  },
  async remove() {},
};
createServer({ store: promiseStore });
