/**
 * The FAPI 2.0 mode of the example (`FAPI2=1`): the server is created with
 * oauth2orize's `profile: 'fapi2'` preset (docs/guides/fapi2.md), which
 * requires pushed authorization requests, `response_type=code` with PKCE
 * S256, confidential clients authenticated with `private_key_jwt` (or
 * mTLS), codes of at most 60 s, 303 redirects and DPoP-bound tokens. The
 * preset refuses everything else itself; this module only holds the demo
 * client that can pass: `demo-fapi`, with its key pair.
 *
 * @module fapi2
 */

/**
 * A confidential client that authenticates with `private_key_jwt` and uses
 * the code flow. As with `demo-jwt`, the private key is printed here so that
 * the demo can be tried; a real client registers only its public key.
 */
export const FAPI_CLIENT = Object.freeze({
  id: 'demo-fapi',
  name: 'Demo FAPI 2.0 App (private_key_jwt, DPoP)',
  grantTypes: Object.freeze(['authorization_code', 'refresh_token']),
  publicJwk: Object.freeze({
    kty: 'EC',
    crv: 'P-256',
    x: 'puniQWzhLEuDPC1vbaiubts2QMhCzxOFaO0Bbyon4EE',
    y: 'gVE8-s_ULTAkB_S72vDY9dtZUiXyBKjmRq3KFhVYXu0',
  }),
  privateJwk: Object.freeze({
    kty: 'EC',
    crv: 'P-256',
    x: 'puniQWzhLEuDPC1vbaiubts2QMhCzxOFaO0Bbyon4EE',
    y: 'gVE8-s_ULTAkB_S72vDY9dtZUiXyBKjmRq3KFhVYXu0',
    d: 'aVkY-2T6T0llM3yGRhWupmDLg9EVfPcfhcRNHpXgN8w',
  }),
});

/**
 * The server options of the mode: the preset instead of `hardened` (it
 * implies it); no implicit or password grant.
 * @param {string} issuer
 */
export function fapi2ServerOptions(issuer) {
  return { issuer, profile: /** @type {const} */ ('fapi2') };
}

/**
 * The client authentication methods an endpoint offers in the mode:
 * `private_key_jwt` only (the preset refuses secrets and public clients).
 * @param {readonly string[]} methods what the endpoint offers otherwise
 */
export function fapi2Methods(methods) {
  return methods.filter((m) => m === 'private_key_jwt');
}
