import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { TokenError } from '../errors/tokenerror.js';
import { call, once, prepare, shape, ZERO_OR_ONE } from '../lib/callback.js';
import { checkOptions, POSITIVE, POSITIVE_INTEGER, NON_NEGATIVE, type OptionTable, type Rule } from '../lib/checkOptions.js';
import { guardErrors } from '../lib/misuse.js';
import { advertise, settingsOf, type Settings } from '../settings/settings.js';
import { responseTypesOf } from '../settings/advertised.js';
import { traced } from '../diagnostics/trace.js';
import { describeClient, isObserved, publishEvent, type ThrottledEvent } from '../diagnostics/channels.js';
import { MemoryAttemptStore, type AttemptStore } from '../stores/attempts.js';
import { normalizeAddress } from '../clientauth/throttle.js';
import { CLIENT_AUTH_METHODS, type ClientAuthMethod } from '../clientauth/methods.js';
import type { Middleware, OAuth2IncomingMessage, OAuth2ServerResponse } from '../types.js';
import { checkClientMetadata, invalidMetadata, issuesSecret, isLoopbackHost, type ClientMetadata, type MetadataRules } from './clientMetadata.js';

/**
 * A client the registration endpoint registered, as handed to the app's
 * `store` callback to keep. The endpoint answers the client with the same
 * values (RFC 7591 §3.2.1).
 *
 * Keep `clientSecret` as your client authentication expects it: a hash,
 * checked with `server.authenticateClient({ verifySecret })`, is the safer
 * choice; `secretOf` compares a secret kept in clear.
 *
 * @group Registration
 */
export interface RegisteredClient {
  /** The new client identifier. */
  clientId: string;
  /** The new secret, for the methods that use one (`client_secret_basic`, `client_secret_post`, `client_secret_jwt`); absent for the others. */
  clientSecret?: string;
  /** When the identifier was issued, in seconds since the epoch. */
  clientIdIssuedAt: number;
  /** When the secret expires, in seconds since the epoch; 0 for never. Absent without a secret. */
  clientSecretExpiresAt?: number;
  /** The metadata, checked and completed with the defaults of RFC 7591 §2. */
  metadata: ClientMetadata;
  /** What `initialAccessToken` answered for the token the request carried; absent for an anonymous registration. */
  initialAccess?: unknown;
  /**
   * With the `management` option (RFC 7592): the SHA-256 (base64url) of the
   * registration access token the client was given. Keep it: the client
   * configuration endpoint compares the token a request presents with it.
   */
  registrationAccessTokenHash?: string;
}

/**
 * The `management` option of {@link registration}: the client configuration
 * endpoint of RFC 7592, which {@link clientConfiguration} serves.
 *
 * @group Registration
 */
export interface RegistrationManagementOptions {
  /** The client configuration endpoint's URL for a client (`registration_client_uri`). */
  uri: (clientId: string) => string;
}

/**
 * The context object of a {@link RegistrationPolicy} in its context form.
 *
 * @group Registration
 */
export interface RegistrationPolicyContext {
  /** The metadata the client sent, checked and completed with the defaults. */
  metadata: ClientMetadata;
  /** What `initialAccessToken` answered for the request's token; `undefined` for an anonymous request. */
  initialAccess: unknown;
  /** The request. */
  req: OAuth2IncomingMessage;
}

/**
 * Decides whether a registration, its metadata checked, may proceed:
 * `true` lets it through, anything else refuses it. A refused anonymous
 * request, when the endpoint accepts initial access tokens, gets 401
 * `invalid_token` (present a token); any other refusal gets 400
 * `invalid_client_metadata`, with the string answered, if any, as its
 * description. An error thrown or rejected is passed on as it is (a
 * `TokenError` of the app's choosing renders as such).
 *
 * `(metadata, initialAccess, done)`, `(metadata, initialAccess, req, done)`,
 * or the context form `({ metadata, initialAccess, req }) => boolean | string`.
 *
 * @group Registration
 */
export type RegistrationPolicy = (
  metadata: ClientMetadata & RegistrationPolicyContext,
  initialAccess: unknown,
  done: ((err?: unknown, accept?: boolean | string) => void) | OAuth2IncomingMessage,
  ...rest: ((err?: unknown, accept?: boolean | string) => void)[]
) => unknown;

/**
 * The context object of an {@link InitialAccessTokenFunction} in its context form.
 *
 * @group Registration
 */
