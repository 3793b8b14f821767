/**
 * The options of {@link authenticateClient}, checked and compiled once when
 * the middleware is created: the accepted methods, and each callback with
 * the form its arity asks for.
 */
import { prepare, shape, ZERO_OR_ONE, type Callback, type Shape } from '../lib/callback.js';
import { USER_PROPERTY } from '../settings/settings.js';
import { clientAssertion } from '../middleware/clientAssertion.js';
import type { Middleware, OAuth2IncomingMessage } from '../types.js';
import type { authenticateClient } from './authenticateClient.js';
import { ASSERTION_METHODS, assertionMethodOf, CERTIFICATE_METHODS, CLIENT_AUTH_ENDPOINTS, CLIENT_AUTH_METHODS, SECRET_METHODS, type ClientAuthEndpoint, type ClientAuthMethod } from './methods.js';
import type { AuthenticateClientOptions } from './options.js';
import { createThrottle, type ClientThrottle } from './throttle.js';

/** The compiled options. */
export interface Config {
  readonly methods: ReadonlySet<ClientAuthMethod>;
  readonly userProperty: string;
  readonly lookup: Callback;
  readonly secretOf: Callback;
  readonly verifySecret: Callback | undefined;
  readonly methodOf: Callback;
  readonly certificateOf: Callback;
  readonly verifyCertificate: Callback | undefined;
  readonly assertion: Middleware | undefined;
  readonly throttle: ClientThrottle | undefined;
  readonly legacyBasic: boolean;
}

/** `lookup(clientId, done)`, or the context form `{ clientId, body }`. */
const LOOKUP = shape({ positional: ['clientId'], values: ['clientId', 'body'], contextArities: ZERO_OR_ONE, beyond: 'longest' });

/** An accessor: `(value) => result` (or its Promise), or `(value, done)`. */
const ACCESSOR = shape({ positional: ['value'], contextArities: ZERO_OR_ONE, context: (value) => value, beyond: 'longest' });

/** `verifySecret(client, secret, done)`, or the context form `{ client, secret, clientId, method }`. */
const VERIFY_SECRET = shape({ positional: ['client', 'secret'], values: ['client', 'secret', 'clientId', 'method'], contextArities: ZERO_OR_ONE, beyond: 'longest' });

/** `verifyCertificate(client, certificate, done)`, or the context form `{ client, certificate, clientId, method, req }`. */
const VERIFY_CERTIFICATE = shape({
  positional: ['client', 'certificate'],
  values: ['client', 'certificate', 'clientId', 'method', 'req'],
  contextArities: ZERO_OR_ONE,
  beyond: 'longest',
});

/** Where the internal assertion middleware leaves the client, before it moves to `userProperty`. */
export const ASSERTED = 'oauth2orize:assertedClient';

/**
 * The methods an options object accepts; throws a `TypeError` for an
 * unknown method or one whose hook is missing.
 */
export function acceptedMethods(options: AuthenticateClientOptions<any>): ClientAuthMethod[] {
  const listed = options.methods ? [...options.methods] : [...SECRET_METHODS, ...(options.assertion ? ['private_key_jwt' as const] : [])];
  for (const method of listed) {
    if (!CLIENT_AUTH_METHODS.includes(method)) throw new TypeError(`oauth2orize.authenticateClient: unknown client authentication method: ${String(method)}`);
    if (ASSERTION_METHODS.includes(method) && !(options.assertion && typeof options.assertion.verify === 'function')) {
      throw new TypeError(`oauth2orize.authenticateClient: ${method} requires the assertion option with a verify function`);
    }
    if (method === 'client_secret_jwt' && !(options.assertion!.algorithms || []).some((alg) => assertionMethodOf(alg) === method)) {
      throw new TypeError('oauth2orize.authenticateClient: client_secret_jwt requires an HMAC algorithm (HS256, ...) in assertion.algorithms');
    }
    if (CERTIFICATE_METHODS.includes(method) && typeof options.verifyCertificate !== 'function') {
      throw new TypeError(`oauth2orize.authenticateClient: ${method} requires the verifyCertificate option`);
    }
  }
  return listed;
}

/** The endpoints an options object names, checked. */
export function guardedEndpoints(options: AuthenticateClientOptions<any>): ClientAuthEndpoint[] {
  const endpoints = options.endpoints ? [...options.endpoints] : ['token' as const];
  for (const endpoint of endpoints) {
    if (!CLIENT_AUTH_ENDPOINTS.includes(endpoint)) {
      throw new TypeError(`oauth2orize.authenticateClient: endpoints lists ${String(endpoint)}; known: ${CLIENT_AUTH_ENDPOINTS.join(', ')}`);
    }
  }
  return endpoints;
}

