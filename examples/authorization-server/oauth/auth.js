/**
 * Passport: who is the user (login form, session), which client is calling
 * the token endpoint (HTTP Basic, body credentials, or a public client's
 * bare `client_id`), and whose access token reaches the API (Bearer).
 *
 * A separate `Passport` instance per app (instead of the shared default)
 * lets several copies of the example run in one process, as the tests do.
 *
 * @module auth
 */
import passport from 'passport';
import passportLocal from 'passport-local';
import passportHttp from 'passport-http';
import passportHttpBearer from 'passport-http-bearer';
import passportClientPassword from 'passport-oauth2-client-password';
import { now } from '../storage/db.js';
import { hashPasswordSync, verifyPassword } from '../infra/security.js';

/**
 * @typedef {import('../storage/db.js').Client} Client
 * @typedef {import('../storage/db.js').Store} Store
 */

/**
 * Lets a public client (one registered without a secret) identify itself at
 * the token endpoint with only `client_id` in the body, as RFC 6749 §3.2.1
 * describes. It never matches a confidential client, and it steps aside when
 * the request carries any other kind of credentials.
 *
 * Public clients prove nothing by this; what protects their codes is PKCE,
 * which `validate` makes mandatory for them.
 */
class PublicClientStrategy extends passport.Strategy {
  /** @param {(id: string) => Client | undefined} findClient */
  constructor(findClient) {
    super();
    this.name = 'public-client';
    this.findClient = findClient;
  }

  /**
   * @override
   * @param {import('express').Request} req
   * @this {PublicClientStrategy & { success(user: unknown): void, fail(): void }}
   */
  authenticate(req) {
    const body = req.body ?? {};
    if (req.headers.authorization || body.client_secret !== undefined || typeof body.client_id !== 'string') {
      return this.fail();
    }
    const client = this.findClient(body.client_id);
    if (!client || !client.isPublic) return this.fail();
    this.success(client);
  }
}

/** @type {string | undefined} made on first use, to keep start-up quick */
let dummyHash;

/**
 * Check a user's password. Shared by the login form and the password grant.
 *
 * An unknown username still costs one scrypt run, so the response time does
 * not reveal which usernames exist.
 *
 * @param {Store} db
 * @param {string} username
 * @param {string} password
 * @returns {Promise<import('../storage/db.js').User | undefined>}
 */
export async function checkUserPassword(db, username, password) {
  const login = db.users.findLogin(username);
  dummyHash ??= hashPasswordSync('not-a-real-password');
  const ok = await verifyPassword(password, login?.passwordHash ?? dummyHash);
  return login && ok ? login.user : undefined;
}

/**
 * Configure a Passport instance for the example.
 *
 * Strategies registered:
 * - `local`: the login form (username and password, checked with scrypt);
 * - `basic`: client id and secret in the `Authorization` header
 *   (`client_secret_basic`);
 * - `oauth2-client-password`: `client_id` and `client_secret` in the body
 *   (`client_secret_post`);
 * - `public-client`: a public client's bare `client_id` (`none`);
 * - `bearer`: access tokens at the API.
 *
 * @param {Store} db
 */
export function createPassport(db) {
  const authenticator = new passport.Passport();

  authenticator.use(
    new passportLocal.Strategy((username, password, done) => {
      if (typeof username !== 'string' || typeof password !== 'string') return done(null, false);
      checkUserPassword(db, username, password).then(
        (user) => (user ? done(null, user) : done(null, false, { message: 'Wrong username or password' })),
        done,
      );
    }),
  );

  // The session stores only the user's id.
  authenticator.serializeUser((/** @type {any} */ user, done) => done(null, user.id));
  authenticator.deserializeUser((/** @type {number} */ id, done) => done(null, db.users.findById(id) ?? false));

  /**
   * Check a confidential client's secret.
   * @param {string} clientId
   * @param {string} secret
   * @param {(err: Error | null, client?: Client | false) => void} done
   */
  function verifyClient(clientId, secret, done) {
    if (typeof clientId !== 'string' || typeof secret !== 'string') return done(null, false);
    const client = db.clients.findById(clientId);
    if (!client || client.secretHash === null) return done(null, false);
    verifyPassword(secret, client.secretHash).then((ok) => done(null, ok && client), done);
  }

  // RFC 6749 §2.3.1: the id and secret are form-urlencoded before they go
  // into the Basic header, so decode them (oauth4webapi, for one, encodes).
  authenticator.use(
    new passportHttp.BasicStrategy((clientId, secret, done) => {
      let id, pw;
      try {
        id = decodeURIComponent(clientId.replace(/\+/g, ' '));
        pw = decodeURIComponent(secret.replace(/\+/g, ' '));
      } catch {
        return done(null, false);
      }
      verifyClient(id, pw, done);
    }),
  );
  authenticator.use(new passportClientPassword.Strategy(verifyClient));
  authenticator.use(new PublicClientStrategy((id) => db.clients.findById(id)));

  // `req.user` becomes the user (or, for a client_credentials token, the
  // client) and `req.authInfo` what the token grants.
  authenticator.use(
    new passportHttpBearer.Strategy((token, done) => {
      const stored = db.accessTokens.find(token);
      if (!stored || stored.revokedAt !== null || stored.expiresAt === null || stored.expiresAt <= now()) {
        return done(null, false);
      }
      const principal = stored.userId === null ? db.clients.findById(stored.clientId) : db.users.findById(stored.userId);
      if (!principal) return done(null, false);
      done(null, principal, /** @type {any} */ ({ scope: stored.scope, clientId: stored.clientId, userId: stored.userId }));
    }),
  );

  return authenticator;
}
