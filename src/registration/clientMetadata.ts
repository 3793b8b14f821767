/**
 * The checks of client metadata sent to the registration endpoint (RFC 7591
 * §2): which fields are kept, their types and sizes, the redirect URIs of
 * RFC 8252, and the consistency of `grant_types` and `response_types`.
 * Everything here is synchronous and pure: the endpoint calls it on the
 * parsed body and answers the error it throws.
 */
import { TokenError } from '../errors/tokenerror.js';
import { CLIENT_AUTH_METHODS, SECRET_METHODS, type ClientAuthMethod } from '../clientauth/methods.js';

/**
 * The client metadata of RFC 7591 §2 that the registration endpoint keeps,
 * as checked and completed with the defaults of RFC 7591 §2
 * (`grant_types: ['authorization_code']`, `response_types: ['code']`,
 * `token_endpoint_auth_method: 'client_secret_basic'`, or the endpoint's
 * `defaultAuthMethod`). Fields the client did not send, other than those
 * three, are absent; fields the endpoint does not know are dropped.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @group Registration
 */
export interface ClientMetadata {
  /** Redirection URIs (RFC 6749 §3.1.2), each absolute, without a fragment. */
  redirect_uris?: string[];
  /** How the client authenticates at the token endpoint. */
  token_endpoint_auth_method: ClientAuthMethod;
  /** The grant types the client may use. */
  grant_types: string[];
  /** The response types the client may ask the authorization endpoint for. */
  response_types: string[];
  /** A name to show the user. */
  client_name?: string;
  /** The client's home page. */
  client_uri?: string;
  /** The client's logo. */
  logo_uri?: string;
  /** Space-separated scope values the client may ask for. */
  scope?: string;
  /** Ways to contact the people responsible for the client. */
  contacts?: string[];
  /** The client's terms of service. */
  tos_uri?: string;
  /** The client's privacy policy. */
  policy_uri?: string;
  /** Where the client's public keys are published (for `private_key_jwt`). */
  jwks_uri?: string;
  /** The client's public keys, by value (a JWK Set). */
  jwks?: {
    /** The public keys, as JWK objects. */
    keys: Record<string, unknown>[];
  };
  /** An identifier of the client software, the same for every instance. */
  software_id?: string;
  /** The version of the client software. */
  software_version?: string;
}

/** The limits and allowances the checks apply; the endpoint fills it from its options. */
export interface MetadataRules {
  /** Most redirect URIs (and contacts, and grant or response types). */
  readonly maxUris: number;
  /** Longest string value, in characters. */
  readonly maxString: number;
  /** Most keys in a `jwks`. */
  readonly maxKeys: number;
  /** `http://localhost[:port]` redirect URIs, beside the loopback literals. */
  readonly localhost: boolean;
  /** Private-use URI schemes (RFC 8252 §7.1), such as `com.example.app:/cb`. */
  readonly privateUseSchemes: boolean;
  /** The accepted `token_endpoint_auth_method` values. */
  readonly authMethods: readonly ClientAuthMethod[];
  /** The method when the client names none. */
  readonly defaultAuthMethod: ClientAuthMethod;
  /** The grant types a client may register; `undefined`: any well-formed one. */
  readonly grantTypes: readonly string[] | undefined;
  /** The response types a client may register; `undefined`: any well-formed one. */
  readonly responseTypes: readonly string[] | undefined;
}

/** An `invalid_client_metadata` error (RFC 7591 §3.2.2), status 400. */
export function invalidMetadata(message: string): TokenError {
  return new TokenError(message, 'invalid_client_metadata', null, 400);
}

/** An `invalid_redirect_uri` error (RFC 7591 §3.2.2), status 400. */
export function invalidRedirectUri(message: string): TokenError {
  return new TokenError(message, 'invalid_redirect_uri', null, 400);
}

const URI_FIELDS = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'jwks_uri'] as const;
const TEXT_FIELDS = ['client_name', 'software_id', 'software_version'] as const;

/** Grant types whose flow goes through the authorization endpoint, so needs redirect URIs. */
const REDIRECTING = new Set(['authorization_code', 'implicit']);

/** A scope value (RFC 6749 §3.3): printable ASCII less space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** A URI scheme (RFC 3986 §3.1). */
const SCHEME = /^[a-z][a-z0-9+.-]*$/i;

