/**
 * The demo data: the user, the two clients, the scopes and a fixed PKCE pair
 * so that a ready-made authorization URL can be printed at start-up.
 *
 * Everything here is public on purpose. A real server would never ship
 * credentials in its source.
 *
 * @module demo
 */
import { s256 } from '../infra/security.js';

/** The resource owner seeded on first start. */
export const DEMO_USER = Object.freeze({
  username: 'alice',
  password: 'wonderland',
  name: 'Alice Liddell',
  email: 'alice@example.com',
});

/**
 * A confidential client: it has a secret and may use every grant (the
 * implicit and password grants only when the server turns them on).
 * Its secret is stored hashed, like a password.
 */
export const CONFIDENTIAL_CLIENT = Object.freeze({
  id: 'demo-confidential',
  secret: 'demo-confidential-secret',
  name: 'Demo Web App (confidential)',
  grantTypes: [
    'authorization_code',
    'implicit',
    'password',
    'client_credentials',
    'refresh_token',
    'urn:ietf:params:oauth:grant-type:token-exchange',
    'urn:ietf:params:oauth:grant-type:device_code',
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
  ],
  requirePKCE: true,
});

/**
 * A public client (a single-page or native app): no secret, so it proves
 * itself with PKCE instead, which is mandatory for it.
 */
export const PUBLIC_CLIENT = Object.freeze({
  id: 'demo-public',
  name: 'Demo Single-Page App (public)',
  // No implicit grant: it would let a public client skip PKCE.
  grantTypes: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
  requirePKCE: true,
});

/**
 * A public client bound to a DPoP key (RFC 9449, oauth/dpop.js): its tokens
 * are issued only with a proof, and its codes and refresh tokens work only
 * with that key.
 */
export const DPOP_CLIENT = Object.freeze({
  id: 'demo-dpop',
  name: 'Demo DPoP App (public, DPoP-bound)',
  grantTypes: Object.freeze(['authorization_code', 'refresh_token']),
  requirePKCE: true,
});

/**
 * A service client that authenticates with `private_key_jwt` (RFC 7523
 * §2.2): it signs a short JWT with its private key, and the server checks it
 * with the public key registered here. It acts for itself only
 * (client_credentials). The private key is printed here so that the demo can
 * be tried; a real client keeps it to itself and registers only the public
 * key (or a JWKS URL).
 */
export const JWT_CLIENT = Object.freeze({
  id: 'demo-jwt',
  name: 'Demo Service (private_key_jwt)',
  grantTypes: Object.freeze(['client_credentials']),
  publicJwk: Object.freeze({
    kty: 'EC',
    crv: 'P-256',
    x: 'jk0JY5JDlELNJYjBP5Iiz8YifEsLSLgCsxrVh945CZ4',
    y: 'oQL-96wJCLQ5Wh9ZTedK5gTsumH1ObFfSLACfggOgUU',
  }),
  privateJwk: Object.freeze({
    kty: 'EC',
    crv: 'P-256',
    x: 'jk0JY5JDlELNJYjBP5Iiz8YifEsLSLgCsxrVh945CZ4',
    y: 'oQL-96wJCLQ5Wh9ZTedK5gTsumH1ObFfSLACfggOgUU',
    d: 'eTs4SuvaGDm5aTv6WwdoZZNxQc0Asd_h2rUz5zxUiXQ',
  }),
});

/**
 * A resource server's credential: the demo MCP server (/mcp) as another
 * service would run it, asking /introspect about the tokens clients present
 * to it (RFC 7662 §2.1). It may introspect any token whose audience is its
 * resource (`RESOURCE_PATH` on this server's origin), and use no grant.
 */
export const RESOURCE_CLIENT = Object.freeze({
  id: 'demo-resource',
  secret: 'demo-resource-secret',
  name: 'Demo MCP resource server',
  resourcePath: '/mcp',
});

/**
 * An identity provider this server trusts for the JWT bearer grant (RFC 7523
 * §2.1): it signs assertions about its users (`sub`: a username here), and a
 * client that holds one trades it at /token for an access token for that user.
 * As with the service client, the private key is printed here so that the
 * demo can be tried; only the public key belongs on the server.
 */
