// server.ts: a minimal OAuth 2.0 authorization server on Express 5, data in memory: authorization
// code with PKCE (S256), refresh tokens, client credentials, and the metadata (RFC 8414).
//   npm install oauth2orize express express-session tsx
//   npx tsx server.ts
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import oauth2orize, { TokenError, metadataPath } from 'oauth2orize';

const PORT = Number(process.env.PORT ?? 3000);
const ISSUER = `http://localhost:${PORT}`; // this server's own URL (https in production)
// ---- Data: in memory; use your database -------------------------------------------------
interface Client { id: string; secret: string; name: string; redirectUris: string[] }
interface User { id: string; username: string; password: string }
interface Grant { clientId: string; userId: string | undefined; scope: string[]; expiresAt: number }
interface Code extends Grant { redirectUri: string | undefined; codeChallenge?: string; codeChallengeMethod?: string }
const clients: Client[] = [{ id: 'demo-app', secret: 'demo-secret', name: 'Demo App', redirectUris: ['http://localhost:8080/callback'] }];
const users: User[] = [{ id: '1', username: 'alice', password: 'wonderland' }];
const codes = new Map<string, Code>(); // authorization code -> what it grants, with its PKCE challenge
const accessTokens = new Map<string, Grant>();
const refreshTokens = new Map<string, Grant>();