function text(name: string, value: unknown, rules: MetadataRules): string {
  if (typeof value !== 'string') throw invalidMetadata(`${name} must be a string`);
  if (value.length > rules.maxString) throw invalidMetadata(`${name} is longer than ${rules.maxString} characters`);
  return value;
}

function list(name: string, value: unknown, rules: MetadataRules, max = rules.maxUris): string[] {
  if (!Array.isArray(value)) throw invalidMetadata(`${name} must be an array of strings`);
  if (value.length > max) throw invalidMetadata(`${name} has more than ${max} entries`);
  const out: string[] = [];
  for (const item of value) {
    const s = text(`each entry of ${name}`, item, rules);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** A web URL: absolute `https` (or `http`), no credentials; `undefined` if not one. */
function webUrl(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password) return undefined;
  return url;
}

/** The loopback literals of RFC 8252 §7.3, and `localhost` when allowed. */
export function isLoopbackHost(hostname: string, localhost: boolean): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]' || (localhost && hostname === 'localhost');
}

/**
 * Why `uri` is not an acceptable redirect URI, or `undefined` if it is:
 * absolute, no fragment, no credentials; `https`; `http` on a loopback
 * literal, any port (RFC 8252 §7.3; `localhost` when `rules.localhost`);
 * a private-use scheme with a dot in it (RFC 8252 §7.1) when
 * `rules.privateUseSchemes`.
 */
export function redirectUriProblem(uri: string, rules: Pick<MetadataRules, 'localhost' | 'privateUseSchemes'>): string | undefined {
  if (uri.includes('#')) return 'must not contain a fragment';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (/[\s<>"\\^`{|}]/.test(uri)) return 'must be an absolute URI';
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!SCHEME.test(scheme)) return 'must be an absolute URI';
  if (url.username || url.password) return 'must not contain user information';
  if (scheme === 'https') return url.hostname ? undefined : 'must name a host';
  if (scheme === 'http') {
    return isLoopbackHost(url.hostname, rules.localhost)
      ? undefined
      : rules.localhost
        ? 'must use https, or http on a loopback address (127.0.0.1, [::1] or localhost)'
        : 'must use https, or http on a loopback address (127.0.0.1 or [::1])';
  }
  if (!rules.privateUseSchemes) return 'must use https, or http on a loopback address';
  // RFC 8252 §7.1: a reverse domain name the client controls, so never a
  // bare word that another app or the browser could also claim.
  if (!scheme.includes('.')) return 'private-use schemes must be reverse domain names (com.example.app)';
  if (['javascript', 'data', 'file', 'vbscript', 'blob'].includes(scheme)) return 'uses a forbidden scheme';
  return undefined;
}

function checkJwks(value: unknown, rules: MetadataRules): { keys: Record<string, unknown>[] } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalidMetadata('jwks must be a JWK Set object');
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) throw invalidMetadata('jwks must have a non-empty keys array');
  if (keys.length > rules.maxKeys) throw invalidMetadata(`jwks has more than ${rules.maxKeys} keys`);
  const out: Record<string, unknown>[] = [];
  for (const key of keys) {
    if (!key || typeof key !== 'object' || Array.isArray(key) || typeof (key as { kty?: unknown }).kty !== 'string') {
      throw invalidMetadata('each key of jwks must be a JWK object with kty');
    }
    const jwk: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(key as Record<string, unknown>)) {
      if (k === '__proto__') continue;
      if (typeof v === 'string') jwk[k] = text(`jwks member ${k}`, v, { ...rules, maxString: Math.max(rules.maxString, 8192) });
      else if (Array.isArray(v) && v.length <= 16 && v.every((s) => typeof s === 'string' && s.length <= 8192)) jwk[k] = v.slice();
      else throw invalidMetadata(`jwks member ${k} must be a string or an array of strings`);
    }
    if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((k) => k in jwk)) throw invalidMetadata('jwks must hold public keys only');
    out.push(jwk);
  }
  return { keys: out };
}

/**
 * Check the metadata a client sent (the parsed JSON body) and complete it
 * with the defaults. Throws `invalid_redirect_uri` or
 * `invalid_client_metadata` (RFC 7591 §3.2.2) naming the first problem.
 *
 * @param body the parsed request body
 * @param rules limits and allowances
 * @returns the metadata to register
 */