export interface InitialAccessTokenContext {
  /** The bearer token of the request's `Authorization` header. */
  token: string;
  /** The request. */
  req: OAuth2IncomingMessage;
}

/**
 * Checks an initial access token (RFC 7591 §3): answers what the token
 * grants (any truthy value, passed to the policy and the store as
 * `initialAccess`) or a falsy value to refuse it (401 `invalid_token`).
 * `(token, done)`, `(token, req, done)`, or the context form
 * `({ token, req }) => grant`.
 *
 * @group Registration
 */
export type InitialAccessTokenFunction = (
  token: string & InitialAccessTokenContext,
  done: ((err?: unknown, grant?: unknown) => void) | OAuth2IncomingMessage,
  ...rest: ((err?: unknown, grant?: unknown) => void)[]
) => unknown;

/**
 * Keeps a registered client (`store(client, done)`, or the context form
 * `async (client) => {}`). It is called once per registration, after every
 * check; an error fails the registration.
 *
 * @group Registration
 */
export type RegisteredClientStore = (client: RegisteredClient, done: (err?: unknown) => void) => unknown;

/**
 * How {@link registration} limits registrations per source address: every
 * registration request counts, accepted or not.
 *
 * @group Registration
 */
export interface RegistrationThrottleOptions {
  /** Where the counters live. Default a {@link MemoryAttemptStore} on the endpoint's clock. */
  store?: AttemptStore;
  /** Requests from one address within a window. Default 20. */
  max?: number;
  /** The window, in seconds, started by the first request. Default 3600. */
  window?: number;
}

/**
 * Options of {@link registration}.
 *
 * @group Registration
 */
export interface RegistrationOptions {
  /** The absolute URL of the endpoint, advertised as `registration_endpoint` (RFC 8414 §2). */
  endpoint?: string;
  /**
   * Checks an initial access token sent as `Authorization: Bearer`. With
   * it, and without a `policy`, every registration needs a valid token.
   */
  initialAccessToken?: InitialAccessTokenFunction;
  /**
   * Decides each registration after its metadata was checked. Default:
   * open registration without `initialAccessToken`; with it, only requests
   * whose token it accepted. {@link loopbackPublicClientPolicy} is a ready one.
   */
  policy?: RegistrationPolicy;
  /** Accept `http://localhost[:port]` redirect URIs as loopback (RFC 8252 §8.3 advises the IP literals; MCP clients use `localhost`). Default false. */
  allowLocalhost?: boolean;
  /** Accept private-use URI schemes of reverse domain names (`com.example.app:/cb`, RFC 8252 §7.1). Default false. */
  allowPrivateUseSchemes?: boolean;
  /** The `token_endpoint_auth_method` values a client may register. Default: every known method. */
  authMethods?: ClientAuthMethod[];
  /** The method of a client that names none. Default `client_secret_basic` (RFC 7591 §2). */
  defaultAuthMethod?: ClientAuthMethod;
  /** The grant types a client may register. Default: the exchanges registered on the server, plus `implicit` with the `token` grant; any, when none is registered. */
  grantTypes?: string[];
  /** The response types a client may register. Default: those registered on the server; any, when none is. */
  responseTypes?: string[];
  /** Largest request body, in bytes, when the endpoint reads the body itself. Default 16384. */
  maxBodyBytes?: number;
  /** Most entries in `redirect_uris`, `contacts`, `grant_types` and `response_types`. Default 10. */
  maxArrayLength?: number;
  /** Longest string value, in characters. Default 2000. */
  maxStringLength?: number;
  /** Lifetime of an issued secret, in seconds; 0 for a secret that does not expire. Default 0. */
  secretExpiresIn?: number;
  /** Limits registrations per source address; `false` turns it off. Default: 20 per address per hour, in memory. */
  throttle?: RegistrationThrottleOptions | false;
  /** Makes a client identifier. Default a random UUID. */
  generateClientId?: () => string;
  /**
   * Give each client a registration access token and the URL of its
   * configuration endpoint (RFC 7592), served by `server.clientConfiguration()`.
   * Default: none.
   */
  management?: RegistrationManagementOptions;
  /** Clock, in milliseconds since the epoch. Default: the server's `clock`, else the system clock. */
  now?: () => number;
}

