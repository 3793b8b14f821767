/**
 * The Express 5 application: sessions, the start page, the authorization
 * endpoint and its consent page, and the other parts mounted from their own
 * modules (web/login.js, oauth/endpoints.js, oauth/device.js, oauth/par.js,
 * web/resources.js, mcp/index.js).
 *
 * @module app
 */
import express from 'express';
import session from 'express-session';
import { createPassport } from './oauth/auth.js';
import { deviceCallbacks, mountDeviceRoutes, registerDeviceFlow } from './oauth/device.js';
import { mountClientEndpoints } from './oauth/endpoints.js';
import { mountLogin } from './web/login.js';
import { mountResources } from './web/resources.js';
import { mountMcp } from './mcp/index.js';
import { createState } from './infra/state.js';
import { createClientDirectory, mountRegistration } from './mcp/clients.js';
import { configureCsrf, csrfProblem, csrfToken } from './web/csrf.js';
import { StoreLimiter } from './infra/ratelimit.js';
import { createThrottle, pushedRequestCallbacks } from 'oauth2orize';
import { BoundedMemoryStore } from './infra/sessions.js';
import { CONFIDENTIAL_CLIENT, DEMO_PKCE, DEMO_USER, PUBLIC_CLIENT, SCOPES, demoLinks, demoRedirectURIs } from './storage/demo.js';
import { createOAuth2Server, immediateApproval, parseDecision, rememberApproval, validateAuthorizationRequest } from './oauth/oauth2.js';
import { requestedScope } from './oauth/tokens.js';
import { consentPage, errorPage, homePage, sendPage } from './web/views.js';


/** Used when neither `sessionSecret` nor `SESSION_SECRET` is set. Development only. */
export const DEV_SESSION_SECRET = 'oauth2orize-example-dev-secret';

/** The grants RFC 9700 says not to use (§2.1.2 implicit, §2.4 password): off unless asked for. */
export const LEGACY_GRANTS = Object.freeze(['implicit', 'password']);

/** @type {[string, string, string][]} method, path, what it does */
export const ROUTES = [
  ['GET', '/', 'This page'],
  ['GET', '/login', 'Sign-in form (POST /login signs in, POST /logout signs out)'],
  ['GET', '/authorize', 'Authorization endpoint: response_type=code with PKCE (and token when the implicit grant is on)'],
  ['POST', '/authorize/decision', 'Consent form target (Allow, or Deny with the cancel field)'],
  ['POST', '/token', 'Token endpoint: authorization_code, refresh_token, client_credentials (and password when on)'],
  ['POST', '/revoke', 'Token revocation (RFC 7009)'],
  ['POST', '/introspect', 'Token introspection (RFC 7662), for confidential clients and the demo resource server'],
  ['POST', '/register', 'Dynamic client registration (RFC 7591): public clients with loopback redirect URIs'],
  ['POST', '/par', 'Pushed authorization requests (RFC 9126): a client pushes its request, authenticated'],
  ['POST', '/device_authorization', 'Device authorization (RFC 8628): a device asks for codes'],
  ['GET', '/device', 'Where a signed-in user enters the code a device shows, then approves'],
  ['GET', '/api/userinfo', 'Protected API: needs a Bearer token with the profile scope'],
  ['GET', '/.well-known/oauth-authorization-server', 'Server metadata (RFC 8414)'],
  ['POST', '/mcp', 'Demo MCP server (Streamable HTTP, stateless): needs a Bearer token for /mcp (resource) with the profile scope'],
  ['GET', '/.well-known/oauth-protected-resource/mcp', 'Protected-resource metadata of /mcp (RFC 9728)'],
  ['GET', '/callback', 'Stand-in client: shows the code or error it received'],
  ['GET', '/callback/implicit', 'Stand-in client: shows the token from the URL fragment'],
];

/**
 * Status for an error page: the error's own when it is an HTTP error status.
 * @param {any} err
 */
