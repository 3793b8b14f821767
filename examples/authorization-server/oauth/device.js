/**
 * The device authorization grant (RFC 8628), for devices without a browser
 * or keyboard: the device asks `/device_authorization` for codes, shows the
 * user code, and polls `/token` while the user approves at `/device`.
 * oauth2orize makes the codes, checks the parameters, applies the polling
 * rules (`authorization_pending`, `slow_down`, `expired_token`) and answers
 * in the RFC's format; this module stores the records and owns the pages.
 *
 * Records are kept in memory (at most 10,000; they expire after 10 minutes),
 * so the flow is for a single process.
 *
 * @module device
 */
import express from 'express';
import oauth2orize from 'oauth2orize';
import { SCOPES } from '../storage/demo.js';
import { deviceConsentPage, deviceDonePage, deviceEntryPage } from '../web/device-views.js';
import { assertGrantAllowed } from './exchanges.js';
import { issueTokens, newGrantId, requestedScope, unknownScope } from './tokens.js';
import { sendPage } from '../web/views.js';

const { DEVICE_CODE_GRANT_TYPE, TokenError } = oauth2orize;
const MAX_RECORDS = 10_000;

/**
 * @typedef {object} DeviceRecord
 * @property {string} deviceCode
 * @property {string} userCode canonical form, for lookups
 * @property {string} displayUserCode as the device shows it
 * @property {string} clientId
 * @property {string[]} scope
 * @property {Date | number | string} expiresAt
 * @property {number} interval
 * @property {'pending' | 'approved' | 'denied' | 'expired'} status
 * @property {Date} [lastPolledAt]
 * @property {number} [userId] once approved
 */

/** In-memory device authorization records, by device code and by user code. */
export class DeviceStore {
  constructor() {
    /** @type {Map<string, DeviceRecord>} */
    this.byDeviceCode = new Map();
  }

  /** @param {DeviceRecord} record */
  add(record) {
    const now = Date.now();
    for (const [code, r] of this.byDeviceCode) if (new Date(r.expiresAt).getTime() <= now) this.byDeviceCode.delete(code);
    while (this.byDeviceCode.size >= MAX_RECORDS) {
      const oldest = this.byDeviceCode.keys().next().value;
      if (oldest === undefined) break;
      this.byDeviceCode.delete(oldest);
    }
    this.byDeviceCode.set(record.deviceCode, record);
  }

  /** @param {string} userCode canonical */
  findByUserCode(userCode) {
    for (const r of this.byDeviceCode.values()) if (r.userCode === userCode) return r;
    return undefined;
  }
}

/**
 * Register the device grant (the user's decision) and the device code
 * exchange (polling) on `server`.
 *
 * @param {any} server
 * @param {import('../storage/db.js').Store} db
 * @param {DeviceStore} devices
 */
export function registerDeviceFlow(server, db, devices) {
  server.grant(
    oauth2orize.grant.deviceCode(
      {
        modes: {
          /** @type {import('oauth2orize').ResponseMode} */
          page: (txn, res, params) => sendPage(/** @type {any} */ (res), deviceDonePage({ allowed: !params.error })),
        },
      },
      /** @param {import('oauth2orize').DeviceDecisionContext} ctx */
      ({ userCode, allow, user }) => {
        const record = devices.findByUserCode(userCode);
        if (!record || record.status !== 'pending') return false; // decided elsewhere meanwhile
        Object.assign(record, allow ? { status: 'approved', userId: user.id } : { status: 'denied' });
        return true;
      },
    ),
  );

  server.exchange(
    oauth2orize.exchange.deviceCode({
      /** @param {{ client: import('../storage/db.js').Client, deviceCode: string }} ctx */
      load: ({ client, deviceCode }) => {
        const record = devices.byDeviceCode.get(deviceCode);
        return record && record.clientId === client.id ? record : null;
      },
      /** @param {{ deviceCode: string, changes: object }} ctx */
      update: ({ deviceCode, changes }) => {
        const record = devices.byDeviceCode.get(deviceCode);
        if (record) Object.assign(record, changes);
      },
      /** @param {{ client: import('../storage/db.js').Client, record: DeviceRecord }} ctx */
      issue: ({ client, record }) => {
        // Consume the record: a second redemption finds nothing (invalid_grant).
        if (!devices.byDeviceCode.delete(record.deviceCode) || record.userId === undefined) return false;
        return issueTokens(db, {
          clientId: client.id,
          userId: record.userId,
          scope: record.scope,
          grantId: newGrantId(),
          withRefreshToken: client.grantTypes.includes('refresh_token'),
        });
      },
    }),
  );
}

/**
 * Mount the device flow's endpoints on `app`.
 *
 * @param {import('express').Express} app
 * @param {object} deps
 * @param {any} deps.server
 * @param {import('../storage/db.js').Store} deps.db
 * @param {DeviceStore} deps.devices
 * @param {string} deps.issuer
 * @param {import('express').RequestHandler[]} deps.clientAuth the /token front (form, limits, client authentication)
 * @param {import('express').ErrorRequestHandler[]} deps.clientErrors the OAuth error handler
 * @param {import('express').RequestHandler[]} deps.browser sessions and Passport sessions
 * @param {import('express').RequestHandler} deps.checkCsrf
 * @param {(req: import('express').Request) => string} deps.csrfToken
 */
export function mountDeviceRoutes(app, { server, db, devices, issuer, clientAuth, clientErrors, browser, checkCsrf, csrfToken }) {
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
        devices.add({ deviceCode, userCode, displayUserCode, clientId: client.id, scope: granted, expiresAt, interval, status });
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
    server.deviceVerification((/** @type {{ userCode: string }} */ { userCode }) => {
      const record = devices.findByUserCode(userCode);
      const client = record && db.clients.findById(record.clientId);
      return (
        client && {
          client,
          scope: record.scope,
          expiresAt: record.expiresAt,
          status: record.status,
          displayUserCode: record.displayUserCode,
        }
      );
    }),
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