export const DEMO_IDP = Object.freeze({
  issuer: 'https://idp.example',
  publicJwk: Object.freeze({
    kty: 'EC',
    crv: 'P-256',
    x: 'X0253U-ZjO8KKyb0SgZSPL8-aFKI-hxLujT62MUkUCg',
    y: 'smQrU9QrfrHuclxZaxrvtql3ttMN5PnJaX5Ta4P5z8A',
  }),
  privateJwk: Object.freeze({
    kty: 'EC',
    crv: 'P-256',
    x: 'X0253U-ZjO8KKyb0SgZSPL8-aFKI-hxLujT62MUkUCg',
    y: 'smQrU9QrfrHuclxZaxrvtql3ttMN5PnJaX5Ta4P5z8A',
    d: 'pViLfgOKqJpt7u49eP5In2ja-P1cq3amy3o5gTBCT_4',
  }),
});

/**
 * The scopes this server knows, with the sentence the consent page shows.
 * @type {Readonly<Record<string, string>>}
 */
export const SCOPES = Object.freeze({
  profile: 'See your username and display name',
  email: 'See your email address',
});

/** Granted when a request names no scope. */
export const DEFAULT_SCOPE = Object.freeze(['profile']);

/**
 * The redirect URIs registered for the demo clients, for a server reachable
 * at `origin`. They point at the example's own stand-in client pages.
 *
 * @param {string} origin e.g. `http://localhost:3000`
 * @returns {string[]}
 */
export function demoRedirectURIs(origin) {
  return [`${origin}/callback`, `${origin}/callback/implicit`];
}

/**
 * A fixed PKCE pair for the printed demo URL. Fixed so that the verifier can
 * be printed next to the URL and pasted into a curl command; a real client
 * makes a fresh random verifier for every request.
 */
export const DEMO_PKCE = Object.freeze({
  verifier: 'fixed-demo-code-verifier-never-reuse-one-in-a-real-client',
  challenge: s256('fixed-demo-code-verifier-never-reuse-one-in-a-real-client'),
  method: 'S256',
});

/** The `state` value used in the printed demo URL. */
export const DEMO_STATE = 'demo-state';

/**
 * An authorization URL on `origin`.
 * @param {string} origin
 * @param {Record<string, string>} params
 */
function authorizeURL(origin, params) {
  const url = new URL('/authorize', origin);
  url.search = new URLSearchParams(params).toString();
  return url.href;
}

/**
 * Ready-to-open authorization URLs for the demo clients.
 *
 * - `codeURL`: the confidential client, code flow, with the fixed PKCE
 *   challenge (this is the URL printed at start-up);
 * - `publicURL`: the same for the public client;
 * - `implicitURL`: the confidential client, implicit flow.
 *
 * @param {string} origin where this server is reachable
 * @param {string[]} redirectURIs the clients' registered redirect URIs
 *   (the seed registers the same two for both clients)
 * @returns {{ codeURL: string, publicURL: string, implicitURL: string, codeCallback: string }}
 */
export function demoLinks(origin, redirectURIs) {
  const codeCallback = redirectURIs.find((uri) => uri.endsWith('/callback')) ?? `${origin}/callback`;
  const implicitCallback = redirectURIs.find((uri) => uri.endsWith('/callback/implicit')) ?? `${origin}/callback/implicit`;
  /** @param {string} clientId */
  const pkce = (clientId) => ({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: codeCallback,
    scope: 'profile email',
    state: DEMO_STATE,
    code_challenge: DEMO_PKCE.challenge,
    code_challenge_method: DEMO_PKCE.method,
  });
  return {
    codeURL: authorizeURL(origin, pkce(CONFIDENTIAL_CLIENT.id)),
    publicURL: authorizeURL(origin, pkce(PUBLIC_CLIENT.id)),
    implicitURL: authorizeURL(origin, {
      response_type: 'token',
      client_id: CONFIDENTIAL_CLIENT.id,
      redirect_uri: implicitCallback,
      scope: 'profile',
      state: DEMO_STATE,
    }),
    codeCallback,
  };
}
