/**
 * Storage for the example: one SQLite file through better-sqlite3.
 *
 * `openDatabase()` creates the tables, seeds the demo user and clients when
 * the database is empty, and returns small repositories with the few queries
 * the server needs. better-sqlite3 is synchronous, so every query here
 * returns its result directly and `transaction()` makes a read-then-write
 * sequence atomic.
 *
 * Codes and tokens are stored as SHA-256 digests (see `infra/security.js`), never
 * in the clear.
 *
 * @module db
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { FAPI_CLIENT } from '../oauth/fapi2.js';
import { CONFIDENTIAL_CLIENT, DEMO_USER, DPOP_CLIENT, JWT_CLIENT, PUBLIC_CLIENT, RESOURCE_CLIENT, demoRedirectURIs } from './demo.js';
import { DEFAULT_SCRYPT_COST, hashPasswordSync, randomToken, tokenDigest } from '../infra/security.js';

/**
 * @typedef {object} User
 * @property {number} id
 * @property {string} username
 * @property {string} name
 * @property {string | null} email
 */

/**
 * @typedef {object} Client
 * @property {string} id
 * @property {string} name
 * @property {string | null} secretHash `null` for a public client
 * @property {boolean} isPublic
 * @property {string[]} redirectURIs registered callbacks, matched exactly
 * @property {string[]} grantTypes grants this client may use
 * @property {boolean} requirePKCE
 * @property {string | null} registeredAt for clients registered at /register
 *   or known from a client ID metadata document: when (ISO 8601); `null`
 *   for the clients seeded here
 */

/**
 * @typedef {object} AuthorizationCode
 * @property {string} clientId
 * @property {number} userId
 * @property {string | null} redirectURI as sent in the authorization request
 * @property {string[]} scope
 * @property {string | null} codeChallenge
 * @property {string | null} codeChallengeMethod
 * @property {string} grantId the family of tokens this code leads to
 * @property {string[]} resource the resources (RFC 8707) the user granted access to
 * @property {number} expiresAt epoch seconds
 * @property {number | null} usedAt epoch seconds, once exchanged
 */

/**
 * @typedef {object} StoredToken
 * @property {string} clientId
 * @property {number | null} userId `null` for a client_credentials token
 * @property {string[]} scope
 * @property {string} grantId
 * @property {string[]} resource the token's audience (RFC 8707); for a
 *   refresh token, every resource of its grant
 * @property {number | null} expiresAt epoch seconds
 * @property {number | null} usedAt refresh tokens only: when it was rotated
 * @property {number | null} revokedAt
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  name          TEXT NOT NULL,
  email         TEXT
);
CREATE TABLE IF NOT EXISTS clients (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  secret_hash   TEXT,                        -- NULL: a public client
  redirect_uris TEXT NOT NULL,               -- JSON array, compared exactly
  grant_types   TEXT NOT NULL,               -- JSON array
  require_pkce  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS authorization_codes (
  code_hash             TEXT PRIMARY KEY,
  client_id             TEXT NOT NULL REFERENCES clients(id),
  user_id               INTEGER NOT NULL REFERENCES users(id),
  redirect_uri          TEXT,                -- NULL when the request had none
  scope                 TEXT NOT NULL,
  code_challenge        TEXT,
  code_challenge_method TEXT,
  grant_id              TEXT NOT NULL,
  expires_at            INTEGER NOT NULL,
  used_at               INTEGER
);
CREATE TABLE IF NOT EXISTS access_tokens (
  token_hash TEXT PRIMARY KEY,
  client_id  TEXT NOT NULL REFERENCES clients(id),
  user_id    INTEGER REFERENCES users(id),   -- NULL: client_credentials
  scope      TEXT NOT NULL,
  grant_id   TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  client_id  TEXT NOT NULL REFERENCES clients(id),
  user_id    INTEGER NOT NULL REFERENCES users(id),
  scope      TEXT NOT NULL,
  grant_id   TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,                         -- set when rotated
  revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS access_tokens_grant ON access_tokens(grant_id);
CREATE INDEX IF NOT EXISTS refresh_tokens_grant ON refresh_tokens(grant_id);
CREATE TABLE IF NOT EXISTS approvals (
  user_id    INTEGER NOT NULL REFERENCES users(id),
  client_id  TEXT NOT NULL REFERENCES clients(id),
  scope      TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, client_id)
);
`;

/** @returns {number} the current time in epoch seconds */
export function now() {
  return Math.floor(Date.now() / 1000);
}

