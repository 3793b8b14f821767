/**
 * The authorization endpoint's side of pushed authorization requests
 * (RFC 9126 §4): resolving a `request_uri` into the pushed parameters before
 * the grants parse the request. The PAR endpoint itself is
 * `par/pushedAuthorization.ts`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 */
import { AuthorizationError } from '../errors/authorizationerror.js';
import { call, ZERO_OR_ONE, once, prepare, shape } from '../lib/callback.js';
import { timeOf } from '../lib/timeOf.js';
import { oversizedParams, own } from '../lib/params.js';
import type { Clock } from '../settings/clock.js';
import type { AuthorizationRequest, OAuth2IncomingMessage, ParamBag } from '../types.js';

/**
 * A pushed authorization request as the app stores it, and as
 * `loadPushedRequest` must give it back. `params` holds the request's
 * parameters (strings, or arrays of strings for repeated ones), without the
 * client's credentials; the record serializes to JSON as is (apart from
 * `client` and `areq`, which are for the app's information).
 *
 * @group PAR
 */
export interface PushedRequestRecord<Client = any> {
  /** The `request_uri` handed to the client. */
  requestURI: string;
  /** The client that pushed the request. */
  clientID: string;
  /** The pushed authorization request parameters. */
  params: Record<string, string | string[]>;
  /** When the `request_uri` expires. */
  expiresAt: Date | number | string;
  /** The client, when the store keeps it. */
  client?: Client;
  /** The parsed authorization request, when the store keeps it. */
  areq?: AuthorizationRequest;
}

/**
 * Context of the Promise form of `loadPushedRequest`.
 *
 * @group PAR
 */
export interface PushedRequestLoadContext {
  /** The `request_uri` parameter. */
  requestURI: string;
  /** The `client_id` parameter, which must match the pushing client. */
  clientID: string;
  /** The request. */
  req: OAuth2IncomingMessage;
}

/**
 * Take (load and delete, so that it is used once) the pushed request stored
 * under `requestURI`: `(requestURI, done(err, record))` or
 * `async ({ requestURI, clientID, req }) => record`.
 *
 * @group PAR
 */
export type PushedRequestLoader = (
  requestURI: string & PushedRequestLoadContext,
  done: (err?: unknown, record?: PushedRequestRecord | null | false) => void,
) => unknown;

/**
 * The options `authorize` takes for pushed authorization requests.
 *
 * @group PAR
 */
export interface PushedAuthorizeOptions {
  /**
   * Accept `request_uri` (RFC 9126 §4): the authorization request is then
   * the pushed one, taken once through this callback, refused with
   * `invalid_request_uri` when unknown, expired or pushed by another client.
   */
  loadPushedRequest?: PushedRequestLoader;
  /**
   * Refuse authorization requests that do not use `request_uri`, and
   * advertise `require_pushed_authorization_requests`. Needs
   * `loadPushedRequest`.
   */
  requirePushedRequests?: boolean;
  /** Clock for `expiresAt`, in milliseconds since the epoch. Default: the server's `clock` option, else the system clock. */
  now?: () => number;
}

/**
 * The `request_uri` step that `authorize` runs before parsing, or
 * `undefined` when the options ask for none (so 1.x apps are untouched). It
 * hands back the request the grants should parse: the real one, or a view of
 * it whose query is the pushed request's parameters.
 *
 * The hook is built once, when `authorize` is; `announce` receives the
 * metadata fields the server should advertise because of these options
 * (`require_pushed_authorization_requests`), so this module needs nothing
 * of the server; `serverClock` is the server's clock, used unless the
 * options bring their own (`now`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 */
export function pushedRequestHook(
  options: PushedAuthorizeOptions,
  announce: (fields: Readonly<Record<string, unknown>>) => void,
  serverClock: Clock,
): ((req: OAuth2IncomingMessage, cb: (err: unknown, source?: OAuth2IncomingMessage) => void) => void) | undefined {
  const load = options.loadPushedRequest;
  const required = options.requirePushedRequests === true;
  if (!load && !required) return undefined;
  if (typeof load !== 'function') throw new TypeError('oauth2orize.authorization option requirePushedRequests needs loadPushedRequest');
  const clock = options.now || serverClock;
  const take = prepare(LOAD, load);
  if (required) announce({ require_pushed_authorization_requests: true });

  return function pushedRequest(req, cb) {
    const query = (req.query || {}) as ParamBag;
    const oversized = oversizedParams(query, AuthorizationError);
    if (oversized) return cb(oversized);
    const requestURI = own(query, 'request_uri');
    if (requestURI === undefined || requestURI === null || requestURI === '') {
      if (required) return cb(new AuthorizationError('Missing required parameter: request_uri (pushed authorization requests are required)', 'invalid_request'));
      return cb(null, req);
    }
    if (typeof requestURI !== 'string') return cb(new AuthorizationError('Invalid parameter: request_uri must be a string', 'invalid_request'));
    const clientID = own(query, 'client_id');
    if (!clientID) return cb(new AuthorizationError('Missing required parameter: client_id', 'invalid_request'));
    if (typeof clientID !== 'string') return cb(new AuthorizationError('Invalid parameter: client_id must be a string', 'invalid_request'));
    call(take, once((err: unknown, record?: PushedRequestRecord | null | false) => {
      if (err) return cb(err);
      if (!record || typeof record !== 'object' || record.clientID !== clientID || !record.params || typeof record.params !== 'object'
        || !(clock() < timeOf(record.expiresAt))) {
        return cb(new AuthorizationError('Invalid or expired request_uri', 'invalid_request_uri', null, 400));
      }
      cb(null, shadowRequest(req, record.params));
    }), 'done', requestURI, clientID, req);
  };
}

/** `loadPushedRequest(requestURI, done)`, or the context form `({ requestURI, clientID, req })`. */
const LOAD = shape({ positional: ['requestURI'], values: ['requestURI', 'clientID', 'req'], contextArities: ZERO_OR_ONE });

/**
 * A view of `req` whose query (and body) are `params`, for the request
 * parsers, which read the query. Everything else reads through to `req`.
 */
export function shadowRequest(req: OAuth2IncomingMessage, params: Record<string, unknown>): OAuth2IncomingMessage {
  const view = Object.create(req) as OAuth2IncomingMessage;
  Object.defineProperty(view, 'query', { value: params, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(view, 'body', { value: params, writable: true, enumerable: true, configurable: true });
  return view;
}
