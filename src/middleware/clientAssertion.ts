import { TokenError } from '../errors/tokenerror.js';
import { call, once, optionsFirst, prepare, shape, type FactoryArgs } from '../lib/callback.js';
import { bodyOf, stringParam } from '../lib/params.js';
import { bodyParsingError } from '../lib/respond.js';
import { clientRequired, tokenError } from '../lib/endpoint.js';
import { MAX_JWS_LENGTH, parseCompactJws } from '../lib/jws.js';
import {
  ASSERTION_OPTION_RULES, ASYMMETRIC_ALGORITHMS, acceptedAudiences, assertionPolicy, checkAlgorithm, checkAudience, checkJti, checkTimes, isDeliberate, replayTtl,
} from '../lib/assertionPolicy.js';
import type { Middleware, ParamBag, CompactJws } from '../types.js';
import { USER_PROPERTY } from '../settings/settings.js';
import { checkIssuer } from '../settings/profile.js';
import { systemClock } from '../settings/clock.js';
import { MemoryReplayStore, type ReplayStore } from '../stores/replay.js';
import { STRINGS, POSITIVE_INTEGER, type OptionTable } from '../lib/checkOptions.js';

/**
 * The `client_assertion_type` of RFC 7523 §2.2.
 *
 * @group Endpoints
 */
export const JWT_BEARER_CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The context object of the Promise form of a {@link VerifyClientAssertion}.
 *
 * @group Endpoints
 */
export interface ClientAssertionContext {
  /** The client the assertion claims to come from (its `sub`, equal to its `iss`), unverified. */
  clientId: string;
  /** The `client_assertion` parameter, a well-formed compact JWS, not verified. */
  assertion: string;
  /** The decoded header, unverified. */
  header: Record<string, unknown>;
  /** The decoded claims, unverified. */
  claims: Record<string, unknown>;
  /** The parsed request body. */
  body: ParamBag;
}

/**
 * The `done` callback of the 1.x-style forms of a {@link VerifyClientAssertion}.
 *
 * @group Endpoints
 */
export type VerifyClientAssertionCallback<Client = any> = (err?: unknown, client?: Client | false | null) => void;

/**
 * The application's verification, chosen by its arity: `(clientId, assertion, done)`,
 * `(clientId, assertion, decoded, done)` with `decoded = { header, claims }`,
 * or the arity-1 form `async ({ clientId, assertion, header, claims, body }) => client | null`.
 *
 * It looks up the client's registered keys (or secret, for
 * `client_secret_jwt`) and verifies the signature. With `jose`:
 * `jwtVerify(assertion, jwks, { issuer: clientId, subject: clientId, algorithms })`.
 * The claims the library checked before calling it (`alg`, `iss` = `sub`,
 * `aud`, `exp`, `nbf`, `iat`, `jti`) are in the signed payload the verifier
 * checks, so a verified signature covers them.
 * A falsy client answers `invalid_client`, and so does any error it throws
 * or rejects with (a `jose` error, an unsupported `alg`, a `crit` header,
 * a key of the wrong type), except an `OAuth2Error` it raises on purpose.
 *
 * @group Endpoints
 */
export type VerifyClientAssertion<Client = any> = (
  clientId: string & ClientAssertionContext,
  assertion: string & VerifyClientAssertionCallback<Client>,
  decoded: CompactJws & VerifyClientAssertionCallback<Client>,
  done: VerifyClientAssertionCallback<Client>,
) => unknown;

/**
 * The context object of the Promise form of a {@link JtiFunction}.
 *
 * @group Endpoints
 */
export interface JtiContext<Client = any> {
  /** The assertion's `jti`. */
  jti: string;
  /** The assertion's `exp` (seconds since the epoch): the entry can be forgotten after it. */
  exp: number;
  /** The verified client. */
  client: Client;
  /** The client the assertion authenticates (its `iss` and `sub`). */
  clientId: string;
}

