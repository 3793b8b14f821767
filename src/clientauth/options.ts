/**
 * The public types of {@link authenticateClient}: its options, the
 * application callbacks it calls, and what it sets on the request.
 */
import type { ClientAssertionOptions, VerifyClientAssertion } from '../middleware/clientAssertion.js';
import type { OAuth2IncomingMessage, ParamBag } from '../types.js';
import type { ClientAuthEndpoint, ClientAuthMethod } from './methods.js';
import type { ClientThrottle, createThrottle } from './throttle.js';
import type { authenticateClient } from './authenticateClient.js';
import type { clientAssertion } from '../middleware/clientAssertion.js';

/**
 * What {@link authenticateClient} sets as `req.authInfo` for the exchanges
 * (their `authInfo` argument) and the app.
 *
 * @group Endpoints
 */
export interface ClientAuthInfo {
  /** The method the client authenticated with. */
  method: ClientAuthMethod;
  /** With `tls_client_auth` and `self_signed_tls_client_auth`: the certificate that was checked. */
  certificate?: unknown;
}

/**
 * The context object of the Promise form of a {@link LookupClientFunction}.
 *
 * @group Endpoints
 */
export interface LookupClientContext {
  /** The client identifier the request presents, not yet authenticated. */
  clientId: string;
  /** The parsed request body. */
  body: ParamBag;
}

/**
 * The `done` callback of the positional form of a {@link LookupClientFunction}.
 *
 * @group Endpoints
 */
export type LookupClientCallback<Client = any> = (err?: unknown, client?: Client | false | null) => void;

/**
 * The application's client lookup: `(clientId, done)`, or the arity-1 form
 * `async ({ clientId, body }) => client | null`. It finds the client record
 * (with its secret or secret hash, and its registered authentication
 * method); a falsy client is an unknown client (`invalid_client`). It checks
 * nothing itself: the middleware checks the credentials.
 *
 * @group Endpoints
 */
export type LookupClientFunction<Client = any> = (clientId: string & LookupClientContext, done: LookupClientCallback<Client>) => unknown;

/**
 * The context object of the Promise form of a {@link VerifySecretFunction}.
 *
 * @group Endpoints
 */
export interface VerifySecretContext<Client = any> {
  /** The client record `lookup` found. */
  client: Client;
  /** The secret the request presents. */
  secret: string;
  /** The client identifier the request presents. */
  clientId: string;
  /** `client_secret_basic` or `client_secret_post`. */
  method: ClientAuthMethod;
}

/**
 * Checks a presented secret against a client's stored one, for secrets
 * stored hashed: `async ({ client, secret }) => boolean`, or
 * `(client, secret, done)` with `done(err, ok)`. Compare in constant time
 * (`scrypt` then `crypto.timingSafeEqual`, `bcrypt.compare`, ...).
 *
 * @group Endpoints
 */
export type VerifySecretFunction<Client = any> = (
  client: Client & VerifySecretContext<Client>,
  secret: string,
  done: (err?: unknown, ok?: boolean) => void,
) => unknown;

/**
 * Reads one thing of a client record (its secret, its registered method) or
 * of a request (its certificate): `(value) => result`, a Promise of it, or
 * `(value, done)`.
 *
 * @group Endpoints
 */
export type AccessorFunction<T, R> = (value: T, done: (err?: unknown, result?: R) => void) => unknown;

/**
 * The context object of the Promise form of a {@link VerifyCertificateFunction}.
 *
 * @group Endpoints
 */
export interface VerifyCertificateContext<Client = any> {
  /** The client record `lookup` found. */
  client: Client;
  /** The certificate `certificateOf` gave (by default the TLS peer certificate, a `tls.PeerCertificate`). */
  certificate: unknown;
  /** The client identifier the request presents. */
  clientId: string;
  /** `tls_client_auth` (check the subject against the registered one) or `self_signed_tls_client_auth` (check it against the registered keys). */
  method: ClientAuthMethod;
  /** The request, for what the TLS socket knows (`req.socket.authorized`). */
  req: OAuth2IncomingMessage;
}