function statusOf(err) {
  return Number.isInteger(err?.status) && err.status >= 400 && err.status < 600 ? err.status : 500;
}

/**
 * Create the example application.
 *
 * @param {object} options
 * @param {import('./storage/db.js').Store} options.db from `openDatabase()`
 * @param {string} options.issuer this server's origin, e.g.
 *   `http://localhost:3000`: the `iss` of its authorization responses
 *   (RFC 9207) and the origin its forms must come from
 * @param {string} [options.sessionSecret] defaults to `SESSION_SECRET`, then
 *   a fixed development secret
 * @param {string[]} [options.legacyGrants] which of {@link LEGACY_GRANTS} to
 *   turn on (for demonstration only); none by default
 * @param {import('./infra/ratelimit.js').RateLimits} [options.rateLimits] failures
 *   allowed before `/login` and `/token` answer 429
 * @param {boolean | number | string} [options.trustProxy] Express's
 *   `trust proxy` setting, for a server behind a reverse proxy: it makes
 *   `req.ip` and `req.secure` (hence Secure cookies) follow X-Forwarded-*
 * @param {import('express-session').Store} [options.sessionStore] default: a
 *   {@link BoundedMemoryStore} of at most 10,000 sessions (Redis: see infra/redis.js)
 * @param {import('oauth2orize').TransactionStore} [options.txnStore]
 *   transactions elsewhere than in the session (Redis, see infra/redis.js)
 * @param {boolean} [options.fapi2] the FAPI 2.0 mode (oauth/fapi2.js; `FAPI2=1`)
 * @param {number} [options.sessionMaxAge] session cookie lifetime in ms
 *   (default one hour)
 * @param {import('./infra/state.js').OneTimeState} [options.state] codes,
 *   refresh-token families, device codes, pushed requests, throttle counters
 *   and replay caches (infra/state.js); default: the in-memory ones
 * @param {import('./mcp/clients.js').ClientIdMetadataSettings} [options.clientIdMetadata]
 *   the development allowances of client ID metadata documents (documents
 *   on loopback, a test CA): for tests only
 * @returns {import('express').Express}
 */