const randomToken = () => randomBytes(32).toString('base64url');
const findClient = (id: string) => clients.find((c) => c.id === id);
const sameSecret = (a: string, b: string) => { // constant time; store hashes in a real app
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Issues an access token (one hour) and, for a user's grant, a refresh token (30 days). */
function issueTokens(grant: Omit<Grant, 'expiresAt'>) {
  const accessToken = randomToken();
  accessTokens.set(accessToken, { ...grant, expiresAt: Date.now() + 3_600_000 });
  if (!grant.userId) return { accessToken, params: { expires_in: 3600 } };
  const refreshToken = randomToken();
  refreshTokens.set(refreshToken, { ...grant, expiresAt: Date.now() + 30 * 86_400_000 });
  return { accessToken, refreshToken, params: { expires_in: 3600, scope: grant.scope.join(' ') } };
}

// ---- oauth2orize ------------------------------------------------------------------------
// hardened: RFC 9700's defaults (PKCE S256 required, `iss` in responses, no implicit or password).
const server = oauth2orize.createServer<Client, User>({ issuer: ISSUER, hardened: true });
server.serializeClient((client, done) => done(null, client.id));
server.deserializeClient((id, done) => done(null, findClient(String(id)) ?? false));

// response_type=code: once the user allows, a single-use code that remembers the PKCE challenge.
server.grant(oauth2orize.grant.code<Client, User>(async ({ client, redirectURI, user, areq, pkce }) => {
  const code = randomToken();
  codes.set(code, { clientId: client.id, userId: user.id, redirectUri: redirectURI, scope: areq.scope ?? [],
    expiresAt: Date.now() + 60_000, ...pkce });
  return code;
}));

// grant_type=authorization_code: `lookup` returns the challenge that oauth2orize checks the
// code_verifier against before `issue` runs; `issue` returning false answers invalid_grant.
server.exchange(oauth2orize.exchange.code<Client>({ pkce: { lookup: async ({ code }) => codes.get(code) } },
  async ({ client, code, redirectURI }) => {
    const saved = codes.get(code);
    codes.delete(code); // single use
    if (!saved || saved.expiresAt < Date.now() || saved.clientId !== client.id || saved.redirectUri !== redirectURI) return false;
    return issueTokens({ clientId: client.id, userId: saved.userId, scope: saved.scope });
  }));

// grant_type=refresh_token: rotation; the old refresh token is used up.
server.exchange(oauth2orize.exchange.refreshToken<Client>(async ({ client, refreshToken, scope }) => {
  const saved = refreshTokens.get(refreshToken);
  refreshTokens.delete(refreshToken);
  if (!saved || saved.expiresAt < Date.now() || saved.clientId !== client.id) return false;
  if (scope && !scope.every((s) => saved.scope.includes(s))) throw new TokenError('Scope wider than granted', 'invalid_scope');
  return issueTokens({ clientId: client.id, userId: saved.userId, scope: scope ?? saved.scope });
}));

// grant_type=client_credentials: a token for the client itself, without a refresh token.
server.exchange(oauth2orize.exchange.clientCredentials<Client>(async ({ client, scope }) =>
  issueTokens({ clientId: client.id, userId: undefined, scope: scope ?? [] })));

// ---- Express: sign-in, consent, the token endpoint, metadata, an API ----------------------
declare module 'express-session' { interface SessionData { userId: string; returnTo: string } }
const app = express();
app.use(express.urlencoded({ extended: false }));
app.use(session({ secret: process.env.SESSION_SECRET ?? randomToken(), resave: false, saveUninitialized: false }));

/** oauth2orize reads the signed-in user from req.user; sends everyone else to /login. */
function signedIn(req: Request, res: Response, next: NextFunction) {
  const user = users.find((u) => u.id === req.session.userId);
  if (!user) {
    req.session.returnTo = req.originalUrl; // come back here after signing in
    return res.redirect('/login');
  }
  Object.assign(req, { user });
  next();
}
app.get('/login', (_req, res) => {
  res.send(`<form method="post"><input name="username"> <input name="password" type="password"> <button>Sign in</button></form>`);
});
app.post('/login', (req, res) => {
  const user = users.find((u) => u.username === req.body?.username);
  if (!user || !sameSecret(user.password, String(req.body.password))) return res.redirect('/login');
  const returnTo = req.session.returnTo ?? '/';
  req.session.regenerate(() => { // a new session id at sign-in
    req.session.userId = user.id;
    res.redirect(returnTo);
  });
});
app.get('/', signedIn, (_req, res) => { res.send('Signed in.'); });
// The authorization endpoint: the client and its exact redirect URI, then the consent page.
app.get('/authorize', signedIn,
  server.authorization((clientId, redirectUri, done) => {
    const client = findClient(clientId);
    if (!client || !redirectUri || !client.redirectUris.includes(redirectUri)) return done(null, false);
    done(null, client, redirectUri);
  }),
  (req, res) => {
    const { client, transactionID } = req.oauth2!;
    res.send(`<p>${escapeHtml(client.name)} wants access to your account.</p>
      <form method="post" action="/authorize/decision"><input type="hidden" name="transaction_id" value="${transactionID}">
      <button>Allow</button> <button name="cancel" value="deny">Deny</button></form>`);
  });
app.post('/authorize/decision', signedIn, server.decision());

// Client authentication: HTTP Basic (form-encoded, RFC 6749 §2.3.1) or the body, the secret
// compared in constant time; the client goes to req.user, where the exchanges read it. Failed
// attempts are throttled (hardened), and the metadata lists the methods.
const authenticateClient = server.authenticateClient(async ({ clientId }) => findClient(clientId) ?? null);
app.post('/token', authenticateClient, server.token(), server.errorHandler());
app.get(metadataPath(ISSUER), server.metadata({ metadata: { authorization_endpoint: '/authorize', token_endpoint: '/token' } }));

// An API that takes the access token in the Authorization header.
app.get('/api/me', (req, res) => {
  const [scheme, token = ''] = (req.get('authorization') ?? '').split(' ');
  const grant = scheme === 'Bearer' ? accessTokens.get(token) : undefined;
  if (!grant || grant.expiresAt < Date.now()) return res.status(401).set('WWW-Authenticate', 'Bearer').end();
  res.json({ client: grant.clientId, user: grant.userId ?? null, scope: grant.scope.join(' ') });
});

app.listen(PORT, 'localhost', () => console.log(`Authorization server on ${ISSUER}`));
