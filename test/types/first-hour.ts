/**
 * What a new user writes in the first hour, in strict TypeScript: the
 * README's PKCE snippet reads `areq.codeChallenge` as a string, `pkce: true`
 * is accepted, and the mistakes the runtime checks catch are type errors
 * too. Compile-only (tsc 5.9 and tsgo 7, `make typecheck`).
 */
import { createServer, grant, type PkceRecord } from '../../src/index.js';
import { expectTrue, type Equal } from './assert.js';

interface Client { id: string; secret?: string }
interface User { id: string }
declare const codes: Map<string, PkceRecord & { clientID: string; userID: string }>;

const server = createServer<Client, User>({ pkce: true });
createServer({ issuer: 'https://as.example.com', hardened: { allowImplicit: false }, pkce: { required: 'public', isPublic: (c: Client) => !c.secret } });

server.grant(grant.code<Client, User>((client, _redirectURI, user, _ares, areq, done) => {
  expectTrue<Equal<typeof areq.codeChallenge, string | undefined>>();
  expectTrue<Equal<typeof areq.codeChallengeMethod, string | undefined>>();
  const code = 'c-' + client.id;
  codes.set(code, { clientID: client.id, userID: user.id, codeChallenge: areq.codeChallenge, codeChallengeMethod: areq.codeChallengeMethod });
  done(null, code);
}));

// @ts-expect-error -- a string is not a boolean (the runtime check throws the same way)
createServer({ hardened: 'false' });
// @ts-expect-error -- a misspelt option
createServer({ hardend: true });
// @ts-expect-error -- required is true, false or 'public'
createServer({ pkce: { required: 'yes' } });