/** `store(client, done)`, or the context form `store(client)`. */
const STORE = shape({ positional: ['client'], contextArities: ZERO_OR_ONE, context: (client) => client, result: (_v: unknown, done: (err?: unknown) => void) => done() });
/** `policy(metadata, initialAccess, done)`, adding `req`, or the context form. */
const POLICY = shape({ positional: ['metadata', 'initialAccess'], extras: ['req'], contextArities: ZERO_OR_ONE });
/** `initialAccessToken(token, done)`, adding `req`, or the context form. */
const INITIAL_ACCESS = shape({ positional: ['token'], extras: ['req'], contextArities: ZERO_OR_ONE });

const METHODS: Rule = {
  kinds: ['array'],
  check: (value) => ((value as unknown[]).every((m) => (CLIENT_AUTH_METHODS as readonly unknown[]).includes(m)) ? undefined : `must list only ${CLIENT_AUTH_METHODS.join(', ')}`),
};
const METHOD: Rule = {
  kinds: ['string'],
  check: (value) => ((CLIENT_AUTH_METHODS as readonly unknown[]).includes(value) ? undefined : `must be one of ${CLIENT_AUTH_METHODS.join(', ')}`),
};
const STRING_LIST: Rule = { kinds: ['array'], check: (value) => ((value as unknown[]).every((v) => typeof v === 'string') ? undefined : 'must hold only strings') };

/** What each option of {@link registration} accepts. */
const REGISTRATION_OPTIONS = {
  endpoint: 'string',
  initialAccessToken: 'function',
  policy: 'function',
  allowLocalhost: 'boolean',
  allowPrivateUseSchemes: 'boolean',
  authMethods: METHODS,
  defaultAuthMethod: METHOD,
  grantTypes: STRING_LIST,
  responseTypes: STRING_LIST,
  maxBodyBytes: POSITIVE_INTEGER,
  maxArrayLength: POSITIVE_INTEGER,
  maxStringLength: POSITIVE_INTEGER,
  secretExpiresIn: NON_NEGATIVE,
  throttle: ['object', 'false'],
  generateClientId: 'function',
  management: { kinds: ['object'], check: (value) => (typeof (value as { uri?: unknown }).uri === 'function' ? undefined : 'must have a uri function') },
  now: 'function',
} as const satisfies OptionTable<RegistrationOptions>;

const THROTTLE_OPTIONS = { store: 'object', max: POSITIVE_INTEGER, window: POSITIVE } as const satisfies OptionTable<RegistrationThrottleOptions>;

/** Most top-level members of a registration request. */
const MAX_MEMBERS = 64;

/**
 * A ready {@link RegistrationPolicy}: open registration for public clients
 * (`token_endpoint_auth_method: 'none'`) whose redirect URIs are all on a
 * loopback address (`http://127.0.0.1`, `http://[::1]`, any port, and
 * `http://localhost` when the endpoint allows it), as native and desktop
 * apps such as MCP clients register; every other registration needs an
 * initial access token that `initialAccessToken` accepted.
 *
 * @param ctx the metadata, the initial access grant, the request
 * @returns whether the registration may proceed
 * @example
 * ```ts
 * app.post('/register', server.registration({
 *   endpoint: 'https://as.example/register',
 *   allowLocalhost: true,
 *   policy: loopbackPublicClientPolicy,
 * }, (client) => db.clients.insert(client)), server.errorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @group Registration
 */
export function loopbackPublicClientPolicy(ctx: RegistrationPolicyContext): boolean {
  if (ctx.initialAccess !== undefined) return true;
  const m = ctx.metadata;
  if (m.token_endpoint_auth_method !== 'none') return false;
  const uris = m.redirect_uris || [];
  return uris.length > 0 && uris.every((uri) => {
    try {
      const url = new URL(uri);
      return url.protocol === 'http:' && isLoopbackHost(url.hostname, true);
    } catch {
      return false;
    }
  });
}

