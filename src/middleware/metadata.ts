import { copyFields, responseTypesOf, type Advertised } from '../settings/advertised.js';
import { checkIssuer, type Profile } from '../settings/profile.js';
import type { Fapi2Settings } from '../settings/fapi2.js';
import { settingsOf } from '../settings/settings.js';
import { UnorderedList } from '../unorderedlist.js';
import type { Server } from '../server.js';
import type { Middleware } from '../types.js';
import { traced } from '../diagnostics/trace.js';
import { checkOptions, NON_NEGATIVE, type OptionTable } from '../lib/checkOptions.js';
import { guardErrors } from '../lib/misuse.js';

/**
 * Fields of an RFC 8414 authorization server metadata document. The common
 * ones are named for completion; any other registered or private field is
 * accepted as well.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export interface AuthorizationServerMetadata {
  /** The issuer identifier: an `https` URL without query or fragment. */
  issuer?: string;
  /** URL of the authorization endpoint. */
  authorization_endpoint?: string;
  /** URL of the token endpoint. */
  token_endpoint?: string;
  /** URL of the server's JSON Web Key Set. */
  jwks_uri?: string;
  /** URL of the dynamic client registration endpoint (RFC 7591). */
  registration_endpoint?: string;
  /** The scopes this server supports. */
  scopes_supported?: string[];
  /** The `response_type` values this server supports. */
  response_types_supported?: string[];
  /** The `response_mode` values this server supports. */
  response_modes_supported?: string[];
  /** The `grant_type` values this server supports. */
  grant_types_supported?: string[];
  /** Client authentication methods accepted at the token endpoint. */
  token_endpoint_auth_methods_supported?: string[];
  /** JWS algorithms accepted for client assertions at the token endpoint. */
  token_endpoint_auth_signing_alg_values_supported?: string[];
  /** URL of human-readable documentation. */
  service_documentation?: string;
  /** URL of the revocation endpoint (RFC 7009). */
  revocation_endpoint?: string;
  /** Client authentication methods accepted at the revocation endpoint. */
  revocation_endpoint_auth_methods_supported?: string[];
  /** URL of the introspection endpoint (RFC 7662). */
  introspection_endpoint?: string;
  /** Client authentication methods accepted at the introspection endpoint. */
  introspection_endpoint_auth_methods_supported?: string[];
  /** PKCE methods supported (RFC 7636), e.g. `S256`. */
  code_challenge_methods_supported?: string[];
  /** URL of the device authorization endpoint (RFC 8628). */
  device_authorization_endpoint?: string;
  /** URL of the pushed authorization request endpoint (RFC 9126). */
  pushed_authorization_request_endpoint?: string;
  /** Whether authorization requests must be pushed first (RFC 9126). */
  require_pushed_authorization_requests?: boolean;
  /** Whether authorization responses carry `iss` (RFC 9207). */
  authorization_response_iss_parameter_supported?: boolean;
  /**
   * The protected resources (their RFC 8707 / RFC 9728 identifiers) that
   * accept this server's tokens (RFC 9728 §4). Give it in `metadata`.
   */
  protected_resources?: string[];
  [field: string]: unknown;
}

/** Options of {@link metadata}. */
export interface MetadataOptions {
  /**
   * The issuer identifier: an `https` URL (`http` only on localhost and
   * loopback addresses) with no query or fragment. Defaults to the server's
   * `issuer` option.
   */
  issuer?: string;
  /**
   * Fields supplied by the application: the endpoints (which the library
   * cannot know, since the app chooses where to mount them) and anything else.
   * They replace what the library computed for the same field. An endpoint
   * value that starts with `/` is taken relative to the issuer.
   */
  metadata?: AuthorizationServerMetadata;
  /** `Cache-Control: max-age` in seconds. Default 600 (10 minutes); 0 sends `no-cache`. */
  maxAge?: number;
  /**
   * Send `Access-Control-Allow-Origin: *`, so browser-based clients can
   * discover the server. The document is public. Default `true`.
   */
  cors?: boolean;
}

/** Fields whose values are URLs, resolved against the issuer when they start with `/`. */
const URL_FIELD = /(_endpoint|_uri|^service_documentation)$/;

