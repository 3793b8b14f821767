/**
 * oauth2orize: an OAuth 2.0 authorization server toolkit for Node.js.
 *
 * The default export is `createServer` itself, carrying the rest of the API
 * as properties, exactly as `require('oauth2orize')` returned in 1.x. The
 * same names are available as named exports.
 *
 * @packageDocumentation
 */
import { createServer, Server } from './server.js';
import { errorHandler } from './middleware/errorHandler.js';
import { OAuth2Error } from './errors/oauth2error.js';
import { AuthorizationError } from './errors/authorizationerror.js';
import { TokenError } from './errors/tokenerror.js';
import { code } from './grant/code.js';
import { token } from './grant/token.js';
import { authorizationCode } from './exchange/authorizationCode.js';
import { clientCredentials } from './exchange/clientCredentials.js';
import { password } from './exchange/password.js';
import { refreshToken } from './exchange/refreshToken.js';
// issue 12: device authorization grant (RFC 8628) and pushed authorization requests (RFC 9126)
import { deviceCode as deviceCodeExchange } from './exchange/deviceCode.js';
import { deviceCode as deviceCodeGrant } from './grant/deviceCode.js';
import { deviceCodeError } from './exchange/deviceCode.js';
import { generateUserCode, normalizeUserCode, generateDeviceCode, USER_CODE_ALPHABET } from './lib/usercode.js';
import { DEVICE_CODE_GRANT_TYPE } from './middleware/deviceAuthorization.js';
import { REQUEST_URI_PREFIX } from './middleware/par.js';
/** issue 12's runtime values, also carried by the default export. */
const deviceAndPar = {
  /** Makes a user code for the device flow (RFC 8628 §6.1). */
  generateUserCode,
  /** Normalizes a user code as typed by a user, for lookup. */
  normalizeUserCode,
  /** Makes a device code (RFC 8628 §3.2). */
  generateDeviceCode,
  USER_CODE_ALPHABET,
  /** The device flow's polling errors (`authorization_pending`, `slow_down`, ...) as `TokenError`s. */
  deviceCodeError,
  DEVICE_CODE_GRANT_TYPE,
  REQUEST_URI_PREFIX,
};
import { SessionStore } from './txn/session.js';
import './augment.js';
// issue 9: the Redis transaction store
import { RedisTransactionStore } from './txn/redis.js';
import type { GrantOptions } from './lib/grant.js';
import type { ExchangeOptions } from './exchange/defineExchange.js';
// issue 11b: metadata, revocation, introspection, token exchange, JWT bearer, client assertions
import { metadata, metadataPath, buildMetadata } from './middleware/metadata.js';
import { revocation } from './middleware/revocation.js';
import { introspection } from './middleware/introspection.js';
import { clientAssertion, JWT_BEARER_CLIENT_ASSERTION_TYPE } from './middleware/clientAssertion.js';
import { tokenExchange, TOKEN_EXCHANGE_GRANT_TYPE } from './exchange/tokenExchange.js';
import { jwtBearer, JWT_BEARER_GRANT_TYPE } from './exchange/jwtBearer.js';

/** The bundled grants (response types), with their 1.x aliases. */
export const grant = {
  /** The authorization code grant, `response_type=code`. */
  code,
  /** The implicit grant, `response_type=token`. */
  token,
  /** Alias of {@link grant.code}. */
  authorizationCode: code,
  /** Alias of {@link grant.token}. */
  implicit: token,
  /** Completes device verifications (RFC 8628 §3.3) from `server.decision()`. */
  deviceCode: deviceCodeGrant,
};

/** The bundled exchanges (grant types at the token endpoint), with the 1.x alias. */
export const exchange = {
  /** `grant_type=authorization_code`. */
  authorizationCode,
  /** `grant_type=client_credentials`. */
  clientCredentials,
  /** `grant_type=password`. */
  password,
  /** `grant_type=refresh_token`. */
  refreshToken,
  /** Alias of {@link exchange.authorizationCode}. */
  code: authorizationCode,
  /** `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693). */
  tokenExchange,
  /** `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` (RFC 7523). */
  jwtBearer,
  /** `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4). */
  deviceCode: deviceCodeExchange,
};

// issue 11: built-in response modes, and the types of PKCE, form_post and the hardened profile.
import { query as queryMode } from './response/query.js';
import { fragment as fragmentMode } from './response/fragment.js';
import { formPost } from './response/formPost.js';
/**
 * The response modes this package implements, for grants that take a
 * `modes` option (the bundled ones, or plugins such as oauth2orize-openid).
 */