/**
 * Create the dynamic client registration endpoint (RFC 7591 §3). A client
 * posts its metadata as JSON; the endpoint checks it (redirect URIs: `https`,
 * or `http` on a loopback address per RFC 8252 §7.3, no fragment;
 * `grant_types` and `response_types` consistent per RFC 7591 §2.1; a known
 * `token_endpoint_auth_method`; bounded sizes), asks the `policy` (and,
 * with a bearer token, `initialAccessToken`), makes a `client_id` and, for
 * the methods that use one, a `client_secret`, hands the client to `store`,
 * and answers `201` with the registered metadata (RFC 7591 §3.2.1).
 *
 * Errors go to `next`, to be rendered by `server.errorHandler()`:
 * `invalid_redirect_uri` and `invalid_client_metadata` (400, RFC 7591
 * §3.2.2), `invalid_token` (401, with a `WWW-Authenticate: Bearer`
 * challenge) for a refused initial access token, `temporarily_unavailable`
 * (429 with `Retry-After`) past the throttle's limit.
 *
 * The body is read from `req.body` when a JSON parser ran
 * (`express.json()`), else from the request, up to `maxBodyBytes`.
 *
 * @param server the server whose settings (clock, registered grants) apply and whose metadata advertises the endpoint
 * @param options policy, initial access tokens, limits, throttle, `endpoint`
 * @param store keeps the registered client
 * @returns the endpoint middleware
 * @example
 * ```ts
 * app.post('/register', server.registration({ endpoint: 'https://as.example/register' },
 *   async (client) => { await db.clients.insert(client); }), server.errorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 * @group Registration
 */
export function registration(server: object, options: RegistrationOptions | undefined, store: RegisteredClientStore): Middleware {
  if (!server) throw new TypeError('oauth2orize.registration middleware requires a server argument');
  checkOptions('server.registration', options, REGISTRATION_OPTIONS);
  if (typeof store !== 'function') throw new TypeError('oauth2orize.registration middleware requires a store callback');
  const opts: RegistrationOptions = options || {};
  if (opts.throttle) checkOptions('server.registration throttle', opts.throttle, THROTTLE_OPTIONS);
  const settings = settingsOf(server);
  const clock = opts.now || settings.clock;
  const maxBody = opts.maxBodyBytes || 16384;
  const secretExpiresIn = opts.secretExpiresIn || 0;
  const makeId = opts.generateClientId || randomUUID;
  const save = prepare(STORE, store);
  const acceptsTokens = typeof opts.initialAccessToken === 'function';
  const checkToken = acceptsTokens ? prepare(INITIAL_ACCESS, opts.initialAccessToken!) : undefined;
  const policy = opts.policy ? prepare(POLICY, opts.policy) : undefined;
  const throttle = opts.throttle === false ? undefined : {
    store: (opts.throttle && opts.throttle.store) || new MemoryAttemptStore({ now: clock }),
    max: (opts.throttle && opts.throttle.max) || 20,
    window: (opts.throttle && opts.throttle.window) || 3600,
  };
  const rulesNow = rulesOf(settings, opts);
  advertise(server, { registration_endpoint: opts.endpoint });

  return guardErrors('registration', traced('registration', function registration(req, res, next) {
    const fail = once((err: unknown) => next(err));
    const address = addressOf(req);
    const go = (): void => readBody(req, maxBody, (err, body) => {
      if (err) return fail(err);
      let metadata: ClientMetadata;
      try {
        if (body && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length > MAX_MEMBERS) {
          throw invalidMetadata(`The request has more than ${MAX_MEMBERS} members`);
        }
        metadata = checkClientMetadata(body, rulesNow());
      } catch (e) {
        return fail(e);
      }
      authorizeRequest(metadata, (err, initialAccess) => {
        if (err) return fail(err);
        const now = Math.floor(clock() / 1000);
        let clientId: string;
        try {
          clientId = makeId();
        } catch (e) {
          return fail(e);
        }
        if (typeof clientId !== 'string' || !clientId) return fail(new Error('oauth2orize.registration: generateClientId must return a non-empty string'));
        const client: RegisteredClient = { clientId, clientIdIssuedAt: now, metadata };
        if (issuesSecret(metadata.token_endpoint_auth_method)) {
          client.clientSecret = randomBytes(32).toString('base64url');
          client.clientSecretExpiresAt = secretExpiresIn ? now + Math.ceil(secretExpiresIn) : 0;
        }
        if (initialAccess !== undefined) client.initialAccess = initialAccess;
        let registrationToken: string | undefined;
        if (opts.management) {
          registrationToken = randomBytes(32).toString('base64url');
          client.registrationAccessTokenHash = tokenHash(registrationToken);
        }
        call(save, once((err?: unknown) => {
          if (err) return fail(err);
          const answer: Record<string, unknown> = { client_id: client.clientId };
          if (client.clientSecret !== undefined) answer.client_secret = client.clientSecret;
          answer.client_id_issued_at = client.clientIdIssuedAt;
          if (client.clientSecretExpiresAt !== undefined) answer.client_secret_expires_at = client.clientSecretExpiresAt;
          Object.assign(answer, metadata);
          if (registrationToken !== undefined) {
            answer.registration_access_token = registrationToken;
            answer.registration_client_uri = opts.management!.uri(client.clientId);
          }
          res.statusCode = 201;
          res.setHeader('Content-Type', 'application/json');
          res.setHeader('Cache-Control', 'no-store');
          res.setHeader('Pragma', 'no-cache');
          res.end(JSON.stringify(answer));
        }), 'done', client);
      }, req, res);
    });
    if (!throttle) return go();
    const key = 'r|' + keyPart(normalizeAddress(address));
    Promise.resolve()
      .then(() => throttle.store.hit(key, throttle.window))
      .then(async (count) => {
        if (count <= throttle.max) return go();
        const left = await throttle.store.ttl(key);
        fail(throttled(res, left));
      })
      .catch((err: unknown) => fail(err || new Error('Registration throttle failed')));
  }), {});

  /** The bearer token, if any, then the policy: `then(err)` or `then(null, initialAccess)`. */
  function authorizeRequest(metadata: ClientMetadata, then: (err: unknown, initialAccess?: unknown) => void, req: OAuth2IncomingMessage, res: OAuth2ServerResponse): void {
    let token: string | undefined;
    try {
      token = bearerOf(req);
    } catch (e) {
      return then(e);
    }
    const decide = (initialAccess: unknown): void => {
      if (!policy) {
        if (!acceptsTokens || initialAccess !== undefined) return then(null, initialAccess);
        return then(invalidToken(res, 'An initial access token is required', false));
      }
      call(policy, once((err?: unknown, accept?: unknown) => {
        if (err) return then(err);
        if (accept === true) return then(null, initialAccess);
        if (acceptsTokens && initialAccess === undefined) return then(invalidToken(res, 'An initial access token is required for this registration', false));
        then(invalidMetadata(typeof accept === 'string' && accept ? accept : 'The registration was refused by the server policy'));
      }), 'done', metadata, initialAccess, req);
    };
    if (token === undefined) return decide(undefined);
    if (!checkToken) return then(invalidToken(res, 'This server does not accept initial access tokens', true));
    call(checkToken, once((err?: unknown, grant?: unknown) => {
      if (err) return then(err);
      if (!grant) return then(invalidToken(res, 'The initial access token is invalid', true));
      decide(grant);
    }), 'done', token, req);
  }
}