/**
 * The path where RFC 8414 §3.1 places the metadata of `issuer`: the
 * well-known suffix is inserted between the host and the issuer's path, so
 * `https://as.example/tenant` is served at
 * `/.well-known/oauth-authorization-server/tenant`.
 *
 * @example
 * ```ts
 * app.get(oauth2orize.metadataPath(ISSUER), server.metadata({ issuer: ISSUER, metadata: { token_endpoint: '/token' } }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 * @param issuer the issuer identifier, e.g. `https://as.example.com/tenant`
 * @param suffix the well-known name (default `oauth-authorization-server`)
 */
export function metadataPath(issuer: string, suffix = 'oauth-authorization-server'): string {
  const path = new URL(issuer).pathname.replace(/\/$/, '');
  return `/.well-known/${suffix}${path}`;
}

/** The issuer the document describes: the option, else the server's; checked as the server's is. */
function issuerOf(given: unknown): string {
  if (given === undefined || given === null || given === '') {
    throw new TypeError('oauth2orize.metadata requires an issuer (options.issuer or the server\'s issuer option)');
  }
  return checkIssuer(given, 'oauth2orize.metadata');
}

/** The grant types registered with `server.exchange()`, plus `implicit` when a response type issues tokens. */
function grantTypes(advertised: Advertised, responses: readonly string[]): string[] {
  const out = advertised.grantTypes.slice();
  // RFC 8414 names the implicit grant `implicit`; it has no exchange.
  if (responses.some((type) => type.split(' ').includes('token')) && !out.includes('implicit')) out.push('implicit');
  return out;
}

/**
 * Leave out of `doc` what the hardened profile refuses, so the document lists
 * only what the server accepts. The rule is the one the bundled modules
 * apply: `grant.token` answers `response_type=token` (exactly that type) with
 * `unsupported_response_type`, and `exchange.password` answers
 * `grant_type=password` with `unsupported_grant_type`, unless
 * `hardened: { allowImplicit, allowPassword }`. `implicit` goes too unless a
 * response type the server still accepts (a hybrid such as `code token`)
 * issues an access token from the authorization endpoint.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.4
 */
function leaveOutRefused(doc: AuthorizationServerMetadata, profile: Profile | undefined): void {
  if (!profile) return;
  if (profile.fapi2) leaveOutFapi2(doc, profile.fapi2);
  const responses = doc.response_types_supported;
  let grants = doc.grant_types_supported;
  if (!profile.allowImplicit && Array.isArray(responses)) {
    const kept = responses.filter((type) => !new UnorderedList(String(type)).equalTo('token'));
    if (kept.length) doc.response_types_supported = kept;
    else delete doc.response_types_supported;
    if (Array.isArray(grants) && !kept.some((type) => String(type).split(' ').includes('token'))) grants = grants.filter((type) => type !== 'implicit');
  }
  if (!profile.allowPassword && Array.isArray(grants)) grants = grants.filter((type) => type !== 'password');
  if (grants === doc.grant_types_supported) return;
  if (grants && grants.length) doc.grant_types_supported = grants;
  else delete doc.grant_types_supported;
}

/** The fields whose values are client authentication methods, and their signing algorithms. */
const AUTH_METHODS_FIELD = /_endpoint_auth_methods_supported$/;
const AUTH_ALGS_FIELD = /_endpoint_auth_signing_alg_values_supported$/;

/**
 * Under the FAPI 2.0 profile, keep in `doc` only what the preset accepts:
 * `response_type=code` (FAPI 2.0 SP §5.3.2.2), the `private_key_jwt` and mTLS
 * methods at every endpoint (§5.3.2.1) with the §5.4.1 algorithms, S256, and
 * the fields it turns on: pushed requests required (RFC 9126 §5) and `iss`
 * (RFC 9207 §3). A list left empty is left out.
 */
function leaveOutFapi2(doc: AuthorizationServerMetadata, fapi2: Fapi2Settings): void {
  const keep = (key: string, allowed: readonly string[]): void => {
    const list = doc[key];
    if (!Array.isArray(list)) return;
    const kept = list.filter((value) => allowed.includes(String(value)));
    if (kept.length) doc[key] = kept;
    else delete doc[key];
  };
  keep('response_types_supported', fapi2.responseTypes);
  for (const key of Object.keys(doc)) {
    if (AUTH_METHODS_FIELD.test(key)) keep(key, fapi2.clientAuthMethods);
    else if (AUTH_ALGS_FIELD.test(key)) keep(key, fapi2.algorithms);
  }
  doc.code_challenge_methods_supported = ['S256'];
  doc.require_pushed_authorization_requests = true;
  doc.authorization_response_iss_parameter_supported = true;
}

