/**
 * Typing of the metadata, revocation, introspection, token exchange, JWT
 * bearer and client assertion APIs, with unannotated callbacks in both the
 * context (arity 1) and positional forms. Compile-only.
 */
import oauth2orize, { createServer, type AuthorizationServerMetadata, type TokenExchangeRequest } from '../../src/index.js';
import { expectTrue, type Equal } from './assert.js';

interface MyClient { id: string; jwksUri?: string }
const server = createServer<MyClient>();

server.metadata({ issuer: 'https://as.example', metadata: { token_endpoint: '/token', custom: 1 } });
const doc: AuthorizationServerMetadata = oauth2orize.metadata(server, { issuer: 'https://as.example' }) as unknown as AuthorizationServerMetadata;
void doc;

server.revocation(async ({ client, token, tokenTypeHint }) => {
  expectTrue<Equal<typeof token, string>>();
  expectTrue<Equal<typeof tokenTypeHint, string | undefined>>();
  void client.id;
});
server.revocation((client, token, done) => { void client.id; void token.length; done(); });
server.revocation({ userProperty: 'client' }, (_client, _token, _hint, done) => done());

server.introspection(async ({ client, token }) => (client.id === token ? { scope: 'a', exp: 1 } : null));
server.introspection((_client, _token, done) => done(null, { active: true, sub: 'x' }));

server.exchange(oauth2orize.exchange.tokenExchange<MyClient>(async (ctx) => {
  expectTrue<Equal<typeof ctx.resource, string[]>>();
  expectTrue<Equal<typeof ctx.actorToken, string | undefined>>();
  return { accessToken: ctx.client.id + ctx.subjectToken, issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token' };
}));
server.exchange(oauth2orize.exchange.tokenExchange<MyClient>((client, request, done) => {
  const r: TokenExchangeRequest = request;
  done(null, client.id + r.subjectToken, { issued_token_type: r.subjectTokenType });
}));

server.exchange(oauth2orize.exchange.jwtBearer<MyClient>(async ({ assertion, claims, header }) => {
  expectTrue<Equal<typeof assertion, string>>();
  return String(claims.sub) + String(header.alg);
}));
server.exchange(oauth2orize.exchange.jwtBearer((_client, assertion, done) => done(null, assertion)));

server.clientAssertion({ jti: async ({ jti, exp }) => jti.length > 0 && exp > 0 }, async ({ clientId, claims }) => {
  expectTrue<Equal<typeof clientId, string>>();
  return claims.iss === clientId ? { id: clientId } : null;
});
server.clientAssertion((clientId, _assertion, done) => done(null, { id: clientId }));

// @ts-expect-error revoke is required
server.revocation();
// @ts-expect-error metadata options are an object
server.metadata('https://as.example');