/**
 * Replay protection (RFC 7523 §3 item 7): called after the signature was
 * verified, with the assertion's `jti`. Record it until `exp` and answer
 * `true` the first time, `false` when it was already used. With Redis:
 * `SET jti:<clientId>:<jti> 1 NX EXAT <exp>` answers exactly that.
 * Forms: `(jti, exp, client, done)` with `done(err, fresh)`, or arity 1
 * `async ({ jti, exp, client, clientId }) => boolean`.
 *
 * @group Endpoints
 */
export type JtiFunction<Client = any> = (
  jti: string & JtiContext<Client>,
  exp: number & ((err?: unknown, fresh?: boolean) => void),
  client: Client & ((err?: unknown, fresh?: boolean) => void),
  done: (err?: unknown, fresh?: boolean) => void,
) => unknown;

/**
 * Options of {@link clientAssertion}.
 *
 * @group Endpoints
 */
export interface ClientAssertionOptions<Client = any> {
  /** The request property that receives the client. Default `'user'`, as Passport. */
  userProperty?: string;
  /**
   * When `true`, a request without `client_assertion` fails with
   * `invalid_client`. Default `false`: it passes through untouched, so that
   * another authentication method can run next.
   */
  required?: boolean;
  /**
   * Accepted `alg` header values (checked before `verify`); advertised in the
   * metadata. Default: the asymmetric ones, `RS256`, `RS384`, `RS512`,
   * `PS256`, `PS384`, `PS512`, `ES256`, `ES384`, `ES512`, `EdDSA`, `Ed25519`.
   * List `HS256` (and so on) here to accept `client_secret_jwt`. `none` is
   * never accepted.
   */
  algorithms?: string[];
  /**
   * The issuer identifier of this server. Default: the server's `issuer`
   * option, through `server.clientAssertion()`. `aud` must name it, or the
   * URL of the endpoint the request reached (its origin and the request's
   * path, e.g. `https://as.example/token`), or a value of `audience`.
   */
  issuer?: string;
  /**
   * Further accepted `aud` values (a token endpoint URL behind a proxy that
   * rewrites paths, say). `false`: the library does not check `aud`, and
   * `verify` must. Without `issuer` (nor the server's) and without
   * `audience`, the factory throws: an assertion for another server must
   * not authenticate a client here.
   */
  audience?: string | string[] | false;
  /**
   * Accept only the issuer identifier as `aud`, as a single string (not a
   * list, not the endpoint URL, not `audience`), as rfc7523bis and the
   * FAPI 2.0 Security Profile (§5.3.2.1) require. Needs the issuer (the
   * server's or `issuer`). Default `false`; always on, and cannot be turned
   * off, on a server created with `profile: 'fapi2'`.
   */
  strictAudience?: boolean;
  /** Longest accepted time from now to `exp`, in seconds. Default 600 (10 minutes). */
  maxLifetime?: number;
  /** Allowed clock skew, in seconds, for `exp`, `nbf` and `iat`. Default 30. */
  clockTolerance?: number;
  /**
   * The clock, in milliseconds since the epoch. Default: the server's
   * `clock` option (through `server.clientAssertion()`), else `Date.now()`.
   */
  now?: () => number;
  /**
   * Where used `jti` values are remembered, until the assertion expires: an
   * assertion is accepted once. Default a {@link MemoryReplayStore} of this
   * middleware (one process; several instances share a
   * {@link RedisReplayStore}). `false` turns the check off (and `jti` is then
   * optional), unless the `jti` hook is set. Given a `jti` hook and no
   * `replay`, only the hook is asked.
   */
  replay?: ReplayStore | false;
  /** Replay protection for `jti`, by the app; when set, assertions without a `jti` are refused. */
  jti?: JtiFunction<Client>;
  /** Longest accepted assertion, in characters. Default 16384. */
  maxLength?: number;
  /**
   * Metadata only (via `server.clientAssertion()`): the authentication
   * methods to advertise, default `['private_key_jwt']`, and the endpoints
   * they are advertised for, default `['token']` (giving
   * `token_endpoint_auth_methods_supported`).
   */
  methods?: string[];
  /** Metadata only: the endpoints the methods are advertised for (see `methods`). */
  endpoints?: string[];
}

