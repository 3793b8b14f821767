import { UnorderedList } from '../unorderedlist.js';
import { query } from '../response/query.js';
import { fragment } from '../response/fragment.js';
import { isClientStatus, oauthCode } from '../lib/expose.js';
import { RFC_STATUS } from '../errors/codes.js';
import { misusedMiddleware, usedAsMiddleware } from '../lib/misuse.js';
import { reportHidden } from '../diagnostics/trace.js';
import type { ErrorMiddleware, OAuth2ErrorLike, OAuth2IncomingMessage, OAuth2ServerResponse, ResponseModes } from '../types.js';

/**
 * Options of {@link errorHandler}.
 *
 * @group Core 1.x
 */
export interface ErrorHandlerOptions {
  /**
   * `'direct'` (default) answers with a JSON error body, as the token
   * endpoint must. `'indirect'` redirects the error to the client's redirect
   * URI, for the authorization endpoint.
   */
  mode?: 'direct' | 'indirect';
  /**
   * Indirect mode: response types that are answered in the fragment when any
   * of them is requested. Default `['token']`.
   */
  fragment?: readonly string[];
  /** Indirect mode: extra or replacement response modes, e.g. `form_post`. */
  modes?: ResponseModes;
  /**
   * Render the statuses RFC 6749 §5.2 specifies instead of 1.x's: 400 for
   * `invalid_grant`, `unauthorized_client`, `unsupported_grant_type` and
   * `unsupported_response_type` (1.x sends 403, 403, 501 and 501).
   * Default `false`.
   */
  rfcStatus?: boolean;
  /**
   * Whether errors without an OAuth `code` (an exception from the app, a
   * database error, a system error such as `ECONNREFUSED`) are shown as
   * they are. 1.x sends every error's code and message, which is the default
   * (`true`). With `false`, such errors render as a bare `server_error` with
   * no `error_description`, so internal details never reach the client;
   * errors whose `code` looks like an OAuth code, or whose `status` is 4xx,
   * are unaffected.
   */
  exposeErrors?: boolean;
  /**
   * Realm named in the `WWW-Authenticate` challenge sent with a 401
   * `invalid_client` error. Default `'oauth2'`.
   */
  realm?: string;
  /**
   * Indirect mode: the issuer identifier added as `iss` to the redirected
   * error (RFC 9207). `server.errorHandler()` fills it from
   * `createServer({ issuer })`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9207#section-2
   */
  issuer?: string;
}

/**
 * Create a middleware that renders OAuth 2.0 errors. It reads only `code`,
 * `status`, `uri` and `message` from the error, so errors from plugins and
 * applications are handled whatever their class.
 *
 * In direct mode the status is `err.status` (500 when missing or below 400)
 * and the body is `{ error, error_description?, error_uri? }`, sent with
 * `Cache-Control: no-store` and `Pragma: no-cache` like every token response. A 401 with
 * `invalid_client` carries a `WWW-Authenticate` challenge, using the scheme
 * of the client's `Authorization` header when it sent one, `Basic` otherwise.
 *
 * In indirect mode the error is redirected to `req.oauth2.redirectURI`; when
 * there is none, or no response mode fits, it is passed to `next`.
 *
 * @example
 * ```ts
 * app.post('/token', passport.authenticate('basic', { session: false }), server.token(), server.errorHandler());
 * app.get('/authorize', login.ensureLoggedIn(), server.authorize(validate), renderDialog, server.errorHandler({ mode: 'indirect' }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @param options `mode` (`'direct'` JSON or `'indirect'` redirect), `rfcStatus`, `realm`, `exposeErrors`, `fragment`, `modes`
 *
 * @group Core 1.x
 */
export function errorHandler(options?: ErrorHandlerOptions): ErrorMiddleware {
  if (usedAsMiddleware('oauth2orize.errorHandler', arguments)) return misusedMiddleware('oauth2orize.errorHandler');
  const opts = options || {};
  const mode = opts.mode || 'direct';
  const fragmentTypes = opts.fragment || ['token'];
  const modes: ResponseModes = { ...opts.modes };
  if (!modes.query) modes.query = query;
  if (!modes.fragment) modes.fragment = fragment;
  const rfcStatus = !!opts.rfcStatus;
  const expose = opts.exposeErrors !== false;
  const issuer = opts.issuer;
  const challenge = `realm="${(opts.realm ?? 'oauth2').replace(/["\\]/g, '\\$&')}"`;

  if (mode === 'direct') {
    return function errorHandler(err: OAuth2ErrorLike, req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next): void {
      void next;
      const e = err || {};
      const code = (expose ? e.code : oauthCode(e.code)) || 'server_error';
      if (!expose && code !== e.code) reportHidden(err, 'errorHandler');
      let status = Number(e.status) || res.statusCode;
      if (!status || status < 400) status = 500;
      if (rfcStatus && RFC_STATUS.has(code)) status = RFC_STATUS.get(code)!;
      res.statusCode = status;
      if (status === 401 && code === 'invalid_client') {
        res.setHeader('WWW-Authenticate', `${schemeOf(req)} ${challenge}`);
      }
      const body: Record<string, unknown> = { error: code };
      if (e.message && (expose || oauthCode(e.code) || isClientStatus(e.status))) body.error_description = e.message;
      if (e.uri) body.error_uri = e.uri;
      res.setHeader('Content-Type', 'application/json');
      // RFC 6749 §5.1 asks this of token responses; an error body is no
      // more fit for a cache than a success, and a cached one would be replayed.
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      res.end(JSON.stringify(body));
    };
  }

  if (mode === 'indirect') {
    return function errorHandler(err: OAuth2ErrorLike, req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next): void {
      // Without a redirect URI that the app validated, the client cannot be
      // told; the app's own error handler shows the user a page instead.
      const txn = req.oauth2;
      if (!txn || !txn.redirectURI) return next(err);
      let encoding = 'query';
      const areq = txn.req;
      if (areq) {
        if (new UnorderedList(areq.type).containsAny(fragmentTypes)) encoding = 'fragment';
        if (areq.responseMode) encoding = areq.responseMode;
      }
      const respond = Object.prototype.hasOwnProperty.call(modes, encoding) ? modes[encoding] : undefined;
      if (!respond) return next(err);
      const e = err || {};
      const code = expose ? e.code : oauthCode(e.code);
      if (!expose && !code) reportHidden(err, 'errorHandler');
      const params: Record<string, unknown> = { error: code || 'server_error' };
      if (e.message && (expose || code || isClientStatus(e.status))) params.error_description = e.message;
      if (e.uri) params.error_uri = e.uri;
      if (areq && areq.state) params.state = areq.state;
      if (issuer) params.iss = issuer;
      respond(txn, res, params);
    };
  }

  return function errorHandler(err: unknown, _req: OAuth2IncomingMessage, _res: OAuth2ServerResponse, next): void {
    next(err);
  };
}

/** The authentication scheme the client used, for the challenge. */
function schemeOf(req: OAuth2IncomingMessage): string {
  const header = req.headers && req.headers.authorization;
  if (typeof header === 'string') {
    const scheme = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s|$)/.exec(header);
    if (scheme) return scheme[1]!;
  }
  return 'Basic';
}
