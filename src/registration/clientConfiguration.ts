import { randomBytes } from 'node:crypto';
import { TokenError } from '../errors/tokenerror.js';
import { call, once, prepare, shape, ZERO_OR_ONE } from '../lib/callback.js';
import { checkOptions, POSITIVE_INTEGER, NON_NEGATIVE, type OptionTable } from '../lib/checkOptions.js';
import { guardErrors } from '../lib/misuse.js';
import { safeEqual } from '../lib/safeEqual.js';
import { settingsOf } from '../settings/settings.js';
import { traced } from '../diagnostics/trace.js';
import { CLIENT_AUTH_METHODS } from '../clientauth/methods.js';
import type { Middleware, OAuth2IncomingMessage, OAuth2ServerResponse } from '../types.js';
import { checkClientMetadata, invalidMetadata, issuesSecret, type ClientMetadata } from './clientMetadata.js';
import { bearerOf, invalidToken, readBody, rulesOf, tokenHash, type MetadataRuleOptions, type RegisteredClient, type RegistrationManagementOptions } from './registration.js';

/**
 * Options of {@link clientConfiguration}: the metadata rules, which should
 * be those of the registration endpoint, and where the client's identifier is.
 *
 * @group Registration
 */
export interface ClientConfigurationOptions extends MetadataRuleOptions, RegistrationManagementOptions {
  /** The client identifier of a request. Default `req.params.clientId` (an Express route `/register/:clientId`). */
  clientIdOf?: (req: OAuth2IncomingMessage) => string | undefined;
  /** Largest request body, in bytes, when the endpoint reads the body itself. Default 16384. */
  maxBodyBytes?: number;
  /** Lifetime of a secret issued when an update moves the client to a secret method, in seconds; 0 for never. Default 0. */
  secretExpiresIn?: number;
  /** Clock, in milliseconds since the epoch. Default: the server's `clock`, else the system clock. */
  now?: () => number;
}

/**
 * The app's storage of registered clients, for {@link clientConfiguration}.
 * Each callback is `(value, done)` or the context form
 * (`({ clientId }) => ...` for `load` and `remove`, `(client) => ...` for `update`).
 *
 * @group Registration
 */
export interface ClientConfigurationStore {
  /** The client as `store` kept it (with its `registrationAccessTokenHash`), or null when unknown. */
  load: (clientId: string & { clientId: string }, done: (err?: unknown, client?: RegisteredClient | null) => void) => unknown;
  /** Replace the client's record with `client` (its metadata updated, maybe a new secret). Without it, `PUT` is not allowed. */
  update?: (client: RegisteredClient, done: (err?: unknown) => void) => unknown;
  /** Delete the client; its tokens and grants should go too. Without it, `DELETE` is not allowed. */
  remove?: (clientId: string & { clientId: string }, done: (err?: unknown) => void) => unknown;
}

const LOAD = shape({ positional: ['clientId'], contextArities: ZERO_OR_ONE });
const UPDATE = shape({ positional: ['client'], contextArities: ZERO_OR_ONE, context: (client) => client, result: (_v: unknown, done: (err?: unknown) => void) => done() });
const REMOVE = shape({ positional: ['clientId'], contextArities: ZERO_OR_ONE, result: (_v: unknown, done: (err?: unknown) => void) => done() });

/** What each option of {@link clientConfiguration} accepts. */
const CONFIGURATION_OPTIONS = {
  uri: 'function',
  clientIdOf: 'function',
  allowLocalhost: 'boolean',
  allowPrivateUseSchemes: 'boolean',
  authMethods: { kinds: ['array'], check: (v) => ((v as unknown[]).every((m) => (CLIENT_AUTH_METHODS as readonly unknown[]).includes(m)) ? undefined : 'must list only known methods') },
  defaultAuthMethod: { kinds: ['string'], check: (v) => ((CLIENT_AUTH_METHODS as readonly unknown[]).includes(v) ? undefined : 'must be a known method') },
  grantTypes: 'array',
  responseTypes: 'array',
  maxArrayLength: POSITIVE_INTEGER,
  maxStringLength: POSITIVE_INTEGER,
  maxBodyBytes: POSITIVE_INTEGER,
  secretExpiresIn: NON_NEGATIVE,
  now: 'function',
} as const satisfies OptionTable<ClientConfigurationOptions>;

/** Members of a `PUT` body that are not metadata the client may change (RFC 7592 §2.2). */
const SERVER_FIELDS = ['client_id', 'client_secret', 'client_id_issued_at', 'client_secret_expires_at', 'registration_access_token', 'registration_client_uri'];

/**
 * Create the client configuration endpoint of RFC 7592, for clients
 * registered with the `management` option of {@link registration}: mount
 * it on `registration_client_uri` (`app.all('/register/:clientId', ...)`).
 * Every request presents the client's registration access token as
 * `Authorization: Bearer`; a token that does not match the stored
 * `registrationAccessTokenHash` (compared in constant time), or a client
 * that is not found, is `401 invalid_token`.
 *
 * - `GET`: `200` with the client's information (RFC 7592 §2.1).
 * - `PUT`: the client's full metadata, `client_id` included, checked as at
 *   registration; `update` keeps it, and the answer is the new information
 *   (§2.2). Moving to a method with a secret issues one; moving away drops it.
 * - `DELETE`: `remove`, then `204` (§2.3).
 *
 * Other methods pass on (`next()`). Errors go to `next`, for `server.errorHandler()`.
 *
 * @param server the server whose clock and registered grants apply
 * @param options `uri`, the metadata rules of the registration endpoint, `clientIdOf`
 * @param store `load`, and `update` and `remove` for the methods they allow
 * @returns the endpoint middleware
 * @example
 * ```ts
 * const rules = { allowLocalhost: true };
 * const management = { uri: (id: string) => `https://as.example/register/${id}` };
 * app.post('/register', server.registration({ ...rules, management }, save), server.errorHandler());
 * app.all('/register/:clientId', server.clientConfiguration({ ...rules, ...management }, {
 *   load: ({ clientId }) => db.clients.find(clientId),
 *   update: (client) => db.clients.replace(client),
 *   remove: ({ clientId }) => db.clients.delete(clientId),
 * }), server.errorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2
 * @group Registration
 */
