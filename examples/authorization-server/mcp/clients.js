/**
 * Clients that no administrator registered, the way MCP clients arrive:
 *
 * - **dynamic registration** (RFC 7591) at `/register`, open to public
 *   clients whose redirect URIs are all on a loopback address (native and
 *   desktop apps, RFC 8252), throttled per address;
 * - **client ID metadata documents**: a `client_id` that is an https URL
 *   where the client publishes its metadata, fetched by oauth2orize's
 *   resolver (guarded against server-side request forgery, cached).
 *
 * Both end up as rows of the example's `clients` table (public, PKCE
 * required, `registered_at` set), so that codes, tokens and approvals refer
 * to them like to any other client. A document client's row is refreshed
 * from its document each time the document is read.
 *
 * @module mcp/clients
 */
import oauth2orize from 'oauth2orize';

const { isClientIdMetadataUrl, loopbackPublicClientPolicy, TokenError } = oauth2orize;

/**
 * @typedef {import('../storage/db.js').Client} Client
 * @typedef {import('../storage/db.js').Store} Store
 */

/**
 * @typedef {object} ClientIdMetadataSettings
 * @property {boolean} [allowLoopback] fetch documents from loopback
 *   addresses: for development and tests only (a local https server)
 * @property {string | Buffer} [ca] a CA certificate to trust besides the
 *   system's, for a test server's certificate
 */

/**
 * @callback FindClient
 * @param {string} id a registered `client_id`, or a metadata document URL
 * @param {string} [redirectURI] at the authorization endpoint, the request's
 *   redirect URI, which a document must list exactly
 * @returns {Promise<Client | undefined>}
 */

/**
 * The example's client lookup: registered clients from the database,
 * document clients through oauth2orize's resolver. The resolver's errors
 * (`invalid_client`, or `invalid_request` for a redirect URI the document
 * does not list) are passed on.
 *
 * @param {any} server the oauth2orize server; the resolver advertises
 *   `client_id_metadata_document_supported` in its metadata
 * @param {Store} db
 * @param {ClientIdMetadataSettings} [settings]
 * @returns {FindClient}
 */
export function createClientDirectory(server, db, settings = {}) {
  const resolveDocument = server.clientIdMetadataDocuments({
    // MCP clients run a callback server on http://localhost:<port> too.
    allowLocalhost: true,
    ...(settings.allowLoopback ? { allowLoopback: true } : {}),
    ...(settings.ca ? { ca: settings.ca } : {}),
  });

  return async function findClient(id, redirectURI) {
    if (!isClientIdMetadataUrl(id)) return db.clients.findById(id);
    const document = await resolveDocument(id, redirectURI === undefined ? undefined : { redirectUri: redirectURI });
    // This example keeps no keys for document clients, so only public ones.
    if (document.token_endpoint_auth_method !== 'none') {
      throw new TokenError('This server accepts client ID metadata documents of public clients only', 'invalid_client');
    }
    return db.clients.saveRegistered({
      id,
      name: document.client_name ?? new URL(id).host,
      redirectURIs: document.redirect_uris ?? [],
      grantTypes: document.grant_types ?? ['authorization_code'],
    });
  };
}

/**
 * Mount the dynamic registration endpoint at `/register`.
 *
 * Registration is open to public clients with loopback redirect URIs only
 * (`loopbackPublicClientPolicy`); without an initial access token callback,
 * every other registration is refused. Each address may register
 * `perHour` clients an hour.
 *
 * @param {import('express').Express} app
 * @param {object} deps
 * @param {any} deps.server the oauth2orize server
 * @param {Store} deps.db
 * @param {string} deps.issuer
 * @param {number} [deps.perHour] registrations per address and hour (default 20)
 */
export function mountRegistration(app, { server, db, issuer, perHour = 20 }) {
  app.post(
    '/register',
    server.registration(
      {
        endpoint: `${issuer}/register`,
        allowLocalhost: true,
        policy: loopbackPublicClientPolicy,
        // Registered clients are public; they may ask for these grants.
        grantTypes: ['authorization_code', 'refresh_token'],
        responseTypes: ['code'],
        throttle: { max: perHour, window: 60 * 60 },
      },
      /** @param {import('oauth2orize').RegisteredClient} client */
      (client) => {
        db.clients.saveRegistered({
          id: client.clientId,
          name: client.metadata.client_name ?? 'Unnamed application',
          redirectURIs: client.metadata.redirect_uris ?? [],
          grantTypes: client.metadata.grant_types ?? ['authorization_code'],
        });
      },
    ),
    server.errorHandler(),
  );
}

/** The hosts of loopback redirect URIs, whose port may vary (RFC 8252 §7.3). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Whether the redirect URI of a request matches a registered one: exactly,
 * or, for `http` on a loopback host, exactly but for the port: a native app
 * listens on whatever port is free when it starts (RFC 8252 §7.3).
 *
 * @param {string} registered
 * @param {string} requested
 * @returns {boolean}
 */
export function redirectURIMatches(registered, requested) {
  if (registered === requested) return true;
  let a;
  let b;
  try {
    a = new URL(registered);
    b = new URL(requested);
  } catch {
    return false;
  }
  if (a.protocol !== 'http:' || b.protocol !== 'http:' || !LOOPBACK_HOSTS.has(a.hostname)) return false;
  a.port = '';
  b.port = '';
  // Compare the rest as written: the URL parser normalises, so the
  // requested URI must also equal its own serialisation but for the port.
  return a.href === b.href && requested === withPort(b, new URL(requested).port);
}

/**
 * @param {URL} url
 * @param {string} port
 */
function withPort(url, port) {
  const copy = new URL(url.href);
  copy.port = port;
  return copy.href;
}
