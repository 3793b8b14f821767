/**
 * The protected resource metadata document of RFC 9728, and where it is
 * served: `/.well-known/oauth-protected-resource` with the resource's path
 * appended (RFC 9728 §3.1).
 */
import { checkOptions, STRINGS, NON_NEGATIVE, type OptionTable } from '../lib/checkOptions.js';
import type { Middleware } from '../types.js';
import { checkResourceURL } from './resourceURL.js';

/**
 * Fields of an RFC 9728 protected resource metadata document. The common
 * ones are named; any other registered or private field is accepted.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 * @group Resource servers
 */
export interface ProtectedResourceMetadata {
  /** The protected resource's identifier: the URL clients send as `resource` (RFC 8707). */
  resource: string;
  /** Issuer identifiers of the authorization servers that issue tokens for it. */
  authorization_servers?: string[];
  /** URL of the resource's JSON Web Key Set. */
  jwks_uri?: string;
  /** Scopes used in requests for the resource. */
  scopes_supported?: string[];
  /** How a bearer token may be presented: `header`, `body`, `query` (RFC 6750 §2). */
  bearer_methods_supported?: string[];
  /** JWS algorithms the resource accepts for signed responses. */
  resource_signing_alg_values_supported?: string[];
  /** Human-readable name of the resource. */
  resource_name?: string;
  /** URL of human-readable documentation for developers. */
  resource_documentation?: string;
  /** URL of the resource's policy on how clients may use its data. */
  resource_policy_uri?: string;
  /** URL of the resource's terms of service. */
  resource_tos_uri?: string;
  /** Whether the resource supports mutual-TLS certificate-bound tokens (RFC 8705). */
  tls_client_certificate_bound_access_tokens?: boolean;
  /** DPoP proof algorithms the resource accepts (RFC 9449). */
  dpop_signing_alg_values_supported?: string[];
  /** Whether every token used at the resource must be DPoP-bound. */
  dpop_bound_access_tokens_required?: boolean;
  [field: string]: unknown;
}

/**
 * Options of {@link protectedResourceMetadata}.
 *
 * @group Resource servers
 */
export interface ProtectedResourceMetadataOptions {
  /**
   * The resource identifier: an `https` URL (`http` only on localhost and
   * loopback addresses) without fragment, e.g. `https://api.example.com/mcp`.
   * Required.
   */
  resource: string;
  /** Issuer identifiers of the authorization servers, sent as `authorization_servers`. */
  authorizationServers?: readonly string[];
  /** Sent as `scopes_supported`. */
  scopesSupported?: readonly string[];
  /** Sent as `bearer_methods_supported`. Default `['header']`, what {@link bearer} accepts by default. */
  bearerMethodsSupported?: readonly string[];
  /** Sent as `resource_name`. */
  resourceName?: string;
  /** Further fields (`resource_documentation`, `jwks_uri`, ...); they win over the fields above. `resource` cannot be replaced. */
  metadata?: Partial<ProtectedResourceMetadata>;
  /** `Cache-Control: max-age` in seconds. Default 600; 0 sends `no-cache`. */
  maxAge?: number;
  /** Send `Access-Control-Allow-Origin: *` (the document is public). Default `true`. */
  cors?: boolean;
}

const OPTIONS = {
  resource: 'string',
  authorizationServers: STRINGS,
  scopesSupported: STRINGS,
  bearerMethodsSupported: STRINGS,
  resourceName: 'string',
  metadata: 'object',
  maxAge: NON_NEGATIVE,
  cors: 'boolean',
} as const satisfies OptionTable<ProtectedResourceMetadataOptions>;

/**
 * The path where RFC 9728 §3.1 places the metadata of `resource`: the
 * well-known suffix goes between the host and the resource's path, so
 * `https://api.example/mcp` is described at
 * `/.well-known/oauth-protected-resource/mcp`. Mount
 * {@link protectedResourceMetadata} there.
 *
 * @example
 * ```ts
 * // fragment
 * app.get(oauth2orize.protectedResourceMetadataPath('https://api.example/mcp'), ...);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 * @param resource the resource identifier
 * @group Resource servers
 */
export function protectedResourceMetadataPath(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `/.well-known/oauth-protected-resource${path}${url.search}`;
}

/**
 * The absolute URL of the metadata of `resource` (RFC 9728 §3.1): what
 * {@link bearer} sends as `resource_metadata` in its `WWW-Authenticate`
 * challenges (RFC 9728 §5.1).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 * @param resource the resource identifier
 * @group Resource servers
 */
export function protectedResourceMetadataURL(resource: string): string {
  return new URL(resource).origin + protectedResourceMetadataPath(resource);
}

/**
 * Build the RFC 9728 document {@link protectedResourceMetadata} serves.
 *
 * @param options the resource and its fields
 * @group Resource servers
 */
export function buildProtectedResourceMetadata(options: ProtectedResourceMetadataOptions): ProtectedResourceMetadata {
  checkOptions('oauth2orize.protectedResourceMetadata', options, OPTIONS);
  if (!options) throw new TypeError('oauth2orize.protectedResourceMetadata requires options with a resource');
  const resource = checkResourceURL(options.resource, 'oauth2orize.protectedResourceMetadata');
  const doc: ProtectedResourceMetadata = { resource };
  if (options.authorizationServers) doc.authorization_servers = options.authorizationServers.slice();
  if (options.scopesSupported) doc.scopes_supported = options.scopesSupported.slice();
  doc.bearer_methods_supported = (options.bearerMethodsSupported || ['header']).slice();
  if (options.resourceName !== undefined) doc.resource_name = options.resourceName;
  const extra = options.metadata || {};
  for (const key of Object.keys(extra)) {
    const value = extra[key];
    if (value === undefined || key === '__proto__' || key === 'resource') continue;
    doc[key] = value;
  }
  return doc;
}

/**
 * Create middleware that serves the protected resource metadata of one
 * resource (RFC 9728 §3) as JSON. Mount it at
 * {@link protectedResourceMetadataPath}`(resource)`; the document is built
 * once, at creation. Only `GET` and `HEAD` are answered; other methods fall
 * through to `next()`.
 *
 * @example
 * ```ts
 * // fragment
 * const RESOURCE = 'https://api.example.com/mcp';
 * app.get(oauth2orize.protectedResourceMetadataPath(RESOURCE), oauth2orize.protectedResourceMetadata({
 *   resource: RESOURCE,
 *   authorizationServers: ['https://as.example.com'],
 *   scopesSupported: ['tools:read'],
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 * @param options the resource and its fields
 * @group Resource servers
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): Middleware {
  const json = JSON.stringify(buildProtectedResourceMetadata(options));
  const maxAge = options.maxAge ?? 600;
  const cacheControl = maxAge > 0 ? `public, max-age=${Math.floor(maxAge)}` : 'no-cache';
  const cors = options.cors !== false;
  const length = Buffer.byteLength(json);
  return function protectedResourceMetadata(req, res, next) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', cacheControl);
    if (cors) res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Content-Length', length);
    res.end(req.method === 'HEAD' ? undefined : json);
  };
}