export function checkClientMetadata(body: unknown, rules: MetadataRules): ClientMetadata {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidMetadata('The request body must be a JSON object');
  const input = body as Record<string, unknown>;
  const has = (name: string): boolean => Object.prototype.hasOwnProperty.call(input, name) && input[name] !== undefined && input[name] !== null;

  const method = has('token_endpoint_auth_method') ? text('token_endpoint_auth_method', input.token_endpoint_auth_method, rules) : rules.defaultAuthMethod;
  if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(method)) throw invalidMetadata(`Unknown token_endpoint_auth_method: ${method}`);
  if (!rules.authMethods.includes(method as ClientAuthMethod)) throw invalidMetadata(`token_endpoint_auth_method ${method} is not accepted by this server`);

  const grantTypes = has('grant_types') ? list('grant_types', input.grant_types, rules) : ['authorization_code'];
  const responseTypes = has('response_types') ? list('response_types', input.response_types, rules) : ['code'];
  if (grantTypes.length === 0) throw invalidMetadata('grant_types must not be empty');
  for (const g of grantTypes) {
    if (rules.grantTypes && !rules.grantTypes.includes(g)) throw invalidMetadata(`Unsupported grant type: ${g}`);
  }
  for (const r of responseTypes) {
    if (!/^[a-z_]+( [a-z_]+)*$/.test(r)) throw invalidMetadata(`Malformed response type: ${r}`);
    if (rules.responseTypes && !rules.responseTypes.includes(r)) throw invalidMetadata(`Unsupported response type: ${r}`);
  }
  // RFC 7591 §2.1: each response type needs its grant type, and the other way round.
  const words = new Set(responseTypes.flatMap((r) => r.split(' ')));
  if (words.has('code') !== grantTypes.includes('authorization_code')) {
    throw invalidMetadata('grant_types and response_types are inconsistent: response type code goes with grant type authorization_code');
  }
  if (words.has('token') !== grantTypes.includes('implicit')) {
    throw invalidMetadata('grant_types and response_types are inconsistent: response type token goes with grant type implicit');
  }

  const out: ClientMetadata = { token_endpoint_auth_method: method as ClientAuthMethod, grant_types: grantTypes, response_types: responseTypes };

  const redirecting = grantTypes.some((g) => REDIRECTING.has(g));
  if (has('redirect_uris')) {
    const uris = list('redirect_uris', input.redirect_uris, rules);
    for (const uri of uris) {
      const problem = redirectUriProblem(uri, rules);
      if (problem) throw invalidRedirectUri(`Invalid redirect URI ${JSON.stringify(uri.slice(0, 200))}: ${problem}`);
    }
    if (uris.length === 0 && redirecting) throw invalidRedirectUri('redirect_uris must not be empty for the authorization_code and implicit grants');
    out.redirect_uris = uris;
  } else if (redirecting) {
    throw invalidRedirectUri('redirect_uris is required for the authorization_code and implicit grants');
  }

  for (const name of TEXT_FIELDS) if (has(name)) out[name] = text(name, input[name], rules);
  for (const name of URI_FIELDS) {
    if (!has(name)) continue;
    const value = text(name, input[name], rules);
    const url = webUrl(value);
    if (!url || value.includes('#')) throw invalidMetadata(`${name} must be an absolute http or https URL without a fragment`);
    if (name === 'jwks_uri' && url.protocol !== 'https:') throw invalidMetadata('jwks_uri must be an https URL');
    out[name] = value;
  }
  if (has('contacts')) out.contacts = list('contacts', input.contacts, rules);
  if (has('scope')) {
    const scope = text('scope', input.scope, rules);
    const values = scope.split(' ');
    if (!values.every((s) => SCOPE_TOKEN.test(s))) throw invalidMetadata('scope must be space-separated scope values');
    out.scope = scope;
  }
  if (has('jwks')) out.jwks = checkJwks(input.jwks, rules);

  // RFC 7591 §2: jwks and jwks_uri MUST NOT both be present.
  if (out.jwks && out.jwks_uri) throw invalidMetadata('jwks and jwks_uri must not both be present');
  if (method === 'private_key_jwt' && !out.jwks && !out.jwks_uri) throw invalidMetadata('private_key_jwt requires jwks or jwks_uri');
  return out;
}

/** Whether a client registered with `method` is given a secret: the secret methods and `client_secret_jwt`. */
export function issuesSecret(method: ClientAuthMethod): boolean {
  return SECRET_METHODS.includes(method) || method === 'client_secret_jwt';
}
