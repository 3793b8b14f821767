/**
 * Typing of `authenticateClient` (standalone and on the server): unannotated callbacks
 * in the context and positional forms get the app's client type. Compile-only.
 */
import oauth2orize, { createServer, type ClientAuthInfo, type ClientAuthMethod, type ClientThrottle } from '../../src/index.js';
import { expectTrue, type Equal } from './assert.js';

interface MyClient { id: string; secretHash: string; method?: ClientAuthMethod }
const server = createServer<MyClient>();
const db = new Map<string, MyClient>();

server.authenticateClient(async ({ clientId, body }) => {
  expectTrue<Equal<typeof clientId, string>>();
  void body;
  return db.get(clientId) ?? null;
});
server.authenticateClient((clientId, done) => done(null, db.get(clientId) ?? false));

server.authenticateClient({
  methods: ['client_secret_basic', 'private_key_jwt', 'none', 'tls_client_auth'],
  endpoints: ['token', 'revocation'],
  verifySecret: async ({ client, secret, method }) => {
    expectTrue<Equal<typeof client, MyClient>>();
    expectTrue<Equal<typeof method, ClientAuthMethod>>();
    return client.secretHash === secret;
  },
  methodOf: (client) => client.method,
  assertion: { algorithms: ['ES256'], verify: async ({ clientId }) => db.get(clientId) ?? null },
  verifyCertificate: async ({ client, certificate, req }) => client.id === String(certificate) && !!req.headers,
  certificateOf: (req) => req.headers['x-client-cert'],
  legacyBasic: false,
}, async ({ clientId }) => db.get(clientId));

server.authenticateClient({ verifySecret: (client, secret, done) => done(null, client.secretHash === secret) }, (id, done) => done(null, db.get(id)));

const throttle: ClientThrottle = {
  check: async () => ({ blocked: false, retryAfter: 0 }),
  failed: async () => {},
  succeeded: async () => {},
};
oauth2orize.authenticateClient({ throttle }, async ({ clientId }) => ({ id: clientId }));
oauth2orize.authenticateClient({ throttle: false }, async () => null);

const info: ClientAuthInfo = { method: 'client_secret_post' };
void info;

// @ts-expect-error an unknown method
server.authenticateClient({ methods: ['client_secret_magic'] }, async () => null);
// @ts-expect-error an endpoint without an auth methods field
server.authenticateClient({ endpoints: ['userinfo'] }, async () => null);
// @ts-expect-error lookup is required
server.authenticateClient({});