/** The metadata fields {@link clientAssertion} contributes for `options`. */
export function clientAssertionMetadata(options?: ClientAssertionOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const methods = options?.methods || ['private_key_jwt'];
  for (const endpoint of options?.endpoints || ['token']) {
    fields[`${endpoint}_endpoint_auth_methods_supported`] = methods;
    fields[`${endpoint}_endpoint_auth_signing_alg_values_supported`] = options?.algorithms || ASYMMETRIC_ALGORITHMS.slice();
  }
  return fields;
}

const invalidClient = (message: string): TokenError => tokenError(message, 'invalid_client', 401);

/** `verify(clientId, assertion, done)`, or with arity 4 `(clientId, assertion, decoded, done)`; the context form gets `{ clientId, assertion, header, claims, body }`. */
const VERIFY = shape({
  positional: ['clientId', 'assertion'],
  extras: ['decoded'],
  values: ['clientId', 'assertion', 'decoded', 'body'],
  context: (clientId, assertion, decoded: CompactJws, body) => ({ clientId, assertion, header: decoded.header, claims: decoded.claims, body }),
});

/**
 * The `jti` hook, `(jti, exp, client, done(err, fresh))` whatever its arity
 * but 1, or the context form `{ jti, exp, client, clientId }`. Its answer is
 * a boolean: a positional form's resolved value is not one.
 */
const JTI = shape({
  positional: ['jti', 'exp', 'client'],
  values: ['jti', 'exp', 'client', 'clientId'],
  result: (ok: unknown, fresh: (err: unknown, ok?: boolean) => void) => fresh(null, !!ok),
  resolvedIsResult: false,
});

/** `(options?, verify)`. */
/** What each option of {@link clientAssertion} accepts. */
const CLIENT_ASSERTION_OPTIONS = {
  userProperty: 'string',
  required: 'boolean',
  jti: 'function',
  maxLength: POSITIVE_INTEGER,
  methods: STRINGS,
  endpoints: STRINGS,
  strictAudience: 'boolean',
  ...ASSERTION_OPTION_RULES,
} as const satisfies OptionTable<ClientAssertionOptions>;

const CLIENT_ASSERTION_ARGS: FactoryArgs = { callbacks: ['oauth2orize.clientAssertion middleware requires a verify function'], missing: 'function', options: { name: 'server.clientAssertion', table: CLIENT_ASSERTION_OPTIONS } };

/**
 * Create middleware that authenticates the client with a JWT assertion
 * (`private_key_jwt` or `client_secret_jwt`; RFC 7523 §2.2 and §3, OpenID
 * Connect Core §9). Mount it after the body parser and before `token()`,
 * `revocation()`, `introspection()` or any endpoint that needs a client.
 *
 * With `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
 * and `client_assertion`, it checks, before calling `verify`:
 *
 * - the shape: a compact JWS, `iss` = `sub` = `client_id` if sent;
 * - `alg` in `algorithms` (default: asymmetric algorithms only);
 * - `exp` present, not past, and at most `maxLifetime` ahead (default 600 s);
 *   `nbf` and `iat`, when present, not ahead; all with `clockTolerance`
 *   (default 30 s) on the server's clock;
 * - `aud` names this server: its issuer identifier, the URL of the endpoint
 *   the request reached, or a value of `audience` (rfc7523bis);
 * - `jti` present, unless replay protection is off.
 *
 * Then it calls `verify`, records the `jti` in the `replay` store (an
 * assertion is accepted once until it expires) and asks the `jti` hook,
 * and sets `req.user` to the client. A request that also carries another client
 * credential (an `Authorization` header, `client_secret`, or an already
 * authenticated `req.user`) is refused with `invalid_request`. Failures are
 * `invalid_client` (401), whatever `verify` threw, with the error as
 * `cause` and never its message, and go to `next` for `server.errorHandler()`.
 *
 * Earlier 2.0 releases left `aud`, the lifetime, the algorithms and the
 * `jti` to `verify`, and passed its errors other than `jose`'s on as they
 * were (a 500). An app that wants the old checks back passes
 * `audience: false`, `replay: false` and its own `algorithms`.
 *
 * @example
 * ```ts
 * import { jwtVerify, createRemoteJWKSet } from 'jose';
 * app.post('/token',
 *   express.urlencoded({ extended: false }),
 *   server.clientAssertion({ replay: new RedisReplayStore({ client: redis }) },
 *     async ({ clientId, assertion }) => {
 *       const client = await db.clients.find(clientId);
 *       if (!client?.jwksUri) return null;
 *       await jwtVerify(assertion, createRemoteJWKSet(new URL(client.jwksUri)),
 *         { issuer: clientId, subject: clientId });
 *       return client;
 *     }),
 *   (req, res, next) => req.user ? next() : passport.authenticate('basic', { session: false })(req, res, next),
 *   server.token(),
 *   server.errorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-rfc7523bis/
 * @param options issuer and audiences, algorithms, lifetime and skew, replay store, `jti` hook, limits
 * @param verify finds the client and verifies the assertion's signature
 *
 * @group Endpoints
 */