export function createApp({
  db,
  issuer = '',
  sessionSecret,
  legacyGrants = [],
  fapi2 = false,
  rateLimits = {},
  trustProxy = false,
  sessionStore = new BoundedMemoryStore(),
  sessionMaxAge = 60 * 60 * 1000,
  txnStore,
  state = createState(),
  clientIdMetadata = {},
}) {
  const unknownGrant = legacyGrants.find((g) => !LEGACY_GRANTS.includes(g));
  if (unknownGrant !== undefined) throw new Error(`Unknown legacy grant: ${unknownGrant} (known: ${LEGACY_GRANTS.join(', ')})`);
  const implicit = legacyGrants.includes('implicit');
  const passwordGrant = legacyGrants.includes('password');

  const app = express();
  if (!issuer) throw new Error('createApp needs the issuer: this server\'s origin, sent as iss (RFC 9207)');
  if (fapi2 && legacyGrants.length) throw new Error('The FAPI 2.0 mode refuses the implicit and password grants');
  // Registered clients, and clients known by their metadata document (mcp/clients.js).
  // The server's client deserializer calls it once it is made, below.
  const server = createOAuth2Server(db, { issuer, implicit, password: passwordGrant, store: txnStore, state, fapi2 }, { findClient: (id) => findClient(id) });
  const findClient = createClientDirectory(server, db, clientIdMetadata);
  const device = deviceCallbacks(db, state);
  const pushed = pushedRequestCallbacks(state.pushed);
  registerDeviceFlow(server, device);
  const passport = createPassport(db);

  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  app.use(passport.initialize());

  /** This server's origin (the issuer); a function, as it once came from the request. */
  const originOf = (/** @type {import('express').Request} */ _req) => issuer;

  const window = rateLimits.windowSeconds;
  // Failed sign-ins, counted in the state's attempt store (shared with REDIS_URL).
  const loginPerIP = new StoreLimiter({ store: state.attempts, name: 'login-ip', limit: rateLimits.loginPerIP ?? 20, windowSeconds: window });
  const loginPerAccount = new StoreLimiter({ store: state.attempts, name: 'login-user', limit: rateLimits.loginPerAccount ?? 5, windowSeconds: window });
  // Failed client authentications at /token, /revoke, /introspect, /par and
  // /device_authorization: oauth2orize's throttle, per client and address and
  // per address (never per client alone, so nobody can lock a client out from
  // everywhere), counting nothing but invalid_client.
  const clientThrottle = createThrottle({
    store: state.attempts,
    maxFailures: rateLimits.tokenPerClient ?? 10,
    maxAddressFailures: rateLimits.tokenPerIP ?? 30,
    ...(window === undefined ? {} : { window }),
  });

  // Sessions (in memory) carry the signed-in user and, between the
  // authorization request and the consent form, the oauth2orize transaction.
  // Only the browser-facing routes use them; /token and /api are stateless.
  const secret = sessionSecret ?? process.env.SESSION_SECRET ?? DEV_SESSION_SECRET;
  // The login form's CSRF token is signed with the same secret (web/csrf.js),
  // so that showing it stores nothing.
  configureCsrf(app, secret);
  const browser = [
    session({
      name: 'example.sid',
      secret,
      store: sessionStore,
      resave: false,
      saveUninitialized: false,
      // secure: 'auto' marks the cookie Secure whenever the request came over
      // HTTPS (req.secure, which follows X-Forwarded-Proto with trust proxy).
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: sessionMaxAge },
    }),
    passport.session(),
  ];
  const form = express.urlencoded({ extended: false });

  /**
   * CSRF protection of a browser form post (see web/csrf.js).
   * @type {import('express').RequestHandler}
   */
  function checkCsrf(req, res, next) {
    const problem = csrfProblem(req, originOf(req));
    if (!problem) return next();
    sendPage(res, errorPage({ status: 403, message: `Refused: ${problem}. Reload the page and try again.` }));
  }

  /** @type {import('express').RequestHandler} */
  function requireLogin(req, res, next) {
    if (req.user) return next();
    res.redirect(`/login?return_to=${encodeURIComponent(req.originalUrl)}`);
  }

  // --- The start page -----------------------------------------------------

  app.get('/', ...browser, (req, res) => {
    const origin = originOf(req);
    const client = db.clients.findById(CONFIDENTIAL_CLIENT.id);
    sendPage(
      res,
      homePage({
        origin,
        user: /** @type {any} */ (req.user),
        csrfToken: req.user ? csrfToken(req) : '',
        implicit,
        links: demoLinks(origin, client?.redirectURIs ?? demoRedirectURIs(origin)),
        demoUser: DEMO_USER,
        confidential: CONFIDENTIAL_CLIENT,
        public: PUBLIC_CLIENT,
        verifier: DEMO_PKCE.verifier,
        routes: ROUTES,
      }),
    );
  });

  // --- Signing in -----------------------------------------------------------

  mountLogin(app, { passport, browser, checkCsrf, perIP: loginPerIP, perAccount: loginPerAccount });

  // --- Authorization endpoint --------------------------------------------------

  // Errors on the authorization routes: the first handler reloads the
  // transaction if there is one, the second redirects the error to the
  // client when its redirect URI is known and trusted. What is left
  // (unknown client, unregistered redirect URI, expired transaction) must
  // not be redirected and gets an error page.
  const authorizationErrors = [...server.authorizationErrorHandler(), renderAuthorizationError];

  // `authorize` parses the request, calls `validate`, then `immediate`.
  // If the user already approved these scopes it answers at once; otherwise
  // it stores a transaction and the next handler shows the consent page.
  app.get(
    '/authorize',
    ...browser,
    requireLogin,
    // loadPushedRequest: a request_uri from /par stands for the pushed parameters.
    server.authorize({ loadPushedRequest: pushed.loadPushedRequest }, validateAuthorizationRequest(db, findClient), immediateApproval(db)),
    renderConsent,
    ...authorizationErrors,
  );

  // `decision` loads the transaction named by the form's `transaction_id`,
  // reads Allow or Deny (the `cancel` field), and lets the grant redirect
  // with a code, a token, or error=access_denied.
  app.post(
    '/authorize/decision',
    ...browser,
    form,
    /** @type {import('express').RequestHandler} */
    (req, res, next) => {
      if (req.user) return next();
      sendPage(res, errorPage({ status: 401, message: 'You are no longer signed in. Start again from the client.' }));
    },
    checkCsrf,
    server.decision(parseDecision, rememberApproval(db)),
    ...authorizationErrors,
  );

  // --- Token, revocation, introspection, metadata -------------------------------

  const { clientAuth, clientErrors } = mountClientEndpoints(app, {
    server,
    db,
    issuer,
    throttle: clientThrottle,
    families: state.families,
    replay: state.replay,
    fapi2,
    findClient,
  });

  // RFC 9126: the client pushes its authorization request, authenticated, and
  // gets a request_uri for /authorize. The same validate as /authorize's checks it.
  app.post(
    '/par',
    ...clientAuth,
    server.pushedAuthorization({ expiresIn: 60, endpoint: `${issuer}/par` }, validateAuthorizationRequest(db, findClient), pushed.store),
    ...clientErrors,
  );

  // --- Device authorization grant (RFC 8628) -------------------------------------

  mountDeviceRoutes(app, { server, device, attempts: state.attempts, issuer, clientAuth, clientErrors, browser, checkCsrf, csrfToken });

  // --- Protected API and the stand-in client's pages ---------------------------

  mountResources(app, { passport, db, issuer, codes: state.codes });

  // --- The demo MCP server (mcp/) ----------------------------------------------

  mountMcp(app, { db, issuer });
  // Dynamic registration (RFC 7591) for public clients with loopback redirect URIs.
  mountRegistration(app, { server, db, issuer, perHour: rateLimits.registrationsPerIP });

  // --- Fallbacks ------------------------------------------------------------

  app.use((req, res) => {
    sendPage(res, errorPage({ status: 404, message: `Not found: ${req.method} ${req.path}` }));
  });

  app.use(renderError);

  return app;
}

