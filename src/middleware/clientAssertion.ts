import { TokenError } from '../errors/tokenerror.js';
import { call, once, optionsFirst, prepare, shape, type FactoryArgs } from '../lib/callback.js';
import { bodyOf, stringParam } from '../lib/params.js';
import { bodyParsingError } from '../lib/respond.js';
import { clientRequired, isJoseRejection, tokenError } from '../lib/endpoint.js';
import { MAX_JWS_LENGTH, parseCompactJws } from '../lib/jws.js';
import type { Middleware, ParamBag, CompactJws } from '../types.js';
import { USER_PROPERTY } from '../settings/settings.js';
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
 * `client_secret_jwt`), verifies the signature, and checks the claims RFC
 * 7523 §3 requires: `iss` and `sub` are the client ID, `aud` names this
 * server (its issuer or token endpoint URL), `exp` is in the future. With
 * `jose`: `jwtVerify(assertion, jwks, { issuer: clientId, subject: clientId, audience, algorithms })`.
 * A falsy client answers `invalid_client`, and so does an error thrown by
 * `jose` (its `ERR_JW...` codes, except a JWKS timeout).
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
  /** Accepted `alg` header values (checked before `verify`); advertised in the metadata. Default: any but `none`. */
  algorithms?: string[];
  /** Replay protection for `jti`; when set, assertions without a `jti` are refused. */
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
    if (options?.algorithms) fields[`${endpoint}_endpoint_auth_signing_alg_values_supported`] = options.algorithms;
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
  algorithms: STRINGS,
  jti: 'function',
  maxLength: POSITIVE_INTEGER,
  methods: STRINGS,
  endpoints: STRINGS,
} as const satisfies OptionTable<ClientAssertionOptions>;

const CLIENT_ASSERTION_ARGS: FactoryArgs = { callbacks: ['oauth2orize.clientAssertion middleware requires a verify function'], missing: 'function', options: { name: 'server.clientAssertion', table: CLIENT_ASSERTION_OPTIONS } };

/**
 * Create middleware that authenticates the client with a JWT assertion
 * (`private_key_jwt` or `client_secret_jwt`; RFC 7523 §2.2 and §3, OpenID
 * Connect Core §9). Mount it after the body parser and before `token()`,
 * `revocation()`, `introspection()` or any endpoint that needs a client.
 *
 * With `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
 * and `client_assertion`, it checks the shape (compact JWS, `alg` not
 * `none` and in `algorithms`, `iss` = `sub` = `client_id` if sent, `aud`
 * and numeric `exp` present), calls `verify`, then the `jti` hook, and sets
 * `req.user` to the client. A request that also carries another client
 * credential (an `Authorization` header, `client_secret`, or an already
 * authenticated `req.user`) is refused with `invalid_request`. Failures are
 * `invalid_client` (401) and go to `next` for `server.errorHandler()`.
 *
 * @example
 * ```ts
 * import { jwtVerify, createRemoteJWKSet } from 'jose';
 * app.post('/token',
 *   express.urlencoded({ extended: false }),
 *   server.clientAssertion({ jti: ({ jti, exp }) => replayCache.add(jti, exp) },
 *     async ({ clientId, assertion }) => {
 *       const client = await db.clients.find(clientId);
 *       if (!client?.jwksUri) return null;
 *       await jwtVerify(assertion, createRemoteJWKSet(new URL(client.jwksUri)),
 *         { issuer: clientId, subject: clientId, audience: ISSUER + '/token' });
 *       return client;
 *     }),
 *   (req, res, next) => req.user ? next() : passport.authenticate('basic', { session: false })(req, res, next),
 *   server.token(),
 *   server.errorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @param options accepted audiences, algorithms, `jti` replay check, limits
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
  const algorithms = opts.algorithms;
  const jtiHook = opts.jti ? prepare(JTI, opts.jti) : undefined;
  const fn = prepare(VERIFY, verify);

  return function clientAssertion(req, res, next) {
    const body = bodyOf(req);
    if (!body) return next(bodyParsingError());
    let type: string | undefined;
    let assertion: string | undefined;
    let clientId: string;
    let decoded: CompactJws;
    let jti: string | undefined;
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
      if (algorithms && !algorithms.includes(header.alg as string)) throw invalidClient('Invalid client assertion: alg not allowed');
      if (typeof claims.sub !== 'string' || !claims.sub || claims.iss !== claims.sub) {
        throw invalidClient('Invalid client assertion: iss and sub must be the client ID');
      }
      clientId = claims.sub;
      const declared = stringParam(body, 'client_id', TokenError);
      if (declared !== undefined && declared !== clientId) throw invalidClient('Invalid client assertion: client_id does not match');
      if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw invalidClient('Invalid client assertion: exp is required');
      if (claims.aud === undefined) throw invalidClient('Invalid client assertion: aud is required');
      if (jtiHook) {
        if (typeof claims.jti !== 'string' || !claims.jti) throw invalidClient('Invalid client assertion: jti is required');
        jti = claims.jti;
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
    const checkJti = (client: unknown): void => {
      if (!jtiHook || jti === undefined) return accept(client);
      let answered = false;
      const fresh = (err?: unknown, ok?: boolean): void => {
        if (answered) return;
        answered = true;
        if (err) return fail(err);
        if (!ok) return fail(invalidClient('Invalid client assertion: jti already used'));
        accept(client);
      };
      call(jtiHook, fresh, fresh, jti, decoded.claims.exp, client, clientId);
    };
    const done = once<Parameters<VerifyClientAssertionCallback>>((err, client) => {
      if (err) return fail(isJoseRejection(err) ? new TokenError('Invalid client assertion', 'invalid_client', undefined, 401, { cause: err }) : err);
      if (!client) return fail(invalidClient('Invalid client assertion'));
      checkJti(client);
    });
    call(fn, done, done, clientId, assertion, decoded, body);
  };
}
