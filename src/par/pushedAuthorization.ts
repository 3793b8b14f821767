import { randomBytes } from 'node:crypto';
import { TokenError } from '../errors/tokenerror.js';
import { call, ZERO_OR_ONE, once, prepare, shape } from '../lib/callback.js';
import { clientIdOf } from '../lib/clientId.js';
import { resourcesOf } from '../lib/resource.js';
import { bodyOf, oversizedParams, own } from '../lib/params.js';
import { bodyParsingError } from '../lib/respond.js';
import { callValidate, prepareValidate } from '../lib/validate.js';
import { advertise, settingsOf } from '../settings/settings.js';
import { fapi2Of, refusedClient } from '../settings/fapi2.js';
import { dpopHeaderOf } from '../dpop/proof.js';
import { checkRequestProof, dpopProofOf } from '../dpop/tokenRequest.js';
import type { AuthorizationRequest, Middleware, OAuth2IncomingMessage, ParamBag } from '../types.js';
import type { ValidateFunction } from '../middleware/authorization.js';
import { shadowRequest, type PushedRequestRecord } from './loadPushedRequest.js';
import { traced, clientAnnotator } from '../diagnostics/trace.js';
import { checkOptions, POSITIVE, type OptionTable } from '../lib/checkOptions.js';
import { guardErrors } from '../lib/misuse.js';

/**
 * What the PAR endpoint uses of the server: the registered grants' request
 * parsers, run as `authorize` runs them (1.x's `server._parse`). The server
 * is also the key under which the endpoint's metadata is advertised.
 */
export interface PushedRequestParser {
  /**
   * Parses an authorization request with the parsers registered for `type`.
   * @param type the `response_type` parameter
   * @param req the request, or a view of it carrying the pushed parameters
   * @param cb called with the parsed request
   */
  _parse(type: string | undefined, req: OAuth2IncomingMessage, cb: (err: unknown, areq?: AuthorizationRequest) => void): void;
}

/**
 * The prefix of the `request_uri` values this package issues.
 *
 * @group PAR
 */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** Parameters never kept from a pushed request: they authenticate the client. */
const CLIENT_AUTH_PARAMS = new Set(['client_secret', 'client_assertion', 'client_assertion_type']);

/**
 * Options of {@link Server.pushedAuthorization}.
 *
 * @group PAR
 */
export interface PushedAuthorizationOptions<Client = any> {
  /** Lifetime of a `request_uri`, in seconds. Default 60. */
  expiresIn?: number;
  /** The request property holding the authenticated client. Default `'user'`. */
  userProperty?: string;
  /**
   * The client identifier of an authenticated client, compared with the
   * `client_id` parameter. Default: the first string among `client.id`,
   * `client.clientId`, `client.clientID` and `client.client_id`.
   */
  clientID?: (client: Client) => string | undefined;
  /**
   * The absolute URL at which the app mounts this endpoint; when given it is
   * advertised as `pushed_authorization_request_endpoint`.
   */
  endpoint?: string;
  /** Clock of `expiresAt`, in milliseconds since the epoch. Default: the server's `clock` option, else the system clock. */
  now?: () => number;
}

/**
 * `store` callback of {@link Server.pushedAuthorization}: keep the record until it
 * expires, keyed by `requestURI`. `(record, done(err))` or the arity-1 form
 * `async (record) => {}`.
 *
 * @group PAR
 */
export type PushedRequestStore<Client = any> = (record: PushedRequestRecord<Client>, done: (err?: unknown) => void) => unknown;

/** `store(record, done)`, or the context form `store(record)`. */
const STORE = shape({ positional: ['record'], contextArities: ZERO_OR_ONE, context: (record) => record });

/** What each option of {@link pushedAuthorization} accepts. */
const PUSHED_AUTHORIZATION_OPTIONS = {
  expiresIn: POSITIVE,
  userProperty: 'string',
  clientID: 'function',
  endpoint: 'string',
  now: 'function',
} as const satisfies OptionTable<PushedAuthorizationOptions>;