/** The metadata options a registration and a configuration endpoint share. */
export type MetadataRuleOptions = Pick<RegistrationOptions,
  'allowLocalhost' | 'allowPrivateUseSchemes' | 'authMethods' | 'defaultAuthMethod' | 'grantTypes' | 'responseTypes' | 'maxArrayLength' | 'maxStringLength'>;

/**
 * The metadata rules of `opts`, for each request: the grant and response
 * types are read then, as the server registers them after the endpoint is made.
 */
export function rulesOf(settings: Settings, opts: MetadataRuleOptions): () => MetadataRules {
  const fixed = {
    maxUris: opts.maxArrayLength || 10,
    maxString: opts.maxStringLength || 2000,
    maxKeys: 20,
    localhost: !!opts.allowLocalhost,
    privateUseSchemes: !!opts.allowPrivateUseSchemes,
    authMethods: opts.authMethods || CLIENT_AUTH_METHODS,
    defaultAuthMethod: opts.defaultAuthMethod || 'client_secret_basic',
  };
  return (): MetadataRules => {
    const advertised = settings.advertised;
    let grantTypes = opts.grantTypes;
    if (!grantTypes && advertised.grantTypes.length) {
      grantTypes = advertised.grantTypes.slice();
      if (advertised.responseTypes.some((t) => String(t).split(' ').includes('code'))) grantTypes.push('authorization_code');
      if (advertised.responseTypes.some((t) => String(t).split(' ').includes('token'))) grantTypes.push('implicit');
    }
    let responseTypes = opts.responseTypes;
    if (!responseTypes) {
      const registered = responseTypesOf(advertised);
      if (registered.length) responseTypes = registered;
    }
    return { ...fixed, grantTypes, responseTypes };
  };
}

/** The SHA-256 of a registration access token, as kept in {@link RegisteredClient.registrationAccessTokenHash}. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** The request's source address: Express's `req.ip`, else the socket's. */
function addressOf(req: OAuth2IncomingMessage): string {
  const ip = (req as { ip?: unknown }).ip;
  if (typeof ip === 'string' && ip) return ip;
  const socket = req.socket as { remoteAddress?: unknown } | undefined;
  return socket && typeof socket.remoteAddress === 'string' ? socket.remoteAddress : '';
}

