// server.ts: an authorization server for MCP clients (registration, PKCE, tokens bound to the MCP server's URL) and that MCP server.
//   npm install oauth2orize express express-session @modelcontextprotocol/sdk tsx
//   npx tsx server.ts
import { randomBytes } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import oauth2orize, { type RegisteredClient, bearer, invalidTarget, isSubsetOf, loopbackPublicClientPolicy, metadataPath,
  protectedResourceMetadata, protectedResourceMetadataPath } from 'oauth2orize';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
const PORT = Number(process.env.PORT ?? 3000), ISSUER = `http://localhost:${PORT}`, MCP = `${ISSUER}/mcp`;
interface Grant { client_id: string; sub: string; aud: string[]; exp: number; redirectUri?: string }
const clients = new Map<string, RegisteredClient>(), codes = new Map<string, Grant>(); // in memory: use your database
const accessTokens = new Map<string, Grant>(), refreshTokens = new Map<string, Grant>();
const token = () => randomBytes(32).toString('base64url'), now = () => Math.floor(Date.now() / 1000);
const take = (map: Map<string, Grant>, key: string, client: RegisteredClient) => { // uses up a code or refresh token
  const grant = map.get(key); map.delete(key); return grant?.client_id === client.clientId && grant.exp > now() ? grant : undefined; };
function issue(grant: Grant, resource: string[]) { // an access token for requested resources, all granted (RFC 8707)
  if (!isSubsetOf(resource, grant.aud)) throw invalidTarget();
  const [accessToken, refreshToken] = [token(), token()];
  accessTokens.set(accessToken, { ...grant, aud: resource.length ? resource : grant.aud, exp: now() + 3600 });
  refreshTokens.set(refreshToken, { ...grant, exp: now() + 30 * 86400 });
  return { accessToken, refreshToken, params: { expires_in: 3600 } };
}
const server = oauth2orize.createServer<RegisteredClient, { id: string }>({ issuer: ISSUER, hardened: true });
server.serializeClient((client, done) => done(null, client.clientId));
server.deserializeClient((id, done) => done(null, clients.get(String(id)) ?? false));
server.grant(oauth2orize.grant.code<RegisteredClient, { id: string }>(async ({ client, redirectURI, user, areq, pkce }) => {
  const code = token(); // remembers the resources the client asked for: the tokens' audience
  codes.set(code, { client_id: client.clientId, sub: user.id, aud: areq.resource ?? [], exp: now() + 60, redirectUri: redirectURI, ...pkce });
  return code;
}));
server.exchange(oauth2orize.exchange.code<RegisteredClient>({ pkce: { lookup: async ({ code }) => codes.get(code) } },
  async ({ client, code, redirectURI, resource }) => { const g = take(codes, code, client); return g && g.redirectUri === redirectURI && issue(g, resource); }));
server.exchange(oauth2orize.exchange.refreshToken<RegisteredClient>(async ({ client, refreshToken, resource }) => { // rotation
  const grant = take(refreshTokens, refreshToken, client); return !!grant && issue(grant, resource); }));
const app = express().use(session({ secret: token(), resave: false, saveUninitialized: false }), express.urlencoded({ extended: false }));
const signedIn: RequestHandler = (req, _res, next) => next(void Object.assign(req, { user: { id: 'alice' } })); // your sign-in here
app.post('/register', server.registration({ endpoint: `${ISSUER}/register`, allowLocalhost: true, policy: loopbackPublicClientPolicy },
  async (client) => void clients.set(client.clientId, client)), server.errorHandler()); // public loopback clients only, throttled
app.get('/authorize', signedIn, server.authorize(async ({ clientID, redirectURI }) => redirectURI
  && clients.get(clientID)?.metadata.redirect_uris?.includes(redirectURI) ? { client: clients.get(clientID)!, redirectURI } : false), (req, res) => res.send(`<p>${req.oauth2!.client.metadata.client_name?.replace(/\W/g, ' ')} wants to use your tools.</p><form method="post"
  action="/authorize/decision"><input type="hidden" name="transaction_id" value="${req.oauth2!.transactionID}"><button>Allow</button></form>`));
app.post('/authorize/decision', signedIn, server.decision());
app.post('/token', server.authenticateClient({ methods: ['none'], methodOf: (client) => client.metadata.token_endpoint_auth_method },
  async ({ clientId }) => clients.get(clientId) ?? null), server.token(), server.errorHandler());
app.get(metadataPath(ISSUER), server.metadata({ metadata: { authorization_endpoint: '/authorize', token_endpoint: '/token' } }));
app.get(protectedResourceMetadataPath(MCP), protectedResourceMetadata({ resource: MCP, authorizationServers: [ISSUER] })); // the MCP server
app.post('/mcp', bearer({ resource: MCP }, async (t: string) => accessTokens.get(t) ?? null), express.json(), async (req, res) => {
  const mcp = new McpServer({ name: 'demo', version: '1.0.0' });
  mcp.registerTool('whoami', {}, ({ authInfo }) => ({ content: [{ type: 'text', text: `${authInfo?.extra?.sub}` }] }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await mcp.connect(transport).then(() => transport.handleRequest(req, res, req.body));
});
app.listen(PORT, 'localhost', () => console.log(`MCP authorization server on ${ISSUER}, MCP server at ${MCP}`));
