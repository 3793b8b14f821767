/**
 * The Express 5 application: login pages, the authorization endpoint and its
 * consent page, the token endpoint, a protected API route, server metadata,
 * and two stand-in client callback pages.
 *
 * @module app
 */
import express from 'express';
import session from 'express-session';
import oauth2orize from 'oauth2orize';
import { createPassport } from './auth.js';
import { CONFIDENTIAL_CLIENT, DEMO_PKCE, DEMO_USER, PUBLIC_CLIENT, SCOPES, demoLinks, demoRedirectURIs } from './demo.js';
import { createOAuth2Server, immediateApproval, parseDecision, rememberApproval, validateAuthorizationRequest } from './oauth2.js';
import { requestedScope } from './tokens.js';
import {
  callbackPage,
  consentPage,
  errorPage,
  homePage,
  implicitCallbackPage,
  loginPage,
  sendPage,
} from './views.js';

const { TokenError } = oauth2orize;

/** Used when neither `sessionSecret` nor `SESSION_SECRET` is set. Development only. */
const DEV_SESSION_SECRET = 'oauth2orize-example-dev-secret';

/** @type {[string, string, string][]} method, path, what it does */
export const ROUTES = [
  ['GET', '/', 'This page'],
  ['GET', '/login', 'Sign-in form (POST /login signs in, POST /logout signs out)'],
  ['GET', '/authorize', 'Authorization endpoint: response_type=code (with PKCE) or token'],
  ['POST', '/authorize/decision', 'Consent form target (Allow, or Deny with the cancel field)'],
  ['POST', '/token', 'Token endpoint: authorization_code, password, client_credentials, refresh_token'],
  ['GET', '/api/userinfo', 'Protected API: needs a Bearer token with the profile scope'],
  ['GET', '/.well-known/oauth-authorization-server', 'Server metadata (RFC 8414)'],
  ['GET', '/callback', 'Stand-in client: shows the code or error it received'],
  ['GET', '/callback/implicit', 'Stand-in client: shows the token from the URL fragment'],
];

/**
 * A post-login destination: only a path on this server, never `//host` or
 * an absolute URL, so the login form cannot be used as an open redirector.
 * @param {unknown} value
 */