/**
 * Checks the client's TLS certificate (RFC 8705 §2): with `tls_client_auth`,
 * that the TLS stack validated its chain and its subject is the one
 * registered for the client; with `self_signed_tls_client_auth`, that it
 * matches a key registered for the client. `async ({ client, certificate,
 * method, req }) => boolean`, or `(client, certificate, done)`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
 * @group Endpoints
 */
export type VerifyCertificateFunction<Client = any> = (
  client: Client & VerifyCertificateContext<Client>,
  certificate: unknown,
  done: (err?: unknown, ok?: boolean) => void,
) => unknown;

/**
 * The `assertion` option of {@link authenticateClient}: the options of
 * {@link clientAssertion}, which checks the assertions, and its `verify`.
 *
 * @group Endpoints
 */
export interface AssertionMethodOptions<Client = any> extends ClientAssertionOptions<Client> {
  /** Finds the client the assertion names and verifies its signature; see {@link VerifyClientAssertion}. */
  verify: VerifyClientAssertion<Client>;
}

/**
 * Options of {@link authenticateClient}.
 *
 * @group Endpoints
 */
export interface AuthenticateClientOptions<Client = any> {
  /**
   * The methods accepted. Default `['client_secret_basic', 'client_secret_post']`,
   * plus `private_key_jwt` when `assertion` is given. `none`,
   * `client_secret_jwt` and the TLS methods are accepted only when listed.
   */
  methods?: readonly ClientAuthMethod[];
  /** The request property that receives the client. Default `'user'`, as Passport. */
  userProperty?: string;
  /**
   * The client's secret in clear, compared in constant time with the one
   * presented. Default: the record's `client_secret` (RFC 7591), else its
   * `secret`, else its `clientSecret` (as `server.registration()` hands a
   * new client to the app's store). A client without one cannot use the
   * secret methods.
   */
  secretOf?: AccessorFunction<Client, string | Uint8Array | null | undefined>;
  /** Checks a presented secret, for secrets stored hashed; replaces `secretOf`. */
  verifySecret?: VerifySecretFunction<Client>;
  /**
   * The method (or methods) registered for the client, enforced when given.
   * Default: the record's `token_endpoint_auth_method` (RFC 7591), on the
   * record or in its `metadata` (as `server.registration()` hands a new
   * client to the app's store). A client with none registered may use any accepted secret or assertion method,
   * but never `none` or the TLS methods, which must be registered.
   */
  methodOf?: AccessorFunction<Client, ClientAuthMethod | readonly ClientAuthMethod[] | string | readonly string[] | null | undefined>;
  /**
   * `private_key_jwt` (and `client_secret_jwt`): the options of
   * {@link clientAssertion} with its `verify` function, which finds the
   * client and checks the assertion. Its `userProperty`, `required`,
   * `methods` and `endpoints` are not used here.
   */
  assertion?: AssertionMethodOptions<Client>;
  /** `tls_client_auth` / `self_signed_tls_client_auth`: checks the client's certificate. Required with those methods. */
  verifyCertificate?: VerifyCertificateFunction<Client>;
  /**
   * Where the client's certificate is, for the TLS methods: default the TLS
   * peer certificate of the connection (`req.socket.getPeerCertificate()`).
   * Behind a proxy that terminates TLS, read it from the header the proxy sets.
   */
  certificateOf?: AccessorFunction<OAuth2IncomingMessage, unknown>;
  /**
   * Brute-force throttling of failed authentications: a {@link ClientThrottle}
   * (from {@link createThrottle}, with a Redis store for several instances),
   * `true` for one in memory, or `false` for none. Default: none, except
   * through `server.authenticateClient()` on a hardened server, which uses
   * the server's own throttle (as `true` does there: one per server, shared
   * by every endpoint it guards, on the server's clock).
   */
  throttle?: ClientThrottle | boolean;
  /**
   * Whether Basic credentials that fail once decoded (RFC 6749 §2.3.1) are
   * tried again as sent, for clients that do not form-encode them (those of
   * `passport-http` setups, `curl -u`). Default `true`.
   */
  legacyBasic?: boolean;
  /**
   * Metadata only (through `server.authenticateClient()`): the endpoints
   * this authenticator guards, whose `<endpoint>_endpoint_auth_methods_supported`
   * list its methods. Default `['token']`.
   */
  endpoints?: readonly ClientAuthEndpoint[];
}