/** @param {string} scope @returns {string[]} */
const splitScope = (scope) => (scope ? scope.split(' ') : []);

/**
 * Open (creating if needed) the example's database.
 *
 * @param {string} path a file path, or `':memory:'`
 * @param {object} [options]
 * @param {string} [options.origin] where the server will be reachable; the
 *   demo clients' redirect URIs are registered under it when seeding.
 *   Defaults to `http://localhost:3000`.
 * @param {number} [options.scryptCost] log2 of scrypt's N for the seeded
 *   password and secret (default 14). The tests lower it to run faster; the
 *   cost is stored in each hash, so verification follows it.
 */
export function openDatabase(path, { origin = 'http://localhost:3000', scryptCost = DEFAULT_SCRYPT_COST } = {}) {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.exec(SCHEMA);
  addColumns(sqlite);

  const isEmpty = /** @type {{ n: number }} */ (sqlite.prepare('SELECT count(*) AS n FROM users').get()).n === 0;
  if (isEmpty) seed(sqlite, origin, scryptCost);
  seedJwtClient(sqlite);
  seedDpopClient(sqlite, origin);
  seedFapiClient(sqlite, origin);
  seedResourceClient(sqlite, scryptCost);

  return createRepositories(sqlite);
}

/**
 * Columns added after the first schema, also to databases made before them:
 * the granted resources (RFC 8707, a JSON array) of codes and tokens, and
 * when a client registered itself (dynamic registration, client ID metadata
 * documents).
 * @param {import('better-sqlite3').Database} sqlite
 */
