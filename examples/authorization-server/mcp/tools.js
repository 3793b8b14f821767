/**
 * The demo MCP server: two tools that act for the signed-in user whose
 * access token reached `/mcp`.
 *
 * - `whoami`: who the token acts for, through which client, with which scopes;
 * - `connected_apps`: the applications this user has approved on this
 *   server, read from the example's database.
 *
 * The tools read the user from `authInfo`, which oauth2orize's bearer
 * middleware in front of `/mcp` set (`req.auth`, with the token's claims in
 * `extra`) and the SDK's transport hands to every request handler.
 *
 * @module mcp/tools
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';

/** The name and version this MCP server announces at initialization. */
export const MCP_SERVER_INFO = Object.freeze({ name: 'oauth2orize-example', version: '1.0.0' });

/**
 * The user an MCP request acts for, from the token the bearer check accepted.
 *
 * @param {import('../storage/db.js').Store} db
 * @param {import('@modelcontextprotocol/sdk/server/auth/types.js').AuthInfo | undefined} auth
 * @returns {import('../storage/db.js').User | undefined}
 */
function userOf(db, auth) {
  const sub = auth?.extra?.sub;
  return typeof sub === 'string' ? db.users.findById(Number(sub)) : undefined;
}

/**
 * A tool result for a request that reached a tool without a user (the
 * bearer check lets none through; a user deleted since the token was
 * issued can still end here).
 * @returns {import('@modelcontextprotocol/sdk/types.js').CallToolResult}
 */
const noUser = () => ({
  isError: true,
  content: [{ type: 'text', text: 'This request does not act for a user of this server.' }],
});

/**
 * A tool result carrying `value` both as structured content and, for
 * clients that only read text, as JSON text.
 * @param {Record<string, unknown>} value
 * @returns {import('@modelcontextprotocol/sdk/types.js').CallToolResult}
 */
const result = (value) => ({
  structuredContent: value,
  content: [{ type: 'text', text: JSON.stringify(value) }],
});

/**
 * Build a new MCP server with the demo tools. `/mcp` is stateless, so one
 * is built for every request; building it is cheap.
 *
 * @param {import('../storage/db.js').Store} db
 * @returns {McpServer}
 */
export function createMcpServer(db) {
  const server = new McpServer(MCP_SERVER_INFO);

  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description: 'The user this connection acts for, the application it goes through, and the scopes it was granted.',
      outputSchema: {
        username: z.string(),
        name: z.string(),
        email: z.string().optional().describe('Only with the email scope'),
        client: z.string().describe('The client_id the access token was issued to'),
        scopes: z.array(z.string()),
        expiresAt: z.number().optional().describe('When the access token expires, in epoch seconds'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ authInfo }) => {
      const user = userOf(db, authInfo);
      if (!user || !authInfo) return noUser();
      return result({
        username: user.username,
        name: user.name,
        ...(authInfo.scopes.includes('email') && user.email ? { email: user.email } : {}),
        client: authInfo.clientId,
        scopes: authInfo.scopes,
        ...(authInfo.expiresAt === undefined ? {} : { expiresAt: authInfo.expiresAt }),
      });
    },
  );

  server.registerTool(
    'connected_apps',
    {
      title: 'Connected applications',
      description: 'The applications you have approved on this authorization server, with the scopes you granted each.',
      outputSchema: {
        apps: z.array(
          z.object({
            clientId: z.string(),
            name: z.string(),
            scopes: z.array(z.string()),
            approvedAt: z.string().describe('When the approval last changed (ISO 8601)'),
          }),
        ),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ authInfo }) => {
      const user = userOf(db, authInfo);
      if (!user) return noUser();
      const apps = db.approvals.listForUser(user.id).map((approval) => ({
        clientId: approval.clientId,
        name: approval.clientName,
        scopes: approval.scope,
        approvedAt: new Date(approval.updatedAt * 1000).toISOString(),
      }));
      return result({ apps });
    },
  );

  return server;
}