export const response = {
  /** Parameters in the redirect URI's query (RFC 6749 §4.1.2). */
  query: queryMode,
  /** Parameters in the redirect URI's fragment (RFC 6749 §4.2.2). */
  fragment: fragmentMode,
  /** An auto-submitting HTML form (OAuth 2.0 Form Post Response Mode). */
  formPost,
};
export type { PkcePolicy, PkceRecord } from './lib/pkce.js';
export type { HardenedOptions } from './lib/profile.js';
export type { AuthorizationCodePkceOptions, PkceLookup } from './exchange/authorizationCode.js';
// end issue 11

// issue 10: the option types as @types/oauth2orize named them, `oauth2orize.grant.Options`
// and `oauth2orize.exchange.Options` (type-only namespaces merged with the objects above).
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace grant {
  /** @deprecated Use {@link GrantOptions}. */
  type Options<_Client = any, _User = any> = GrantOptions;
}
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace exchange {
  /** @deprecated Use {@link ExchangeOptions}. */
  type Options = ExchangeOptions;
}

/** The package's default export: `createServer`, carrying the 1.x API as properties. */
// As in 1.x, the module is `createServer` itself: `oauth2orize.createServer === oauth2orize`.
// `Server` and `SessionStore` are properties too (issue 10), so every value the typings
// declare exists in `require()`, the default import and the named imports alike.
const oauth2orize = Object.assign(createServer, {
  /** Create a new OAuth 2.0 server; the package itself is this function too. */
  createServer,
  /** The error-rendering middleware, also available as `server.errorHandler()`. */
  errorHandler,
  /** The bundled grants. */
  grant,
  /** The bundled exchanges. */
  exchange,
  /** Base class of the OAuth 2.0 errors. */
  OAuth2Error,
  /** An error at the authorization endpoint. */
  AuthorizationError,
  /** An error at the token endpoint. */
  TokenError,
  /** The server class, as `createServer` returns it. */
  Server,
  /** The default, session-backed transaction store. */
  SessionStore,
  /** The built-in response modes (query, fragment, form_post). */
  response,
  /** A transaction store on Redis, for several processes (issue 9). */
  RedisTransactionStore,
  /** Middleware serving RFC 8414 authorization server metadata; also `server.metadata()`. */
  metadata,
  /** The well-known metadata path for an issuer (RFC 8414 §3.1). */
  metadataPath,
  /** Builds the metadata document of a server. */
  buildMetadata,
  /** The RFC 7009 revocation endpoint; also `server.revocation()`. */
  revocation,
  /** The RFC 7662 introspection endpoint; also `server.introspection()`. */
  introspection,
  /** Client authentication with JWT assertions (`private_key_jwt`); also `server.clientAssertion()`. */
  clientAssertion,
  /** The RFC 8693 token exchange grant. */
  tokenExchange,
  /** The RFC 7523 JWT bearer grant. */
  jwtBearer,
  /** `client_assertion_type` of JWT client assertions (RFC 7523 §2.2). */
  JWT_BEARER_CLIENT_ASSERTION_TYPE,
  /** `grant_type` of token exchange (RFC 8693). */
  TOKEN_EXCHANGE_GRANT_TYPE,
  /** `grant_type` of the JWT bearer grant (RFC 7523 §2.1). */
  JWT_BEARER_GRANT_TYPE,
  // issue 12: device authorization and pushed authorization requests (documented where defined)
  ...deviceAndPar,
});
// issue 9: the Redis transaction store, named export and its types.
export { RedisTransactionStore };
export type { RedisTransactionStoreOptions } from './txn/redis.js';
export type { RedisClientLike, NodeRedisClientLike, IoRedisClientLike } from './txn/redisclient.js';