function addColumns(sqlite) {
  /** @type {[string, string, string][]} */
  const columns = [
    ['authorization_codes', 'resource', "TEXT NOT NULL DEFAULT '[]'"],
    ['access_tokens', 'resource', "TEXT NOT NULL DEFAULT '[]'"],
    ['refresh_tokens', 'resource', "TEXT NOT NULL DEFAULT '[]'"],
    ['clients', 'registered_at', 'TEXT'],
  ];
  for (const [table, column, type] of columns) {
    const present = /** @type {{ name: string }[]} */ (sqlite.prepare(`PRAGMA table_info(${table})`).all());
    if (!present.some((c) => c.name === column)) sqlite.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}

/**
 * Register the demo resource server (also in databases made before it
 * existed): a confidential client with no grant, whose credential may
 * introspect the tokens issued for its resource (/mcp).
 * @param {import('better-sqlite3').Database} sqlite
 * @param {number} scryptCost
 */
function seedResourceClient(sqlite, scryptCost) {
  if (sqlite.prepare('SELECT 1 FROM clients WHERE id = ?').get(RESOURCE_CLIENT.id)) return;
  sqlite
    .prepare("INSERT INTO clients (id, name, secret_hash, redirect_uris, grant_types, require_pkce) VALUES (?, ?, ?, '[]', '[]', 1)")
    .run(RESOURCE_CLIENT.id, RESOURCE_CLIENT.name, hashPasswordSync(RESOURCE_CLIENT.secret, scryptCost));
}

/**
 * Insert the demo user and clients.
 * @param {import('better-sqlite3').Database} sqlite
 * @param {string} origin
 * @param {number} scryptCost
 */
function seed(sqlite, origin, scryptCost) {
  const insertUser = sqlite.prepare(
    'INSERT INTO users (username, password_hash, name, email) VALUES (?, ?, ?, ?)',
  );
  const insertClient = sqlite.prepare(
    'INSERT INTO clients (id, name, secret_hash, redirect_uris, grant_types, require_pkce) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const redirectURIs = JSON.stringify(demoRedirectURIs(origin));
  sqlite.transaction(() => {
    insertUser.run(DEMO_USER.username, hashPasswordSync(DEMO_USER.password, scryptCost), DEMO_USER.name, DEMO_USER.email);
    for (const client of [CONFIDENTIAL_CLIENT, PUBLIC_CLIENT]) {
      insertClient.run(
        client.id,
        client.name,
        'secret' in client ? hashPasswordSync(client.secret, scryptCost) : null,
        redirectURIs,
        JSON.stringify(client.grantTypes),
        client.requirePKCE ? 1 : 0,
      );
    }
  })();
}

/**
 * Register the private_key_jwt demo client (also in databases made before it
 * existed). Its secret hash is of a random value nobody knows: it has no
 * usable secret, yet is not a public client; it authenticates only with a
 * signed assertion (oauth/assertion.js).
 * @param {import('better-sqlite3').Database} sqlite
 */
function seedJwtClient(sqlite) {
  sqlite
    .prepare(
      'INSERT OR IGNORE INTO clients (id, name, secret_hash, redirect_uris, grant_types, require_pkce) VALUES (?, ?, ?, ?, ?, 1)',
    )
    // A low scrypt cost is enough for a secret of 256 random bits.
    .run(JWT_CLIENT.id, JWT_CLIENT.name, hashPasswordSync(randomToken(), 10), '[]', JSON.stringify(JWT_CLIENT.grantTypes));
}

/**
 * Register the DPoP-bound public client (also in databases made before it existed).
 * @param {import('better-sqlite3').Database} sqlite
 * @param {string} origin
 */
function seedDpopClient(sqlite, origin) {
  sqlite
    .prepare('INSERT OR IGNORE INTO clients (id, name, secret_hash, redirect_uris, grant_types, require_pkce) VALUES (?, ?, NULL, ?, ?, 1)')
    .run(DPOP_CLIENT.id, DPOP_CLIENT.name, JSON.stringify(demoRedirectURIs(origin)), JSON.stringify(DPOP_CLIENT.grantTypes));
}

/**
 * Register the FAPI 2.0 mode's client (oauth/fapi2.js): confidential, with
 * no usable secret (it authenticates with private_key_jwt only).
 * @param {import('better-sqlite3').Database} sqlite
 * @param {string} origin
 */
function seedFapiClient(sqlite, origin) {
  sqlite
    .prepare('INSERT OR IGNORE INTO clients (id, name, secret_hash, redirect_uris, grant_types, require_pkce) VALUES (?, ?, ?, ?, ?, 1)')
    .run(FAPI_CLIENT.id, FAPI_CLIENT.name, hashPasswordSync(randomToken(), 10), JSON.stringify(demoRedirectURIs(origin)), JSON.stringify(FAPI_CLIENT.grantTypes));
}

/**
 * Prepared statements wrapped in plain functions.
 * @param {import('better-sqlite3').Database} sqlite
 */
function createRepositories(sqlite) {
  /** @param {string} sql */
  const q = (sql) => sqlite.prepare(sql);

  const statements = {
    userById: q('SELECT * FROM users WHERE id = ?'),
    userByName: q('SELECT * FROM users WHERE username = ?'),
    clientById: q('SELECT * FROM clients WHERE id = ?'),
    // Self-registered clients: public, PKCE required. A document client's
    // row is refreshed each time its document is read again.
    upsertRegistered: q(`INSERT INTO clients (id, name, secret_hash, redirect_uris, grant_types, require_pkce, registered_at)
      VALUES (@id, @name, NULL, @redirectURIs, @grantTypes, 1, @registeredAt)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, redirect_uris = excluded.redirect_uris, grant_types = excluded.grant_types
      WHERE clients.registered_at IS NOT NULL`),
    insertCode: q(`INSERT INTO authorization_codes
      (code_hash, client_id, user_id, redirect_uri, scope, code_challenge, code_challenge_method, grant_id, resource, expires_at)
      VALUES (@codeHash, @clientId, @userId, @redirectURI, @scope, @codeChallenge, @codeChallengeMethod, @grantId, @resource, @expiresAt)`),
    codeByHash: q('SELECT * FROM authorization_codes WHERE code_hash = ?'),
    markCodeUsed: q('UPDATE authorization_codes SET used_at = ? WHERE code_hash = ?'),
    insertAccess: q(`INSERT INTO access_tokens (token_hash, client_id, user_id, scope, grant_id, resource, expires_at)
      VALUES (@tokenHash, @clientId, @userId, @scope, @grantId, @resource, @expiresAt)`),
    accessByHash: q('SELECT * FROM access_tokens WHERE token_hash = ?'),
    insertRefresh: q(`INSERT INTO refresh_tokens (token_hash, client_id, user_id, scope, grant_id, resource, expires_at)
      VALUES (@tokenHash, @clientId, @userId, @scope, @grantId, @resource, @expiresAt)`),
    refreshByHash: q('SELECT * FROM refresh_tokens WHERE token_hash = ?'),
    markRefreshUsed: q('UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?'),
    revokeAccessByGrant: q('UPDATE access_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL'),
    revokeRefreshByGrant: q('UPDATE refresh_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL'),
    approval: q('SELECT scope FROM approvals WHERE user_id = ? AND client_id = ?'),
    approvalsByUser: q(`SELECT approvals.client_id, clients.name, approvals.scope, approvals.updated_at
      FROM approvals JOIN clients ON clients.id = approvals.client_id WHERE approvals.user_id = ? ORDER BY approvals.client_id`),
    upsertApproval: q(`INSERT INTO approvals (user_id, client_id, scope, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, updated_at = excluded.updated_at`),
  };

  /** @param {any} row @returns {User | undefined} */
  const toUser = (row) => row && { id: row.id, username: row.username, name: row.name, email: row.email };

  /** @param {any} row @returns {Client | undefined} */
  const toClient = (row) =>
    row && {
      id: row.id,
      name: row.name,
      secretHash: row.secret_hash,
      isPublic: row.secret_hash === null,
      redirectURIs: JSON.parse(row.redirect_uris),
      grantTypes: JSON.parse(row.grant_types),
      requirePKCE: row.require_pkce === 1,
      registeredAt: row.registered_at ?? null,
    };

  /** @param {any} row @returns {StoredToken | undefined} */
  const toToken = (row) =>
    row && {
      clientId: row.client_id,
      userId: row.user_id,
      scope: splitScope(row.scope),
      grantId: row.grant_id,
      resource: JSON.parse(row.resource ?? '[]'),
      expiresAt: row.expires_at,
      usedAt: row.used_at ?? null,
      revokedAt: row.revoked_at,
    };

  return {
    /** The underlying better-sqlite3 handle. */
    sqlite,

    /**
     * Run `fn` inside one SQLite transaction and return its result.
     * @template T
     * @param {() => T} fn
     * @returns {T}
     */
    transaction: (fn) => sqlite.transaction(fn)(),

    users: {
      /** @param {number} id */
      findById: (id) => toUser(statements.userById.get(id)),
      /** @param {string} username */
      findByUsername: (username) => toUser(statements.userByName.get(username)),
      /**
       * A user with their password hash, for checking a login. Kept apart
       * from the other finders so the hash never travels with `req.user`.
       * @param {string} username
       * @returns {{ user: User, passwordHash: string } | undefined}
       */
      findLogin(username) {
        const row = /** @type {any} */ (statements.userByName.get(username));
        return row && { user: /** @type {User} */ (toUser(row)), passwordHash: row.password_hash };
      },
    },

    clients: {
      /** @param {string} id */
      findById: (id) => toClient(statements.clientById.get(id)),
      /**
       * Keep a public client that registered itself (/register) or whose
       * client ID metadata document was read; never overwrites a seeded client.
       * @param {{ id: string, name: string, redirectURIs: string[], grantTypes: string[] }} client
       * @returns {Client | undefined} the stored client
       */
      saveRegistered(client) {
        statements.upsertRegistered.run({
          id: client.id,
          name: client.name,
          redirectURIs: JSON.stringify(client.redirectURIs),
          grantTypes: JSON.stringify(client.grantTypes),
          registeredAt: new Date().toISOString(),
        });
        return toClient(statements.clientById.get(client.id));
      },
    },

    codes: {
      /**
       * @param {string} code the plain code; only its digest is stored
       * @param {Omit<AuthorizationCode, 'usedAt'>} data
       */
      create(code, data) {
        statements.insertCode.run({ ...data, codeHash: tokenDigest(code), scope: data.scope.join(' '), resource: JSON.stringify(data.resource) });
      },
      /**
       * @param {string} code
       * @returns {AuthorizationCode | undefined}
       */
      find(code) {
        const row = /** @type {any} */ (statements.codeByHash.get(tokenDigest(code)));
        return (
          row && {
            clientId: row.client_id,
            userId: row.user_id,
            redirectURI: row.redirect_uri,
            scope: splitScope(row.scope),
            codeChallenge: row.code_challenge,
            codeChallengeMethod: row.code_challenge_method,
            grantId: row.grant_id,
            resource: JSON.parse(row.resource),
            expiresAt: row.expires_at,
            usedAt: row.used_at,
          }
        );
      },
      /** @param {string} code */
      markUsed: (code) => statements.markCodeUsed.run(now(), tokenDigest(code)),
    },

    accessTokens: {
      /**
       * @param {string} token
       * @param {{ clientId: string, userId: number | null, scope: string[], grantId: string, resource: string[], expiresAt: number }} data
       */
      create(token, data) {
        statements.insertAccess.run({ ...data, tokenHash: tokenDigest(token), scope: data.scope.join(' '), resource: JSON.stringify(data.resource) });
      },
      /** @param {string} token */
      find: (token) => toToken(statements.accessByHash.get(tokenDigest(token))),
    },

    refreshTokens: {
      /**
       * @param {string} token
       * @param {{ clientId: string, userId: number, scope: string[], grantId: string, resource: string[], expiresAt: number }} data
       */
      create(token, data) {
        statements.insertRefresh.run({ ...data, tokenHash: tokenDigest(token), scope: data.scope.join(' '), resource: JSON.stringify(data.resource) });
      },
      /** @param {string} token */
      find: (token) => toToken(statements.refreshByHash.get(tokenDigest(token))),
      /** @param {string} token */
      markUsed: (token) => statements.markRefreshUsed.run(now(), tokenDigest(token)),
    },

    /**
     * Revoke every access and refresh token of one grant (one family).
     * @param {string} grantId
     */
    revokeGrant(grantId) {
      const at = now();
      statements.revokeAccessByGrant.run(at, grantId);
      statements.revokeRefreshByGrant.run(at, grantId);
    },

    approvals: {
      /**
       * The scopes a user has already approved for a client.
       * @param {number} userId
       * @param {string} clientId
       * @returns {string[]}
       */
      find(userId, clientId) {
        const row = /** @type {{ scope: string } | undefined} */ (statements.approval.get(userId, clientId));
        return row ? splitScope(row.scope) : [];
      },
      /**
       * Every client a user has approved, with its name, the approved scopes
       * and when the approval last changed (epoch seconds).
       * @param {number} userId
       * @returns {{ clientId: string, clientName: string, scope: string[], updatedAt: number }[]}
       */
      listForUser(userId) {
        const rows = /** @type {{ client_id: string, name: string, scope: string, updated_at: number }[]} */ (
          statements.approvalsByUser.all(userId)
        );
        return rows.map((row) => ({ clientId: row.client_id, clientName: row.name, scope: splitScope(row.scope), updatedAt: row.updated_at }));
      },
      /**
       * Add scopes to what a user has approved for a client.
       * @param {number} userId
       * @param {string} clientId
       * @param {string[]} scope
       */
      remember(userId, clientId, scope) {
        const merged = new Set([...this.find(userId, clientId), ...scope]);
        statements.upsertApproval.run(userId, clientId, [...merged].sort().join(' '), now());
      },
    },

    /** Close the database file. */
    close: () => sqlite.close(),
  };
}

/** @typedef {ReturnType<typeof openDatabase>} Store */
