/**
 * The client authentication methods, by their names in the IANA "OAuth Token
 * Endpoint Authentication Methods" registry, and the metadata fields that
 * advertise them.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
import { ASYMMETRIC_ALGORITHMS } from '../lib/assertionPolicy.js';

/**
 * A client authentication method, as named in RFC 7591 §2
 * (`token_endpoint_auth_method`) and the registries that extend it:
 *
 * - `client_secret_basic`: id and secret in HTTP Basic (RFC 6749 §2.3.1);
 * - `client_secret_post`: `client_id` and `client_secret` in the body;
 * - `client_secret_jwt`, `private_key_jwt`: a JWT assertion (RFC 7523 §2.2),
 *   signed with the secret (HMAC) or with the client's private key;
 * - `tls_client_auth`, `self_signed_tls_client_auth`: the client's TLS
 *   certificate (RFC 8705 §2);
 * - `none`: a public client, identified by `client_id` alone.
 *
 * @group Endpoints
 */
export type ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'none';

/** Every method, in the order the metadata lists them. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'client_secret_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
];

/** The methods that present a shared secret in the request. */
export const SECRET_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post'];

/** The methods that present a JWT assertion. */
export const ASSERTION_METHODS: readonly ClientAuthMethod[] = ['private_key_jwt', 'client_secret_jwt'];

/** The methods that rest on the TLS client certificate. */
export const CERTIFICATE_METHODS: readonly ClientAuthMethod[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

/**
 * The endpoints whose accepted methods RFC 8414 §2 and its extensions
 * advertise: `<endpoint>_endpoint_auth_methods_supported`. Pushed
 * authorization requests (RFC 9126 §2) and device authorization (RFC 8628
 * §3.1) accept the token endpoint's methods and have no field of their own.
 *
 * @group Endpoints
 */
export type ClientAuthEndpoint = 'token' | 'revocation' | 'introspection';

/** The endpoints {@link ClientAuthEndpoint} names. */
export const CLIENT_AUTH_ENDPOINTS: readonly ClientAuthEndpoint[] = ['token', 'revocation', 'introspection'];

/** The method of an assertion signed with `alg`: HMAC means the shared secret. */
export function assertionMethodOf(alg: unknown): ClientAuthMethod {
  return typeof alg === 'string' && /^HS\d+$/.test(alg) ? 'client_secret_jwt' : 'private_key_jwt';
}

/**
 * The RFC 8414 fields that advertise `methods` at each of `endpoints`, and,
 * when an assertion method is among them, the accepted signing algorithms
 * (`algorithms`, else the assertion checks' default, the asymmetric ones).
 */
export function authMethodsMetadata(
  methods: readonly ClientAuthMethod[],
  endpoints: readonly ClientAuthEndpoint[],
  algorithms: readonly string[] | undefined,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const listed = CLIENT_AUTH_METHODS.filter((m) => methods.includes(m));
  const signs = listed.some((m) => ASSERTION_METHODS.includes(m));
  for (const endpoint of endpoints) {
    fields[`${endpoint}_endpoint_auth_methods_supported`] = listed.slice();
    if (signs) fields[`${endpoint}_endpoint_auth_signing_alg_values_supported`] = (algorithms || ASYMMETRIC_ALGORITHMS).slice();
  }
  return fields;
}
