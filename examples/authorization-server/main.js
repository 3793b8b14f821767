/**
 * Start the example authorization server.
 *
 *     node examples/authorization-server/main.js
 *
 * Environment:
 * - `PORT` (default 3000; 0 picks a free port)
 * - `DB_PATH` (default `examples/authorization-server/data/example.sqlite`)
 * - `SESSION_SECRET` (default: a fixed development secret, with a warning)
 * - `FAPI2=1`: the FAPI 2.0 mode (oauth/fapi2.js): PAR, private_key_jwt
 *   (the `demo-fapi` client) and DPoP required; secrets and public clients refused.
 * - `LEGACY_GRANTS`: `implicit`, `password` or both (comma-separated) to turn
 *   on grants RFC 9700 advises against, for demonstration; none by default
 * - `TRUST_PROXY`: Express's `trust proxy` (e.g. `1` or `loopback`) when a
 *   reverse proxy terminates HTTPS; cookies are then marked Secure
 * - `ISSUER`: the public origin when it is not `http://localhost:PORT`
 *   (behind a proxy)
 * - `REDIS_URL` (default: none): keep sessions, transactions, codes, refresh
 *   tokens, device codes, pushed requests, throttle counters and replay
 *   caches in Redis, so that several instances can serve one user (see
 *   infra/redis.js and infra/state.js)
 * - `REFRESH_GRACE_SECONDS` (default 10): how long after a rotation the
 *   previous refresh token is answered again rather than revoking its family
 * - `OTEL_TRACES_EXPORTER=console` or `OTEL_EXPORTER_OTLP_ENDPOINT`: record
 *   OpenTelemetry spans and metrics (see infra/telemetry.js)
 * - `CIMD_DEV_LOOPBACK=1`, `CIMD_DEV_CA=<PEM file>`: FOR TESTS ONLY, fetch
 *   client ID metadata documents from loopback addresses, and trust this CA
 *   for them (a local https server with a test certificate; see mcp/clients.js)
 *
 * It listens on `localhost` only, then prints the demo credentials and a
 * ready authorization URL.
 *
 * @module main
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEV_SESSION_SECRET, createApp } from './app.js';
import { openDatabase } from './storage/db.js';
import { connectRedis } from './infra/redis.js';
import { createState, parseGraceSeconds } from './infra/state.js';
import { startTelemetry } from './infra/telemetry.js';
import { CONFIDENTIAL_CLIENT, DEMO_PKCE, DEMO_USER, PUBLIC_CLIENT, demoLinks, demoRedirectURIs } from './storage/demo.js';

const HOST = 'localhost';
const port = Number(process.env.PORT || 3000);
const dbPath = process.env.DB_PATH || fileURLToPath(new URL('./data/example.sqlite', import.meta.url));

// Before anything handles a request, so that every request is recorded.
const stopTelemetry = await startTelemetry();
const server = createServer();

// Listen first: with PORT=0 the origin, which the demo clients' redirect
// URIs are registered under, is only known once the port is bound.
try {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve(undefined));
  });
} catch (err) {
  const code = /** @type {NodeJS.ErrnoException} */ (err).code;
  console.error(
    code === 'EADDRINUSE' ? `Port ${port} is already in use. Try PORT=3001 (or PORT=0 for any free port).` : err,
  );
  process.exit(1);
}

const address = /** @type {import('node:net').AddressInfo} */ (server.address());
const origin = process.env.ISSUER || `http://${HOST}:${address.port}`;
const legacyGrants = (process.env.LEGACY_GRANTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const trustProxy = parseTrustProxy(process.env.TRUST_PROXY);
const db = openDatabase(dbPath, { origin });
const redis = process.env.REDIS_URL ? await connectRedis(process.env.REDIS_URL) : undefined;
/** @type {import('express').Express} */
let app;
try {
  app = createApp({
    db,
    issuer: origin,
    legacyGrants,
    trustProxy,
    fapi2: process.env.FAPI2 === '1',
    sessionSecret: process.env.SESSION_SECRET || undefined,
    ...(redis ? { sessionStore: redis.sessionStore, txnStore: redis.txnStore } : {}),
    state: createState({ client: redis?.client, graceSeconds: parseGraceSeconds(process.env.REFRESH_GRACE_SECONDS) }),
    clientIdMetadata: {
      allowLoopback: process.env.CIMD_DEV_LOOPBACK === '1',
      ...(process.env.CIMD_DEV_CA ? { ca: readFileSync(process.env.CIMD_DEV_CA) } : {}),
    },
  });
} catch (err) {
  console.error(String(/** @type {Error} */ (err).message));
  process.exit(1);
}
server.on('request', app);

/**
 * `TRUST_PROXY` as Express understands it: a hop count, true/false, or
 * addresses and subnet names.
 * @param {string | undefined} value
 * @returns {boolean | number | string}
 */
function parseTrustProxy(value) {
  if (!value) return false;
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

const registered = db.clients.findById(CONFIDENTIAL_CLIENT.id)?.redirectURIs ?? demoRedirectURIs(origin);
const links = demoLinks(origin, registered);

console.log(`oauth2orize example authorization server: ${origin}/
Database: ${dbPath}

Demo user:            ${DEMO_USER.username} / ${DEMO_USER.password}
Confidential client:  ${CONFIDENTIAL_CLIENT.id} / ${CONFIDENTIAL_CLIENT.secret}
Public client:        ${PUBLIC_CLIENT.id} (no secret)
PKCE (S256) is required for every client. Legacy grants on: ${legacyGrants.length ? legacyGrants.join(', ') : 'none'}
Demo MCP server:      ${origin}/mcp (MCP clients find their way to a token from its 401)

Open this authorization URL (code flow, PKCE S256):
  ${links.codeURL}
PKCE code_verifier for it:
  ${DEMO_PKCE.verifier}
Then exchange the code shown on the callback page:
  curl -s -u ${CONFIDENTIAL_CLIENT.id}:${CONFIDENTIAL_CLIENT.secret} ${origin}/token \\
    -d grant_type=authorization_code -d code=PASTE_THE_CODE \\
    --data-urlencode redirect_uri=${links.codeCallback} -d code_verifier=${DEMO_PKCE.verifier}
`);

if (!process.env.SESSION_SECRET) {
  console.warn(`Warning: SESSION_SECRET is not set, so session cookies are signed with the public
development secret ${JSON.stringify(DEV_SESSION_SECRET)}. Anyone can forge them. Set SESSION_SECRET
to a long random value before exposing this server.
`);
}

if (process.env.CIMD_DEV_LOOPBACK === '1') {
  console.warn(`Warning: CIMD_DEV_LOOPBACK is on: client ID metadata documents are fetched from loopback
addresses too. For tests only: never on a server others can reach.
`);
}

if (!registered.every((uri) => uri.startsWith(`${origin}/`))) {
  console.warn(`Warning: this database was created for another port; its clients' redirect URIs are
  ${registered.join('\n  ')}
Start with that port again, or delete ${dbPath} to re-seed for ${origin}.
`);
}

/** Stop cleanly on Ctrl+C or a termination signal. */
function shutdown() {
  server.close(() => {
    db.close();
    void redis?.close();
    // Flush the last spans and metrics before leaving.
    void Promise.resolve(stopTelemetry?.()).finally(() => process.exit(0));
  });
  // Keep-alive connections would hold close() open; don't wait for them.
  server.closeAllConnections();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
