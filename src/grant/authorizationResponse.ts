import { AuthorizationError } from '../errors/authorizationerror.js';
import { checkLength, own, scopeParam, separatorsOf, stringParam, type ParamBag } from '../lib/params.js';
import type { GrantErrorHandler, SyncRequestParser } from '../types.js';
import type { OAuth2IncomingMessage, OAuth2Transaction, ResponseMode, ResponseModes } from '../types.js';
import { addIssuer, profileOf } from '../settings/profile.js';
import { resourcesOf } from '../lib/resource.js';
import { query } from '../response/query.js';
import { fragment } from '../response/fragment.js';
import { formPost } from '../response/formPost.js';

/** The response modes this package implements, by name. */
const BUILT_IN_MODES: Readonly<Record<string, ResponseMode>> = { query, fragment, form_post: formPost };

/** Options shared by the bundled grants. */
export interface GrantOptions {
  /**
   * Separator(s) used to split the `scope` parameter: a string, or a list
   * tried in order (the first that splits wins). Default `' '`.
   */
  scopeSeparator?: string | readonly string[];
  /**
   * Response modes the grant may answer in, added to (or replacing) its
   * default one, e.g. `{ form_post: formPost }`.
   */
  modes?: ResponseModes;
  /**
   * Read the `response_mode` parameter and accept only these values, e.g.
   * `['query', 'form_post']`. A value not listed is refused with
   * `invalid_request`. `query`, `fragment` and `form_post` are built in;
   * other names need an implementation in `modes`. When this option is
   * absent, `response_mode` is left to extension parsers, as in 1.x.
   *
   * @see https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseModes
   * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html
   */
  responseModes?: readonly string[];
}

/**
 * The request parser of the `code` and `token` grants: reads `client_id`,
 * `redirect_uri`, `scope` and `state` from the query, and `resource`
 * (RFC 8707) when sent.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export function authorizationParser(scopeSeparator: GrantOptions['scopeSeparator'], responseModes?: readonly string[]): SyncRequestParser {
  const separators = separatorsOf(scopeSeparator);
  if (responseModes) return modeParser(authorizationParser(scopeSeparator), responseModes);
  return function request(req: OAuth2IncomingMessage) {
    const q = (req.query || {}) as ParamBag;
    const clientID = own(q, 'client_id');
    if (!clientID) throw new AuthorizationError('Missing required parameter: client_id', 'invalid_request');
    if (typeof clientID !== 'string') {
      throw new AuthorizationError('Invalid parameter: client_id must be a string', 'invalid_request');
    }
    checkLength('client_id', clientID, AuthorizationError);
    const areq: { clientID: string; redirectURI?: string; scope?: string[] | ''; state?: string; resource?: string[] } = {
      clientID,
      redirectURI: stringParam(q, 'redirect_uri', AuthorizationError),
      scope: scopeParam(q, separators, AuthorizationError),
      state: stringParam(q, 'state', AuthorizationError),
    };
    // RFC 8707 §2: kept only when sent, so 1.x's request object is unchanged
    // otherwise; refused when bad on a server with a profile, ignored on a
    // 1.x one (1.12 ignored the parameter).
    const resource = resourcesOf(q, AuthorizationError, profileOf(req) === undefined);
    if (resource.length > 0) areq.resource = resource;
    return areq;
  };
}

/** Wrap a parser so that it also reads `response_mode`, accepting only `allowed`. */
function modeParser(parse: SyncRequestParser, allowed: readonly string[]): SyncRequestParser {
  return function request(req: OAuth2IncomingMessage) {
    const out = parse(req as never) as Record<string, unknown>;
    const mode = stringParam((req.query || {}) as ParamBag, 'response_mode', AuthorizationError);
    if (mode !== undefined && mode !== '') {
      if (!allowed.includes(mode)) throw new AuthorizationError('Unsupported response_mode', 'invalid_request');
      out.responseMode = mode;
    }
    return out;
  };
}

/**
 * Merge the app's `modes` with the grant's default mode (and the built-in
 * modes named in `responseModes`), and return a lookup that ignores
 * inherited keys.
 */
export function modeTable(defaultName: string, defaultMode: ResponseMode, modes: ResponseModes | undefined, responseModes?: readonly string[]): (name: string) => ResponseMode | undefined {
  const table: ResponseModes = { ...modes };
  if (!table[defaultName]) table[defaultName] = defaultMode;
  if (responseModes) {
    if (!Array.isArray(responseModes)) throw new TypeError('oauth2orize: responseModes must be an array of response mode names');
    for (const name of responseModes) {
      if (Object.prototype.hasOwnProperty.call(table, name)) continue;
      const builtIn = Object.prototype.hasOwnProperty.call(BUILT_IN_MODES, name) ? BUILT_IN_MODES[name] : undefined;
      if (!builtIn) throw new TypeError(`oauth2orize: response mode ${name} is listed in responseModes but has no implementation in modes`);
      table[name] = builtIn;
    }
  }
  return (name) => (Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined);
}

/** The response mode a transaction asks for, or the grant's default. */
export function modeOf(txn: OAuth2Transaction<any, any>, fallback: string): string {
  return (txn.req && txn.req.responseMode) || fallback;
}

/**
 * Find the response mode for `txn`, and check that it can answer. Returns
 * the error to pass on when it cannot.
 */
export function pickMode(
  txn: OAuth2Transaction<any, any>,
  fallback: string,
  lookup: (name: string) => ResponseMode | undefined,
): { respond: ResponseMode; error?: undefined } | { respond?: undefined; error: unknown } {
  const mode = modeOf(txn, fallback);
  const respond = lookup(mode);
  if (!respond) {
    return { error: new AuthorizationError('Unsupported response mode: ' + mode, 'unsupported_response_mode', null, 501) };
  }
  if (respond.validate) {
    try {
      respond.validate(txn);
    } catch (err) {
      return { error: err };
    }
  }
  // RFC 9207: with an issuer, every response carries `iss`, whichever mode
  // (this package's or a plugin's) writes it.
  const profile = profileOf(txn);
  if (profile && profile.issuer) {
    return { respond: (t, res, params) => respond(t, res, addIssuer(t, params)) };
  }
  return { respond };
}

/**
 * The `error` phase of the bundled grants: send the error to the client in
 * the transaction's response mode, or pass it on when that is impossible.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export function grantErrorHandler(fallback: string, lookup: (name: string) => ResponseMode | undefined): GrantErrorHandler {
  return function errorHandler(err, txn, res, next) {
    const picked = pickMode(txn, fallback, lookup);
    if (!picked.respond) return next(err);
    const e = err || {};
    const params: Record<string, unknown> = { error: e.code || 'server_error' };
    if (e.message) params.error_description = e.message;
    if (e.uri) params.error_uri = e.uri;
    if (txn.req && txn.req.state) params.state = txn.req.state;
    picked.respond(txn, res, params);
  };
}

/** The redirect sent when the user denies access. */
export function deniedParams(txn: OAuth2Transaction<any, any>): Record<string, unknown> {
  const params: Record<string, unknown> = { error: 'access_denied' };
  if (txn.req && txn.req.state) params.state = txn.req.state;
  return params;
}