function safeReturnTo(value) {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

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
 * @param {import('./db.js').Store} options.db from `openDatabase()`
 * @param {string} [options.issuer] this server's origin, e.g.
 *   `http://localhost:3000`; when absent it is taken from each request's
 *   Host header (fine for a demo, not for production)
 * @param {string} [options.sessionSecret] defaults to `SESSION_SECRET`, then
 *   a fixed development secret
 * @param {import('express-session').Store} [options.sessionStore] sessions
 *   elsewhere than in memory (Redis, see redis.js)
 * @param {import('oauth2orize').TransactionStore} [options.txnStore]
 *   transactions elsewhere than in the session (Redis, see redis.js)
 * @returns {import('express').Express}
 */
export function createApp({ db, issuer, sessionSecret, sessionStore, txnStore }) {
  const app = express();
  const server = createOAuth2Server(db, txnStore);
  const passport = createPassport(db);

  app.disable('x-powered-by');
  app.use(passport.initialize());

  /** @param {import('express').Request} req */
  const originOf = (req) => issuer ?? `${req.protocol}://${req.get('host')}`;

  // Sessions (in memory) carry the signed-in user and, between the
  // authorization request and the consent form, the oauth2orize transaction.
  // Only the browser-facing routes use them; /token and /api are stateless.
  const browser = [
    session({
      name: 'example.sid',
      secret: sessionSecret ?? process.env.SESSION_SECRET ?? DEV_SESSION_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
      store: sessionStore,
    }),
    passport.session(),
  ];
  const form = express.urlencoded({ extended: false });

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

  app.get('/login', ...browser, (req, res) => {
    sendPage(res, loginPage({ returnTo: safeReturnTo(req.query.return_to) }));
  });

  app.post('/login', ...browser, form, (req, res, next) => {
    const returnTo = safeReturnTo(req.body.return_to);
    passport.authenticate('local', (/** @type {any} */ err, /** @type {any} */ user, /** @type {any} */ info) => {
      if (err) return next(err);
      if (!user) {
        const username = typeof req.body.username === 'string' ? req.body.username : '';
        return sendPage(res, loginPage({ returnTo, username, error: info?.message ?? 'Wrong username or password' }));
      }
      // Passport regenerates the session here, against session fixation.
      req.logIn(user, (err) => (err ? next(err) : res.redirect(303, returnTo)));
    })(req, res, next);
  });

  app.post('/logout', ...browser, (req, res, next) => {
    req.logout((err) => (err ? next(err) : res.redirect(303, '/')));
  });

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
    server.authorize(validateAuthorizationRequest(db), immediateApproval(db)),
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
    server.decision(parseDecision, rememberApproval(db)),
    ...authorizationErrors,
  );

  // --- Token endpoint -------------------------------------------------------

  // The client authenticates with HTTP Basic, with its credentials in the
  // body, or (public clients) with its client_id alone. Passport's failure
  // is turned into the OAuth error `invalid_client` (401), then the
  // oauth2orize error handler writes every error as OAuth JSON.
  app.post(
    '/token',
    form,
    passport.authenticate(['basic', 'oauth2-client-password', 'public-client'], {
      session: false,
      failWithError: true,
    }),
    server.token(),
    /** @type {import('express').ErrorRequestHandler} */
    (err, req, res, next) => {
      if (err?.name === 'AuthenticationError') {
        return next(new TokenError('Client authentication failed', 'invalid_client'));
      }
      next(err);
    },
    // rfcStatus: the statuses RFC 6749 §5.2 asks for (400 for invalid_grant
    // and unauthorized_client; 1.x sent 403). exposeErrors: false keeps the
    // message of an unexpected exception (one without an OAuth code) out of
    // the response.
    server.errorHandler({ rfcStatus: true, exposeErrors: false }),
  );

  // --- Protected API -------------------------------------------------------

  app.get('/api/userinfo', passport.authenticate('bearer', { session: false }), (req, res) => {
    const { scope, userId } = /** @type {any} */ (req.authInfo);
    /** @param {string} description */
    const insufficient = (description) =>
      res
        .status(403)
        .set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="profile", error_description="${description}"`)
        .json({ error: 'insufficient_scope', error_description: description });

    // RFC 6750 §3.1: a valid token that does not allow this call.
    if (userId === null) return insufficient('This token belongs to a client acting for itself, not to a user');
    if (!scope.includes('profile')) return insufficient('This call needs the profile scope');

    const user = /** @type {import('./db.js').User} */ (req.user);
    res.set('Cache-Control', 'no-store').json({
      id: user.id,
      username: user.username,
      name: user.name,
      ...(scope.includes('email') ? { email: user.email } : {}),
      scope: scope.join(' '),
    });
  });

  // --- Metadata -----------------------------------------------------------

  app.get('/.well-known/oauth-authorization-server', (req, res) => {
    const origin = originOf(req);
    res.json({
      issuer: origin,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      scopes_supported: Object.keys(SCOPES),
      response_types_supported: ['code', 'token'],
      grant_types_supported: ['authorization_code', 'implicit', 'password', 'client_credentials', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      code_challenge_methods_supported: ['S256'],
    });
  });

  // --- Stand-in client pages ---------------------------------------------

  app.get('/callback', (req, res) => {
    const origin = originOf(req);
    const { code } = req.query;
    // Only offer a copy-paste command for a code that is plainly a code.
    const exchange =
      typeof code === 'string' && /^[A-Za-z0-9_-]+$/.test(code)
        ? [
            `curl -s -u ${CONFIDENTIAL_CLIENT.id}:${CONFIDENTIAL_CLIENT.secret} ${origin}/token \\`,
            `  -d grant_type=authorization_code -d code=${code} \\`,
            `  --data-urlencode redirect_uri=${origin}/callback \\`,
            `  -d code_verifier=${DEMO_PKCE.verifier}`,
            '',
            `# For the public client, replace "-u ${CONFIDENTIAL_CLIENT.id}:..." with "-d client_id=${PUBLIC_CLIENT.id}".`,
          ].join('\n')
        : undefined;
    sendPage(res, callbackPage({ params: /** @type {Record<string, unknown>} */ (req.query), exchange }));
  });

  app.get('/callback/implicit', (req, res) => {
    sendPage(res, implicitCallbackPage());
  });

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
  sendPage(res, consentPage({ user: /** @type {any} */ (req.user), client, scopes, transactionID, redirectURI }));
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