function keyPart(value: unknown): string {
  const s = typeof value === 'string' && value ? value : '-';
  return s.length <= 64 && /^[\x21-\x7e]+$/.test(s) ? s : '#' + createHash('sha256').update(s).digest('base64url').slice(0, 32);
}

/** The 429 of a throttled registration, with `Retry-After`, published on `oauth2orize:throttled`. */
function throttled(res: OAuth2ServerResponse, retryAfter: number): TokenError {
  const seconds = Math.max(1, Math.ceil(Number(retryAfter) || 1));
  if (!res.headersSent) res.setHeader('Retry-After', String(seconds));
  if (isObserved('throttled')) {
    const event: ThrottledEvent = { retryAfter: seconds };
    const described = describeClient(undefined);
    if (described !== undefined) event.clientId = described;
    publishEvent('throttled', event);
  }
  return new TokenError(`Too many registration requests; retry in ${seconds} seconds`, 'temporarily_unavailable', null, 429);
}

/**
 * A 401 `invalid_token` (RFC 6750 §3.1) with its `WWW-Authenticate`
 * challenge; a request that sent no token gets the challenge without an
 * error code, as RFC 6750 §3.1 asks.
 */
export function invalidToken(res: OAuth2ServerResponse, message: string, presented: boolean): TokenError {
  if (!res.headersSent) res.setHeader('WWW-Authenticate', presented ? 'Bearer error="invalid_token"' : 'Bearer');
  return new TokenError(message, 'invalid_token', null, 401);
}

/** The token of an `Authorization: Bearer` header; `undefined` without one; `invalid_request` when malformed. */
export function bearerOf(req: OAuth2IncomingMessage): string | undefined {
  const header = req.headers && req.headers.authorization;
  if (header === undefined) return undefined;
  const m = typeof header === 'string' ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header) : null;
  if (!m) throw new TokenError('The Authorization header must be Bearer with an initial access token', 'invalid_request', null, 400);
  return m[1];
}

/** A JSON media type: `application/json` or `application/*+json`, parameters allowed. */
const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/**
 * The request's JSON body: `req.body` when a parser ran, else read from the
 * stream up to `max` bytes. A body that is too large, not JSON, or sent with
 * another media type is `invalid_client_metadata`.
 */
export function readBody(req: OAuth2IncomingMessage, max: number, then: (err: unknown, body?: unknown) => void): void {
  const given = (req as { body?: unknown }).body;
  const parse = (text: string): void => {
    if (Buffer.byteLength(text) > max) return then(invalidMetadata(`The request body is larger than ${max} bytes`));
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return then(invalidMetadata('The request body is not valid JSON'));
    }
    then(null, value);
  };
  if (typeof given === 'string') return parse(given);
  if (Buffer.isBuffer(given)) return parse(given.toString('utf8'));
  const stream = req as unknown as NodeJS.ReadableStream & { readableEnded?: boolean; _body?: unknown };
  const readable = typeof stream.on === 'function' && !stream.readableEnded && !stream._body;
  // A parser's object, unless it is the empty one a parser of another media type left without reading.
  if (given !== undefined && given !== null && (!readable || typeof given !== 'object' || Object.keys(given).length)) return then(null, given);
  const type = req.headers['content-type'];
  if (typeof type !== 'string' || !JSON_TYPE.test(type)) return then(invalidMetadata('The request body must be application/json'));
  if (!readable) return then(null, {});
  const length = Number(req.headers['content-length']);
  if (length > max) {
    stream.resume();
    return then(invalidMetadata(`The request body is larger than ${max} bytes`));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const done = once((err: unknown, body?: unknown) => {
    stream.removeListener('data', onData);
    stream.removeListener('end', onEnd);
    stream.removeListener('error', onError);
    then(err, body);
  });
  const onData = (chunk: Buffer | string): void => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > max) {
      done(invalidMetadata(`The request body is larger than ${max} bytes`));
      stream.resume();
      return;
    }
    chunks.push(buf);
  };
  const onEnd = (): void => {
    const text = Buffer.concat(chunks).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return done(invalidMetadata('The request body is not valid JSON'));
    }
    done(null, value);
  };
  const onError = (err: unknown): void => done(err);
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
}