export default oauth2orize;
export { createServer, errorHandler, OAuth2Error, AuthorizationError, TokenError, Server, SessionStore };
// issue 11b: metadata, revocation, introspection, token exchange, JWT bearer, client assertions
export {
  metadata, metadataPath, buildMetadata, revocation, introspection, clientAssertion, tokenExchange, jwtBearer,
  JWT_BEARER_CLIENT_ASSERTION_TYPE, TOKEN_EXCHANGE_GRANT_TYPE, JWT_BEARER_GRANT_TYPE,
};
export type { AuthorizationServerMetadata, MetadataOptions } from './middleware/metadata.js';
export type { RevocationOptions, RevokeFunction, RevokeContext } from './middleware/revocation.js';
export type { IntrospectionOptions, IntrospectFunction, IntrospectContext, IntrospectCallback, IntrospectionClaims } from './middleware/introspection.js';
export type { ClientAssertionOptions, ClientAssertionContext, VerifyClientAssertion, VerifyClientAssertionCallback, JtiFunction, JtiContext } from './middleware/clientAssertion.js';
export type { TokenExchangeOptions, TokenExchangeRequest, TokenExchangeContext, TokenExchangeIssue, ExchangedToken } from './exchange/tokenExchange.js';
export type { JwtBearerOptions, JwtBearerContext, JwtBearerIssue } from './exchange/jwtBearer.js';
export type { CompactJws } from './lib/jws.js';
export type * from './types.js';
// issue 10: the type names of @types/oauth2orize 1.11.5 (deprecated aliases)
export type * from './compat.js';
export type {
  ServerOptions,
  GrantModule,
  GrantPhase,
  RequestParser,
  SyncRequestParser,
  AsyncRequestParser,
  ResponseHandler,
  GrantErrorHandler,
  ExchangeFunction,
  SerializeClientFunction,
  DeserializeClientFunction,
  TransactionStore,
  LegacyTransactionStore,
  RequestTransactionStore,
  ParserRequest,
} from './server.js';
export type { OAuth2ErrorCode, OAuth2ErrorOptions } from './errors/oauth2error.js';
export type { ErrorHandlerOptions } from './middleware/errorHandler.js';
export type { TokenOptions } from './middleware/token.js';
export type { AuthorizationOptions, ValidateFunction, ValidateCallback, ValidateContext, ValidateResult, ImmediateFunction, ImmediateCallback, ImmediateContext, CompleteFunction, CompleteContext } from './middleware/authorization.js';
export type { ImmediateResult } from './lib/transaction.js';
export type { ResumeOptions } from './middleware/resume.js';
export type { DecisionOptions, DecisionParseFunction, DecisionParseContext, DecisionParseResult } from './middleware/decision.js';
export type { AuthorizationErrorHandlerOptions } from './middleware/authorizationErrorHandler.js';
export type { SessionStoreOptions, SessionStoreConfig } from './txn/session.js';
export type { CodeGrantOptions, IssueCode, IssueCodeCallback, IssueCodeContext, ExtendCode, ExtendCodeContext } from './grant/code.js';
export type { TokenGrantOptions, IssueToken, IssueTokenCallback, IssueTokenContext } from './grant/token.js';
export type { AuthorizationCodeOptions, AuthorizationCodeIssue, AuthorizationCodeContext } from './exchange/authorizationCode.js';
export type { ClientCredentialsOptions, ClientCredentialsIssue, ClientCredentialsContext } from './exchange/clientCredentials.js';
export type { PasswordOptions, PasswordIssue, PasswordContext } from './exchange/password.js';
export type { RefreshTokenOptions, RefreshTokenIssue, RefreshTokenContext } from './exchange/refreshToken.js';
export type { IssuedCallback, IssuedTokens } from './lib/respond.js';
export type { ExchangeOptions } from './exchange/defineExchange.js';
export type { GrantOptions } from './lib/grant.js';
// issue 12: device authorization grant (RFC 8628) and pushed authorization requests (RFC 9126)
export { generateUserCode, normalizeUserCode, generateDeviceCode, USER_CODE_ALPHABET, deviceCodeError, DEVICE_CODE_GRANT_TYPE, REQUEST_URI_PREFIX };
export type { DeviceCodeOptions, DeviceCodeState, DeviceCodePollUpdate, DeviceCodeCallbacks, DeviceCodeIssue, DeviceCodeErrorCode, DeviceCodeLoadContext, DeviceCodeUpdateContext, DeviceCodeIssueContext } from './exchange/deviceCode.js';
export type { DeviceCodeGrantOptions, DeviceDecide, DeviceDecisionContext } from './grant/deviceCode.js';
export type { DeviceAuthorizationOptions, DeviceAuthorizationRecord, DeviceAuthorizationStore } from './middleware/deviceAuthorization.js';
export type { DeviceVerificationOptions, DeviceVerificationRecord, DeviceLookupFunction, DeviceLookupContext, DeviceAttemptFunction, DeviceAttemptContext } from './middleware/deviceVerification.js';
export type { PushedAuthorizationOptions, PushedAuthorizeOptions, PushedRequestRecord, PushedRequestStore, PushedRequestLoader, PushedRequestLoadContext } from './middleware/par.js';