/**
 * Prepare a callback whose shortest positional form takes `done` after
 * `values` values: the arity between the context form and that form would
 * be called with a `done` it does not declare, and would never answer.
 */
function prepareChecked(s: Shape, fn: unknown, name: string, forms: string): Callback {
  if (typeof fn !== 'function') throw new TypeError(`oauth2orize.authenticateClient: ${name} must be a function`);
  if (fn.length > 1 && fn.length <= s.shortest) throw new TypeError(`oauth2orize.authenticateClient: ${name} takes ${forms}; got a function of ${fn.length} parameters`);
  return prepare(s, fn);
}

/**
 * The default `secretOf`: RFC 7591's `client_secret`, else `secret`, else
 * `clientSecret` (the field of `server.registration()`'s new client).
 */
function defaultSecretOf(client: unknown): unknown {
  if (!client || typeof client !== 'object') return undefined;
  const c = client as { client_secret?: unknown; secret?: unknown; clientSecret?: unknown };
  return c.client_secret ?? c.secret ?? c.clientSecret;
}

/**
 * The default `methodOf`: RFC 7591's `token_endpoint_auth_method`, on the
 * record or in its `metadata` (as `server.registration()` hands a new
 * client to the app's store).
 */
function defaultMethodOf(client: unknown): unknown {
  if (!client || typeof client !== 'object') return undefined;
  const c = client as { token_endpoint_auth_method?: unknown; metadata?: { token_endpoint_auth_method?: unknown } };
  if (c.token_endpoint_auth_method !== undefined) return c.token_endpoint_auth_method;
  return c.metadata && typeof c.metadata === 'object' ? c.metadata.token_endpoint_auth_method : undefined;
}

/** The default `certificateOf`: the peer certificate of a TLS connection, when the client sent one. */
function peerCertificate(req: OAuth2IncomingMessage): unknown {
  const socket = req.socket as { getPeerCertificate?: (detailed?: boolean) => object | null } | undefined;
  if (!socket || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate(false);
  return cert && Object.keys(cert).length ? cert : undefined;
}

export function compile(options: AuthenticateClientOptions<any>, lookup: Function): Config {
  const methods = new Set(acceptedMethods(options));
  guardedEndpoints(options);
  let assertion: Middleware | undefined;
  if (ASSERTION_METHODS.some((m) => methods.has(m))) {
    const { verify, ...rest } = options.assertion!;
    if (rest.issuer === undefined && rest.audience === undefined) {
      // The assertion checks would refuse to start with a message about clientAssertion; say it for this factory.
      throw new TypeError('oauth2orize.authenticateClient: assertions need this server\'s identity to check aud: give the server an issuer option (and use server.authenticateClient()), or assertion.issuer, or assertion.audience (audience: false leaves aud to verify)');
    }
    assertion = clientAssertion({ ...rest, userProperty: ASSERTED, required: false }, verify);
  }
  const accessor = (fn: unknown, name: string, fallback: Function): Callback =>
    fn === undefined ? prepare(ACCESSOR, fallback) : prepareChecked(ACCESSOR, fn, name, '(value) or (value, done)');
  const throttle = options.throttle === true ? createThrottle() : options.throttle || undefined;
  if (throttle && (typeof throttle.check !== 'function' || typeof throttle.failed !== 'function' || typeof throttle.succeeded !== 'function')) {
    throw new TypeError('oauth2orize.authenticateClient: throttle must have check, failed and succeeded methods');
  }
  return {
    methods,
    userProperty: options.userProperty || USER_PROPERTY,
    lookup: prepare(LOOKUP, lookup),
    secretOf: accessor(options.secretOf, 'secretOf', defaultSecretOf),
    verifySecret: options.verifySecret === undefined ? undefined : prepareChecked(VERIFY_SECRET, options.verifySecret, 'verifySecret', '({ client, secret }) or (client, secret, done)'),
    methodOf: accessor(options.methodOf, 'methodOf', defaultMethodOf),
    certificateOf: accessor(options.certificateOf, 'certificateOf', peerCertificate),
    verifyCertificate: options.verifyCertificate === undefined ? undefined : prepareChecked(VERIFY_CERTIFICATE, options.verifyCertificate, 'verifyCertificate', '({ client, certificate, ... }) or (client, certificate, done)'),
    assertion,
    throttle,
    legacyBasic: options.legacyBasic !== false,
  };
}

