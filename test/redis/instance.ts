/**
 * One instance of a small authorization server, run as its own process by
 * the multi-instance tests (`fork` with `--import tsx`). Configuration comes
 * as JSON in argv[2]:
 *
 * - `txnUrl`, `kind`: the Redis of the transactions, and the client kind;
 * - `sessionUrl`: the Redis of the sessions (connect-redis 9 with node-redis
 *   v5), or null for express-session's MemoryStore;
 * - `timeout`: the store's command timeout, in milliseconds.
 *
 * The races below open hundreds of transactions in one session at once, so
 * the store's per-session bound is raised above them (its default, 20,
 * would evict most of them; test/redis/bounds.test.ts tests the bound).
 *
 * Codes live in the sessions' Redis when there is one, so that any instance
 * can exchange them; every issued code also increments `issued:<tid>`, which
 * the tests read to count grants per transaction across all instances.
 * The process sends `{ port }` when listening and exits when disconnected.
 */
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import oauth2orize, { RedisTransactionStore } from '../../src/index.js';
import { transactionLoader } from '../../src/middleware/transactionLoader.js';
import { connect, type ClientKind } from './clients.js';

interface Config {
  txnUrl: string;
  kind: ClientKind;
  sessionUrl: string | null;
  timeout?: number;
}

export const CLIENT = { id: 'c1', redirectURI: 'https://client.example/cb' };

const config = JSON.parse(process.argv[2]!) as Config;
const txnClient = await connect(config.kind, config.txnUrl);
const shared = config.sessionUrl ? createClient({ url: config.sessionUrl }) : undefined;
if (shared) {
  shared.on('error', () => {});
  await shared.connect();
}
const localCodes = new Map<string, string>();

const server = oauth2orize.createServer({ store: new RedisTransactionStore({ client: txnClient.client, timeout: config.timeout, maxTransactions: 10_000, maxBytes: Infinity }) });
server.serializeClient((client: typeof CLIENT, done) => done(null, client.id));
server.deserializeClient((id: string, done) => done(null, id === CLIENT.id ? CLIENT : false));
server.grant(oauth2orize.grant.code((client: typeof CLIENT, redirectURI: string | undefined, user: { id: string }, ares: any, done: any) => {
  const code = 'C' + Math.random().toString(36).slice(2) + Date.now().toString(36);
  const value = JSON.stringify({ client: client.id, redirectURI, user: user.id });
  if (!shared) {
    localCodes.set(code, value);
    return done(null, code);
  }
  Promise.all([shared.set('code:' + code, value, { EX: 60 }), shared.incr('issued:' + ares.tid)]).then(() => done(null, code), done);
}));
server.exchange(oauth2orize.exchange.authorizationCode((client: typeof CLIENT, code: string, redirectURI: string | undefined, done: any) => {
  const taken = shared ? shared.getDel('code:' + code) : Promise.resolve(localCodes.get(code) ?? null);
  localCodes.delete(code);
  taken.then((raw) => {
    if (!raw) return done(null, false);
    const entry = JSON.parse(raw);
    if (entry.client !== client.id || entry.redirectURI !== redirectURI) return done(null, false);
    done(null, 'AT-' + code);
  }, done);
}));

const app = express();
app.use(session({
  secret: 'instances',
  resave: false,
  saveUninitialized: false,
  store: shared ? new RedisStore({ client: shared, prefix: 'sess:' }) : undefined,
}));
app.use(express.urlencoded({ extended: false }));
app.use((req: any, _res, next) => {
  if (req.session && req.session.user) req.user = { id: req.session.user };
  next();
});
app.post('/login', (req: any, res) => {
  req.session.user = String(req.body.user);
  res.sendStatus(204);
});
app.get('/authorize',
  server.authorize((clientID: string, redirectURI: string | undefined, done: any) => {
    if (clientID !== CLIENT.id) return done(null, false);
    done(null, CLIENT, CLIENT.redirectURI);
  }),
  (req: any, res) => { res.json({ transactionID: req.oauth2.transactionID }); });
app.get('/check', transactionLoader(server), (req: any, res) => {
  res.json({ transactionID: req.oauth2.transactionID, client: req.oauth2.client.id });
});
app.post('/decision', server.decision((req: any, done: any) => done(null, { tid: req.oauth2.transactionID })));
app.post('/token', (req: any, _res: express.Response, next: express.NextFunction) => { req.user = CLIENT; next(); }, server.token(), server.errorHandler());
app.use((err: any, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(err.status || 500).json({ name: err.name, message: err.message });
});

const listener = app.listen(0, '127.0.0.1', () => {
  const address = listener.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('disconnect', () => {
  listener.close();
  void txnClient.close();
  if (shared && shared.isOpen) shared.destroy();
  setTimeout(() => process.exit(0), 50).unref();
});