export function clientAssertion<Client = any>(options: ClientAssertionOptions<Client> | undefined, verify: VerifyClientAssertion<Client>): Middleware;
/**
 * Create client assertion authentication with the default options.
 * @param verify finds the client and verifies the assertion's signature
 *
 * @group Endpoints
 */
export function clientAssertion<Client = any>(verify: VerifyClientAssertion<Client>): Middleware;
export function clientAssertion(options: any, verify?: any): Middleware {
  let opts: ClientAssertionOptions;
  [opts, verify] = optionsFirst<ClientAssertionOptions>(CLIENT_ASSERTION_ARGS, [options, verify]);
  const userProperty = opts.userProperty || USER_PROPERTY;
  const maxLength = opts.maxLength || MAX_JWS_LENGTH;
  const policy = assertionPolicy(WHO, opts, 600, checkIssuer);
  if (policy.audience !== false && policy.audience.length === 0 && policy.issuer === undefined) {
    throw new TypeError(`${WHO} needs to know this server to check aud: give the server an issuer option (and use server.clientAssertion()), or give an issuer or audience option (audience: false leaves aud to verify)`);
  }
  if (opts.strictAudience && policy.issuer === undefined) {
    throw new TypeError(`${WHO}: strictAudience needs the issuer: give the server an issuer option (and use server.clientAssertion()), or give an issuer option`);
  }
  // rfc7523bis, FAPI 2.0 SP §5.3.2.1: the issuer identifier alone, as a string.
  const strictIssuer = opts.strictAudience ? policy.issuer : undefined;
  const clock = policy.now || systemClock;
  const replay = replayOption(opts);
  const jtiHook = opts.jti ? prepare(JTI, opts.jti) : undefined;
  const requireJti = !!(replay || jtiHook);
  const fn = prepare(VERIFY, verify);

  return function clientAssertion(req, res, next) {
    const body = bodyOf(req);
    if (!body) return next(bodyParsingError());
    let type: string | undefined;
    let assertion: string | undefined;
    let clientId: string;
    let decoded: CompactJws;
    let jti: string | undefined;
    let exp: number;
    let now: number;
    try {
      type = stringParam(body, 'client_assertion_type', TokenError);
      assertion = stringParam(body, 'client_assertion', TokenError);
      if (!type && !assertion) {
        if (opts.required) throw clientRequired();
        return next();
      }
      if (!type) throw tokenError('Missing required parameter: client_assertion_type', 'invalid_request');
      if (!assertion) throw tokenError('Missing required parameter: client_assertion', 'invalid_request');
      const r = req as unknown as ParamBag;
      if (req.headers.authorization !== undefined || body.client_secret !== undefined || r[userProperty]) {
        throw tokenError('Client authenticated with more than one method', 'invalid_request');
      }
      if (type !== JWT_BEARER_CLIENT_ASSERTION_TYPE) throw invalidClient('Unsupported client_assertion_type');
      const parsed = parseCompactJws(assertion, maxLength);
      if (typeof parsed === 'string') throw invalidClient('Invalid client assertion: ' + parsed.replace(/^assertion/, 'it'));
      decoded = parsed;
      const { claims, header } = parsed;
      refuse(checkAlgorithm(header, policy));
      if (typeof claims.sub !== 'string' || !claims.sub || claims.iss !== claims.sub) {
        throw invalidClient('Invalid client assertion: iss and sub must be the client ID');
      }
      clientId = claims.sub;
      const declared = stringParam(body, 'client_id', TokenError);
      if (declared !== undefined && declared !== clientId) throw invalidClient('Invalid client assertion: client_id does not match');
      now = Math.floor(clock() / 1000);
      refuse(checkTimes(claims, now, policy));
      exp = claims.exp as number;
      if (claims.aud === undefined) throw invalidClient('Invalid client assertion: aud is required');
      if (strictIssuer !== undefined) {
        if (claims.aud !== strictIssuer) throw invalidClient('Invalid client assertion: aud must be the issuer identifier, as a string');
      } else if (policy.audience !== false) refuse(checkAudience(claims.aud, acceptedAudiences(policy, policy.issuer, req)));
      if (requireJti) {
        refuse(checkJti(claims.jti));
        jti = claims.jti as string;
      }
    } catch (err) {
      return next(err);
    }

    let finished = false;
    const fail = (err: unknown): void => {
      if (finished) return;
      finished = true;
      next(err);
    };
    const accept = (client: unknown): void => {
      if (finished) return;
      finished = true;
      (req as unknown as ParamBag)[userProperty] = client;
      next();
    };
    const checkJtiHook = (client: unknown): void => {
      if (!jtiHook || jti === undefined) return accept(client);
      let answered = false;
      const fresh = (err?: unknown, ok?: boolean): void => {
        if (answered) return;
        answered = true;
        if (err) return fail(err);
        if (!ok) return fail(invalidClient('Invalid client assertion: jti already used'));
        accept(client);
      };
      call(jtiHook, fresh, fresh, jti, exp, client, clientId);
    };
    // The jti is recorded only once the signature is verified, so that forged
    // assertions cannot fill the store or burn another client's jti values.
    const claimJti = (client: unknown): void => {
      if (!replay || jti === undefined) return checkJtiHook(client);
      const key = JSON.stringify(['client-assertion', clientId, jti]);
      let claim: Promise<boolean>;
      try {
        claim = Promise.resolve(replay.claimOnce(key, replayTtl(exp, now, policy)));
      } catch (err) {
        return fail(err);
      }
      claim.then((fresh) => {
        if (!fresh) return fail(invalidClient('Invalid client assertion: jti already used'));
        checkJtiHook(client);
      }, fail);
    };
    const done = once<Parameters<VerifyClientAssertionCallback>>((err, client) => {
      if (err) return fail(isDeliberate(err) ? err : new TokenError('Invalid client assertion', 'invalid_client', undefined, 401, { cause: err }));
      if (!client) return fail(invalidClient('Invalid client assertion'));
      claimJti(client);
    });
    call(fn, done, done, clientId, assertion, decoded, body);
  };
}

const WHO = 'oauth2orize.clientAssertion';

/** Throw `invalid_client` for a refused check. */
function refuse(reason: string | undefined): void {
  if (reason !== undefined) throw invalidClient('Invalid client assertion: ' + reason);
}

/** The replay store: the option, else a memory store unless the `jti` hook alone was chosen. */
function replayOption(opts: ClientAssertionOptions): ReplayStore | undefined {
  const { replay } = opts;
  if (replay === false) return undefined;
  if (replay === undefined) return opts.jti ? undefined : new MemoryReplayStore({ now: opts.now });
  return replay;
}