export function clientConfiguration(server: object, options: ClientConfigurationOptions, store: ClientConfigurationStore): Middleware {
  if (!server) throw new TypeError('oauth2orize.clientConfiguration middleware requires a server argument');
  checkOptions('server.clientConfiguration', options, CONFIGURATION_OPTIONS);
  if (!options || typeof options.uri !== 'function') throw new TypeError('oauth2orize.clientConfiguration requires options.uri');
  if (!store || typeof store.load !== 'function') throw new TypeError('oauth2orize.clientConfiguration requires a store with load');
  const settings = settingsOf(server);
  const clock = options.now || settings.clock;
  const rulesNow = rulesOf(settings, options);
  const maxBody = options.maxBodyBytes || 16384;
  const idOf = options.clientIdOf || ((req: OAuth2IncomingMessage) => (req as { params?: Record<string, unknown> }).params?.clientId as string | undefined);
  const load = prepare(LOAD, store.load);
  const update = store.update ? prepare(UPDATE, store.update) : undefined;
  const remove = store.remove ? prepare(REMOVE, store.remove) : undefined;

  return guardErrors('registration', traced('registration', function clientConfiguration(req, res, next) {
    const method = req.method;
    if (method !== 'GET' && method !== 'PUT' && method !== 'DELETE') return next();
    const fail = once((err: unknown) => next(err));
    let token: string | undefined;
    try {
      token = bearerOf(req);
    } catch (e) {
      return fail(e);
    }
    if (token === undefined) return fail(invalidToken(res, 'A registration access token is required', false));
    const clientId = idOf(req);
    if (typeof clientId !== 'string' || !clientId) return fail(invalidToken(res, 'The registration access token is invalid', true));
    call(load, once((err?: unknown, client?: RegisteredClient | null) => {
      if (err) return fail(err);
      const stored = client && client.registrationAccessTokenHash;
      if (!client || typeof stored !== 'string' || client.clientId !== clientId || !safeEqual(Buffer.from(tokenHash(token!)), Buffer.from(stored))) {
        return fail(invalidToken(res, 'The registration access token is invalid', true));
      }
      if (method === 'GET') return answer(res, 200, client, token!, options.uri(clientId));
      if (method === 'DELETE') {
        if (!remove) return fail(notAllowed(res, 'DELETE'));
        return call(remove, once((err?: unknown) => {
          if (err) return fail(err);
          res.statusCode = 204;
          res.setHeader('Cache-Control', 'no-store');
          res.end();
        }), 'done', clientId);
      }
      if (!update) return fail(notAllowed(res, 'PUT'));
      readBody(req, maxBody, (err, body) => {
        if (err) return fail(err);
        let metadata: ClientMetadata;
        try {
          if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidMetadata('The request body must be a JSON object');
          const given = body as Record<string, unknown>;
          if (given.client_id !== clientId) throw new TokenError('The client_id of the body must be the client\'s', 'invalid_request', null, 400);
          const rest: Record<string, unknown> = {};
          for (const key of Object.keys(given)) if (!SERVER_FIELDS.includes(key)) rest[key] = given[key];
          metadata = checkClientMetadata(rest, rulesNow());
        } catch (e) {
          return fail(e);
        }
        const next: RegisteredClient = { ...client, metadata };
        if (issuesSecret(metadata.token_endpoint_auth_method)) {
          if (!issuesSecret(client.metadata.token_endpoint_auth_method)) {
            const now = Math.floor(clock() / 1000);
            next.clientSecret = randomBytes(32).toString('base64url');
            next.clientSecretExpiresAt = options.secretExpiresIn ? now + Math.ceil(options.secretExpiresIn) : 0;
          }
        } else {
          delete next.clientSecret;
          delete next.clientSecretExpiresAt;
        }
        call(update, once((err?: unknown) => {
          if (err) return fail(err);
          answer(res, 200, next, token!, options.uri(clientId));
        }), 'done', next);
      });
    }), 'done', clientId);
  }), {});
}

/** A 405 for a method the app's store does not support. */
function notAllowed(res: OAuth2ServerResponse, method: string): TokenError {
  if (!res.headersSent) res.setHeader('Allow', 'GET');
  return new TokenError(`${method} is not supported for this client`, 'invalid_request', null, 405);
}

/** The client information response (RFC 7592 §3). */
function answer(res: OAuth2ServerResponse, status: number, client: RegisteredClient, token: string, uri: string): void {
  const body: Record<string, unknown> = { client_id: client.clientId };
  if (typeof client.clientSecret === 'string') body.client_secret = client.clientSecret;
  body.client_id_issued_at = client.clientIdIssuedAt;
  if (typeof client.clientSecret === 'string' || client.clientSecretExpiresAt !== undefined) body.client_secret_expires_at = client.clientSecretExpiresAt ?? 0;
  Object.assign(body, client.metadata);
  body.registration_access_token = token;
  body.registration_client_uri = uri;
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.end(JSON.stringify(body));
}
