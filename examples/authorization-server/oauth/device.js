/**
 * The device authorization grant (RFC 8628), for devices without a browser
 * or keyboard: the device asks `/device_authorization` for codes, shows the
 * user code, and polls `/token` while the user approves at `/device`.
 * oauth2orize makes the codes, checks the parameters, applies the polling
 * rules (`authorization_pending`, `slow_down`, `expired_token`) and answers
 * in the RFC's format; this module stores the records and owns the pages.
 *
 * Records are kept in the state's `DeviceCodeStore` (infra/state.js): in
 * memory for one process, or in Redis, shared by every instance.
 *
 * @module device
 */
import express from 'express';
import oauth2orize, { deviceCodeCallbacks } from 'oauth2orize';
import { SCOPES } from '../storage/demo.js';
import { deviceConsentPage, deviceDonePage, deviceEntryPage } from '../web/device-views.js';
import { assertGrantAllowed } from './exchanges.js';
import { newGrantId, requestedScope, unknownScope } from './tokens.js';
import { issueGrantTokens } from './onetime.js';
import { sendPage } from '../web/views.js';

const { DEVICE_CODE_GRANT_TYPE, TokenError } = oauth2orize;

/**
 * The four callbacks of the device flow on the state's `DeviceCodeStore`
 * (oauth2orize's `deviceCodeCallbacks`): approve, deny, poll and redeem
 * are each one atomic step of the store, so with `REDIS_URL` a code shown
 * by one instance is approved at another and redeemed once by a poll at any.
 *
 * @param {import('../storage/db.js').Store} db
 * @param {import('../infra/state.js').OneTimeState} state
 */
export function deviceCallbacks(db, state) {
  return deviceCodeCallbacks(state.devices, {
    findClient: (clientID) => db.clients.findById(clientID) ?? null,
    /** @param {{ client: import('../storage/db.js').Client, grant: import('oauth2orize').DeviceGrant }} ctx */
    issueTokens: async ({ client, grant }) => {
      if (typeof grant?.userID !== 'number') return false;
      const { familyId: _f, ...tokens } = await issueGrantTokens(db, state, {
        clientId: client.id,
        userId: grant.userID,
        scope: grant.scope ?? [],
        grantId: newGrantId(),
        withRefreshToken: client.grantTypes.includes('refresh_token'),
      });
      return tokens;
    },
  });
}

/**
 * Register the device grant (the user's decision) and the device code
 * exchange (polling) on `server`.
 *
 * @param {any} server
 * @param {ReturnType<typeof deviceCallbacks>} device
 */
export function registerDeviceFlow(server, device) {
  server.grant(
    oauth2orize.grant.deviceCode(
      {
        modes: {
          /** @type {import('oauth2orize').ResponseMode} */
          page: (txn, res, params) => sendPage(/** @type {any} */ (res), deviceDonePage({ allowed: !params.error })),
        },
      },
      device.decide,
    ),
  );
  server.exchange(oauth2orize.exchange.deviceCode(device.exchange));
}

/**
 * Mount the device flow's endpoints on `app`.
 *
 * @param {import('express').Express} app
 * @param {object} deps
 * @param {any} deps.server
 * @param {ReturnType<typeof deviceCallbacks>} deps.device
 * @param {import('oauth2orize').AttemptStore} deps.attempts counters of the code-guessing limit
 * @param {string} deps.issuer
 * @param {import('express').RequestHandler[]} deps.clientAuth the /token front (form, limits, client authentication)
 * @param {import('express').ErrorRequestHandler[]} deps.clientErrors the OAuth error handler
 * @param {import('express').RequestHandler[]} deps.browser sessions and Passport sessions
 * @param {import('express').RequestHandler} deps.checkCsrf
 * @param {(req: import('express').Request) => string} deps.csrfToken
 */
export function mountDeviceRoutes(app, { server, device, attempts, issuer, clientAuth, clientErrors, browser, checkCsrf, csrfToken }) {
  const form = express.urlencoded({ extended: false });

  // §3.1: the device (a public or confidential client) asks for codes.
  app.post(
    '/device_authorization',
    ...clientAuth,
    server.deviceAuthorization(
      { verificationURI: `${issuer}/device`, endpoint: `${issuer}/device_authorization` },
      /** @param {any} ctx */
      ({ deviceCode, userCode, displayUserCode, client, scope, expiresAt, interval, status }) => {
        assertGrantAllowed(client, DEVICE_CODE_GRANT_TYPE);
        const granted = requestedScope(scope);
        const unknown = unknownScope(granted);
        if (unknown !== undefined) throw new TokenError(`Unknown scope: ${unknown}`, 'invalid_scope');
        return device.store({ deviceCode, userCode, displayUserCode, client, scope: granted, expiresAt, interval, status });
      },
    ),
    ...clientErrors,
  );

  /** @type {import('express').RequestHandler} */
  function signedIn(req, res, next) {
    if (req.user) return next();
    if (req.method === 'GET') return res.redirect(`/login?return_to=${encodeURIComponent(req.originalUrl)}`);
    sendPage(res, deviceEntryPage({ csrfToken: csrfToken(req), error: 'You are no longer signed in.', status: 401 }));
  }

  // §3.3: the user enters the code (or arrives with it from verification_uri_complete).
  app.get('/device', ...browser, signedIn, (req, res) => {
    const userCode = typeof req.query.user_code === 'string' ? req.query.user_code.slice(0, 64) : '';
    sendPage(res, deviceEntryPage({ csrfToken: csrfToken(req), userCode }));
  });

  app.post(
    '/device/verify',
    ...browser,
    form,
    signedIn,
    checkCsrf,
    // Lookups are counted per user and per address in the shared attempt store.
    server.deviceVerification({ attemptStore: attempts }, device.lookup),
    /**
     * @param {import('express').Request} req
     * @param {import('express').Response} res
     */
    (req, res) => {
      const txn = /** @type {any} */ (req).oauth2;
      const scopes = requestedScope(txn.req.scope).map((name) => ({ name, description: SCOPES[name] }));
      sendPage(
        res,
        deviceConsentPage({
          client: txn.client,
          displayUserCode: txn.req.displayUserCode,
          scopes,
          transactionID: txn.transactionID,
          csrfToken: csrfToken(req),
        }),
      );
    },
    /** @type {import('express').ErrorRequestHandler} */
    (err, req, res, next) => {
      if (!err?.code) return next(err);
      const status = err.status === 429 ? 429 : 400;
      sendPage(res, deviceEntryPage({ csrfToken: csrfToken(req), error: err.message, status }));
    },
  );

  // The decision completes the device_code transaction through grant.deviceCode.
  app.post('/device/decision', ...browser, form, signedIn, checkCsrf, server.decision());
}