/**
 * Create the pushed authorization request endpoint (RFC 9126 §2). The client,
 * authenticated in front of it as for `token()`, posts the parameters of an
 * authorization request. They are parsed by the registered grants and checked
 * by `validate`, exactly as `authorize` would (the same `validate` callback
 * fits); `request_uri` is refused inside a pushed request, and `client_id`,
 * when sent, must be the authenticated client's. The app keeps the request
 * through `store`, and the answer is `201 { request_uri, expires_in }`.
 * Errors are RFC 6749 §5.2 JSON: follow it with `server.errorHandler()`.
 *
 * @example
 * ```ts
 * app.post('/par',
 *   passport.authenticate(['basic', 'oauth2-client-password'], { session: false }),
 *   server.pushedAuthorization({ expiresIn: 60 }, validate, (record) => { pushed.set(record.requestURI, record); }),
 *   server.errorHandler());
 * app.get('/authorize', ensureLoggedIn(),
 *   server.authorize({ loadPushedRequest: ({ requestURI }) => take(pushed, requestURI) }, validate),
 *   renderDialog);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 */
export function pushedAuthorization<Client = any>(
  server: PushedRequestParser,
  options: PushedAuthorizationOptions<Client> | undefined,
  validate: ValidateFunction<Client>,
  store: PushedRequestStore<Client>,
): Middleware {
  if (!server) throw new TypeError('oauth2orize.pushedAuthorization middleware requires a server argument');
  checkOptions('server.pushedAuthorization', options, PUSHED_AUTHORIZATION_OPTIONS);
  if (typeof validate !== 'function') throw new TypeError('oauth2orize.pushedAuthorization middleware requires a validate function');
  if (typeof store !== 'function') throw new TypeError('oauth2orize.pushedAuthorization middleware requires a store callback');
  const opts: PushedAuthorizationOptions<Client> = options || {};
  const expiresIn = opts.expiresIn === undefined ? 60 : opts.expiresIn;
  if (typeof expiresIn !== 'number' || !(expiresIn > 0) || !Number.isFinite(expiresIn)) {
    throw new TypeError('oauth2orize.pushedAuthorization option expiresIn must be a positive number');
  }
  const settings = settingsOf(server);
  const fapi2 = fapi2Of(settings);
  if (fapi2 && !(expiresIn < fapi2.requestUriLifetimeBelow)) {
    throw new TypeError(`server.pushedAuthorization: under the FAPI 2.0 profile expiresIn must be under ${fapi2.requestUriLifetimeBelow} seconds (FAPI 2.0 SP §5.3.2.2)`);
  }
  const userProperty = opts.userProperty || settings.userProperty;
  const idOf = opts.clientID || clientIdOf;
  const clock = opts.now || settings.clock;
  const check = prepareValidate(validate);
  const save = prepare(STORE, store);
  advertise(server, { pushed_authorization_request_endpoint: opts.endpoint });

  return guardErrors('par', traced('par', function pushedAuthorization(req, res, next) {
    const body = bodyOf(req);
    if (!body) return next(bodyParsingError());
    const client = (req as unknown as ParamBag)[userProperty] as Client;
    if (!client) return next(new TokenError('Client authentication failed', 'invalid_client'));
    if (fapi2) {
      const refused = refusedClient(fapi2, req);
      if (refused) return next(refused);
    }
    if (own(body, 'request_uri') !== undefined) {
      return next(new TokenError('Invalid parameter: request_uri is not allowed in a pushed authorization request', 'invalid_request'));
    }
    const params: Record<string, string | string[]> = {};
    for (const key of Object.keys(body)) {
      if (CLIENT_AUTH_PARAMS.has(key) || key === '__proto__') continue;
      const value = body[key];
      if (typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
        params[key] = value as string | string[];
      } else if (value !== undefined && value !== null) {
        // RFC 8707 §2: a bad resource is invalid_target, whatever its type.
        if (key === 'resource') return next(new TokenError('Invalid parameter: resource must be a string, possibly repeated', 'invalid_target', null, 400));
        return next(new TokenError(`Invalid parameter: ${key} must be a string`, 'invalid_request'));
      }
    }
    const oversized = oversizedParams(params, TokenError);
    if (oversized) return next(oversized);
    try {
      // RFC 8707 §2, checked here whatever the server's profile: PAR is not
      // a 1.x endpoint, so no 1.x app relies on a bad value being ignored.
      resourcesOf(params, TokenError);
    } catch (err) {
      return next(err);
    }
    const authenticated = idOf(client);
    if (typeof authenticated !== 'string' || !authenticated) {
      return next(new Error('oauth2orize.pushedAuthorization cannot tell the client_id of the authenticated client; set options.clientID'));
    }
    if (params.client_id === undefined) params.client_id = authenticated;
    else if (params.client_id !== authenticated) {
      return next(new TokenError('Invalid parameter: client_id does not match the authenticated client', 'invalid_request'));
    }
    // FAPI 2.0 SP §5.3.2.2: the redirect_uri is required in pushed requests.
    if (fapi2 && (typeof params.redirect_uri !== 'string' || params.redirect_uri === '')) {
      return next(new TokenError(params.redirect_uri === undefined || params.redirect_uri === ''
        ? 'Missing required parameter: redirect_uri (the FAPI 2.0 profile requires it in pushed requests)'
        : 'Invalid parameter: redirect_uri must be a string', 'invalid_request'));
    }
    const type = params.response_type;
    if (type !== undefined && typeof type !== 'string') {
      return next(new TokenError('Invalid parameter: response_type must be a string', 'invalid_request'));
    }
    const responseType: string | undefined = type;
    const clientID: string = authenticated;

    if (settings.dpop && dpopHeaderOf(req) !== undefined) {
      // RFC 9449 §10.1: a proof at the PAR endpoint binds the code to its key,
      // as `dpop_jkt` would; both must then name the same key.
      return checkRequestProof(settings, 'par', req, res, (err) => {
        if (err) return next(err);
        const jkt = dpopProofOf(req)!.jkt;
        if (params.dpop_jkt !== undefined && params.dpop_jkt !== jkt) {
          return next(new TokenError('Invalid DPoP proof: dpop_jkt does not match the proof key', 'invalid_dpop_proof', null, 400));
        }
        params.dpop_jkt = jkt;
        parse();
      }, false);
    }
    parse();
    function parse(): void {
      server._parse(responseType, shadowRequest(req, params), (err, areq) => {
        if (err) return next(asTokenError(err));
        if (!areq || !areq.type) return next(new TokenError('Missing required parameter: response_type', 'invalid_request'));
        if (!areq.clientID) return next(new TokenError('Unsupported response type: ' + responseType, 'unsupported_response_type', null, 400));
        callValidate(check, areq, once((err?: unknown, validClient?: unknown, redirectURI?: string) => {
          if (err) return next(asTokenError(err));
          if (!validClient) return next(new TokenError('Unauthorized client', 'unauthorized_client'));
          void redirectURI;
          const record: PushedRequestRecord<Client> = {
            requestURI: REQUEST_URI_PREFIX + randomBytes(32).toString('base64url'),
            clientID,
            params,
            expiresAt: new Date(clock() + expiresIn * 1000),
            client,
            areq,
          };
          call(save, once((err: unknown) => {
            if (err) return next(err);
            const json = JSON.stringify({ request_uri: record.requestURI, expires_in: expiresIn });
            res.statusCode = 201;
            res.setHeader('Content-Type', 'application/json');
            res.setHeader('Cache-Control', 'no-store');
            res.setHeader('Pragma', 'no-cache');
            res.end(json);
          }), 'done', record);
        }), next);
      });
    }
  }, clientAnnotator(userProperty)), {});
}

/**
 * Errors from the grants' parsers and `validate` are `AuthorizationError`s,
 * meant for a redirect; at this endpoint they are JSON errors, with 400 in
 * place of 1.x's 403/501 for a client's mistake. Errors without a code (the
 * app's failures) pass unchanged.
 */
function asTokenError(err: unknown): unknown {
  const e = err as { code?: unknown; message?: string; uri?: string | null; status?: number } | null;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || e.code === 'server_error') return err;
  const status = typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.status !== 403 ? e.status : 400;
  return new TokenError(e.message, e.code, e.uri, status, { cause: err });
}