/**
 * The consent page, from the transaction `authorize` left in `req.oauth2`.
 *
 * @param {import('express').Request} req
 * @param {import('express').Response} res
 */
function renderConsent(req, res) {
  const { client, req: areq, transactionID, redirectURI } = /** @type {any} */ (req).oauth2;
  const scopes = requestedScope(areq.scope).map((name) => ({ name, description: SCOPES[name] }));
  sendPage(
    res,
    consentPage({
      user: /** @type {any} */ (req.user),
      client,
      scopes,
      transactionID,
      redirectURI,
      csrfToken: csrfToken(req),
      resources: areq.resource ?? [],
    }),
  );
}

/**
 * The last stop for errors on the authorization routes: those that cannot
 * be sent back to the client. OAuth errors show their message and code.
 *
 * @param {any} err
 * @param {import('express').Request} req
 * @param {import('express').Response} res
 * @param {import('express').NextFunction} _next
 */
function renderAuthorizationError(err, req, res, _next) {
  const status = statusOf(err);
  if (status >= 500) console.error(err);
  const message = status >= 500 && !err.code ? 'Internal server error' : err.message;
  sendPage(res, errorPage({ status, message, code: err.code }));
}

/**
 * Any other error: a plain page, without internals for a 5xx.
 *
 * @param {any} err
 * @param {import('express').Request} req
 * @param {import('express').Response} res
 * @param {import('express').NextFunction} _next
 */
function renderError(err, req, res, _next) {
  const status = statusOf(err);
  if (status >= 500) console.error(err);
  sendPage(res, errorPage({ status, message: status >= 500 ? 'Internal server error' : err.message }));
}
