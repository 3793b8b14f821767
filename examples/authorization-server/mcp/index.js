/**
 * A demo MCP server (Model Context Protocol) at `/mcp`, served with the
 * official SDK (`@modelcontextprotocol/sdk`) over the Streamable HTTP
 * transport, and protected by this authorization server's access tokens.
 *
 * What an MCP client does with it (the MCP authorization spec):
 * 1. it calls `/mcp` without a token and gets 401 with
 *    `WWW-Authenticate: Bearer resource_metadata="…"`;
 * 2. it reads that protected-resource metadata (RFC 9728), which names this
 *    server as the authorization server, then this server's metadata (RFC 8414);
 * 3. it registers (RFC 7591, mcp/clients.js) unless its `client_id` is the
 *    URL of its metadata document, runs the authorization code flow with
 *    PKCE and `resource` (RFC 8707) set to this endpoint's URL, and calls
 *    `/mcp` again with the access token.
 *
 * oauth2orize's `bearer()` checks the token: from the `Authorization` header
 * only, active, not expired, with this endpoint's URL in its audience (a
 * token asked for another resource is refused, 401 `invalid_token`), and
 * with the `profile` scope (403 `insufficient_scope`). Its
 * `protectedResourceMetadata()` serves the RFC 9728 document.
 *
 * The transport is stateless (no `Mcp-Session-Id`): each POST gets a fresh
 * MCP server, and the bearer token is checked on every request anyway. So
 * there is no session table to bound or expire, any instance can answer any
 * request (the example can keep its state in Redis and run several), and
 * the demo tools need no server-initiated messages.
 *
 * @module mcp
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import oauth2orize from 'oauth2orize';
import { SCOPES } from '../storage/demo.js';
import { createMcpServer } from './tools.js';
import { bindingsOf } from '../oauth/dpop.js';

/** Where the MCP endpoint is, on this server's origin. */
export const MCP_PATH = '/mcp';

/** The scopes every `/mcp` request needs: the tools read the user's profile. */
export const MCP_SCOPE = Object.freeze(['profile']);

/** Largest JSON-RPC request body accepted; the demo tools take no arguments. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Mount `/mcp` and its protected-resource metadata on `app`.
 *
 * @param {import('express').Express} app
 * @param {object} deps
 * @param {import('../storage/db.js').Store} deps.db
 * @param {string} deps.issuer this server's origin: the authorization
 *   server, and the origin of the MCP endpoint
 * @returns {{ resource: string, metadataURL: string }} the MCP endpoint's
 *   resource identifier and its metadata URL
 */
export function mountMcp(app, { db, issuer }) {
  const resource = `${issuer}${MCP_PATH}`;
  const metadataURL = oauth2orize.protectedResourceMetadataURL(resource);

  app.get(
    oauth2orize.protectedResourceMetadataPath(resource),
    oauth2orize.protectedResourceMetadata({
      resource,
      authorizationServers: [issuer],
      scopesSupported: Object.keys(SCOPES),
      resourceName: 'oauth2orize example MCP server',
    }),
  );

  // Every method is checked first, so a client without a token always learns
  // where to get one (401 with the metadata URL).
  // Bearer tokens, and DPoP-bound tokens with a proof (RFC 9449 §7): a bound
  // token (cnf.jkt) sent as Bearer is refused.
  app.all(MCP_PATH, oauth2orize.bearer({ resource, scopes: MCP_SCOPE, dpop: { baseUrl: issuer } }, tokenClaims(db)));

  app.post(MCP_PATH, async (req, res, next) => {
    const server = createMcpServer(db);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      // Plain JSON answers instead of an SSE stream: the tools answer at
      // once, and the exchange stays readable with curl.
      enableJsonResponse: true,
      maxRequestBodySize: MAX_BODY_BYTES,
      // The Streamable HTTP spec has servers check Origin against DNS
      // rebinding: a browser page may call /mcp only from this server's own
      // origin (requests without Origin, from non-browser clients, pass).
      enableDnsRebindingProtection: true,
      allowedOrigins: [new URL(issuer).origin],
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      // The transport reads the body itself (bounded by maxRequestBodySize)
      // and answers malformed JSON-RPC with a JSON-RPC error.
      await transport.handleRequest(req, res);
    } catch (err) {
      if (res.headersSent) res.destroy();
      else next(err);
    }
  });

  // Stateless: no stream for server-initiated messages (GET) and no session
  // to end (DELETE). The Streamable HTTP spec has the server answer 405.
  app.all(MCP_PATH, (_req, res) => {
    res
      .status(405)
      .set('Allow', 'POST')
      .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP server is stateless' }, id: null });
  });

  return { resource, metadataURL };
}

/**
 * The bearer middleware's `verify`: the claims of an access token from the
 * example's token table (an introspection response's shape, RFC 7662 §2.2),
 * or `null` for an unknown or revoked one. The middleware checks `exp`,
 * `aud` and `scope`; `req.auth.extra.sub` is the user the tools act for.
 *
 * @param {import('../storage/db.js').Store} db
 * @returns {(token: string) => Promise<import('oauth2orize').BearerTokenInfo | null>}
 */
function tokenClaims(db) {
  const bindings = bindingsOf(db);
  return async (/** @type {string} */ token) => {
    const stored = db.accessTokens.find(token);
    if (!stored || stored.revokedAt !== null || stored.expiresAt === null) return null;
    return {
      client_id: stored.clientId,
      scope: stored.scope,
      aud: stored.resource,
      exp: stored.expiresAt,
      // RFC 9449 §6: the key a DPoP-bound token is bound to (oauth/dpop.js).
      ...(bindings.jktOf(token) ? { cnf: { jkt: bindings.jktOf(token) } } : {}),
      ...(stored.userId === null ? {} : { sub: String(stored.userId) }),
    };
  };
}