/**
 * Build the metadata document of `server`, as {@link metadata} serves it:
 * the issuer, the response and grant types registered on the server, what
 * grants, exchanges and endpoint helpers advertised, then the application's
 * own fields, which win. Under the hardened profile, the implicit and
 * password grants are left out unless the profile allows them; under the
 * FAPI 2.0 profile, everything the preset refuses.
 * @param server the server whose grants, exchanges and options are described
 * @param options `issuer` and the app's own `metadata` fields
 */
export function buildMetadata(server: Server<any, any>, options?: MetadataOptions): AuthorizationServerMetadata {
  const opts = options || {};
  const settings = settingsOf(server);
  const issuer = issuerOf(opts.issuer ?? (settings.profile && settings.profile.issuer));
  const doc: AuthorizationServerMetadata = { issuer };
  const responses = responseTypesOf(settings.advertised);
  if (responses.length) doc.response_types_supported = responses;
  const grants = grantTypes(settings.advertised, responses);
  if (grants.length) doc.grant_types_supported = grants;
  const contributed = copyFields(settings.advertised.fields);
  for (const key of Object.keys(contributed)) {
    if (key === '__proto__') continue;
    const value = contributed[key];
    const had = doc[key];
    doc[key] = Array.isArray(value) && Array.isArray(had) ? [...had, ...value.filter((v) => !had.includes(v))] : value;
  }
  leaveOutRefused(doc, settings.profile);
  const app = opts.metadata || {};
  const base = issuer.replace(/\/$/, '');
  for (const key of Object.keys(app)) {
    let value = app[key];
    if (value === undefined || key === '__proto__') continue;
    if (typeof value === 'string' && URL_FIELD.test(key) && value.startsWith('/')) value = base + value;
    doc[key] = value;
  }
  doc.issuer = issuer;
  return doc;
}

/** What each option of {@link metadata} accepts. */
const METADATA_OPTIONS = { issuer: 'string', metadata: 'object', maxAge: NON_NEGATIVE, cors: 'boolean' } as const satisfies OptionTable<MetadataOptions>;

/**
 * Create middleware that serves the RFC 8414 authorization server metadata
 * of `server` as JSON. Mount it at {@link metadataPath}`(issuer)`, normally
 * `/.well-known/oauth-authorization-server`. The document is rebuilt on each
 * request, so grants and exchanges registered later are included.
 *
 * The library fills in `issuer`, `response_types_supported` (from
 * `server.grant()`), `grant_types_supported` (from `server.exchange()`;
 * `'*'` exchanges are not listed), and whatever the registered grants,
 * exchanges and helpers advertise (PKCE methods, `private_key_jwt`, ...).
 * The application adds its endpoints, which only it knows, and may override
 * any field.
 *
 * Only `GET` and `HEAD` are answered; other methods fall through to `next()`.
 *
 * @example
 * ```ts
 * const ISSUER = 'https://as.example.com';
 * app.get('/.well-known/oauth-authorization-server', server.metadata({
 *   issuer: ISSUER,
 *   metadata: {
 *     authorization_endpoint: '/authorize',
 *     token_endpoint: '/token',
 *     revocation_endpoint: '/revoke',
 *     introspection_endpoint: '/introspect',
 *     token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
 *   },
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 * @param server the server to describe
 * @param options `issuer`, `metadata`, `maxAge`, `cors`
 */
export function metadata(server: Server<any, any>, options?: MetadataOptions): Middleware {
  if (!server) throw new TypeError('oauth2orize.metadata middleware requires a server argument');
  checkOptions('server.metadata', options, METADATA_OPTIONS);
  const opts = options || {};
  // Fail at construction on a missing or malformed issuer, not on the first request.
  buildMetadata(server, opts);
  const maxAge = opts.maxAge ?? 600;
  const cacheControl = maxAge > 0 ? `public, max-age=${Math.floor(maxAge)}` : 'no-cache';
  const cors = opts.cors !== false;

  return guardErrors('metadata', traced('metadata', function metadata(req, res, next) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let json: string;
    try {
      json = JSON.stringify(buildMetadata(server, opts));
    } catch (err) {
      return next(err);
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', cacheControl);
    if (cors) res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Content-Length', Buffer.byteLength(json));
    res.end(req.method === 'HEAD' ? undefined : json);
  }), { errorHandler: () => server.errorHandler() });
}
