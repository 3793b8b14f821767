/**
 * oauth2orize: an OAuth 2.0 authorization server toolkit for Node.js.
 *
 * The default export is `createServer` itself, carrying the rest of the API
 * as properties, exactly as `require('oauth2orize')` returned in 1.x. The
 * same names are available as named exports.
 *
 * The exports below are listed by capability, one `export` / `export type`
 * pair per module; the API reference groups them the same way (`@group`).
 *
 * @packageDocumentation
 */
import './augment.js';

// Core 1.x: the server, its 1.x endpoints' option and callback types, and the error middleware.
import { createServer, Server } from './server.js';
import { errorHandler } from './middleware/errorHandler.js';
export { createServer, Server };
export { errorHandler };
export type { ErrorHandlerOptions } from './middleware/errorHandler.js';
export type { TokenOptions } from './middleware/token.js';
export type {
  AuthorizationOptions, ValidateFunction, ValidateCallback, ValidateContext, ValidateResult,
  ImmediateFunction, ImmediateContext, CompleteFunction, CompleteContext,
} from './middleware/authorization.js';
export type { ResumeOptions } from './middleware/resume.js';
export type { DecisionOptions, DecisionParseFunction, DecisionParseContext, DecisionParseResult } from './middleware/decision.js';
export type { AuthorizationErrorHandlerOptions } from './middleware/authorizationErrorHandler.js';
export type { HardenedOptions } from './settings/profile.js';
export type { PkcePolicy, PkceRecord } from './pkce.js';

// Grants (response types at the authorization endpoint), with their 1.x aliases.
import { code } from './grant/code.js';
import { token } from './grant/token.js';
import { deviceCode as deviceCodeGrant } from './grant/deviceCode.js';
import type { GrantOptions } from './grant/authorizationResponse.js';
export type { CodeGrantOptions, IssueCode, IssueCodeCallback, IssueCodeContext, ExtendCode, ExtendCodeContext } from './grant/code.js';
export type { TokenGrantOptions, IssueToken, IssueTokenCallback, IssueTokenContext } from './grant/token.js';
export type { GrantOptions };

/**
 * The bundled grants (response types), with their 1.x aliases.
 *
 * @group Grants
 */
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

/**
 * The option type as `@types/oauth2orize` named it, `oauth2orize.grant.Options`
 * (a type-only namespace merged with the object above).
 *
 * @group Grants
 */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace grant {
  /** @deprecated Use {@link GrantOptions}. */
  type Options<_Client = any, _User = any> = GrantOptions;
}

// Exchanges (grant types at the token endpoint), with the 1.x alias.
import { authorizationCode } from './exchange/authorizationCode.js';
import { clientCredentials } from './exchange/clientCredentials.js';
import { password } from './exchange/password.js';
import { refreshToken } from './exchange/refreshToken.js';
import { tokenExchange, TOKEN_EXCHANGE_GRANT_TYPE } from './exchange/tokenExchange.js';
import { jwtBearer, JWT_BEARER_GRANT_TYPE } from './exchange/jwtBearer.js';
import { deviceCode as deviceCodeExchange, deviceCodeError } from './exchange/deviceCode.js';
export type { AuthorizationCodeOptions, AuthorizationCodeIssue, AuthorizationCodeContext, AuthorizationCodePkceOptions, PkceLookup } from './exchange/authorizationCode.js';
export type { ClientCredentialsOptions, ClientCredentialsIssue, ClientCredentialsContext } from './exchange/clientCredentials.js';
export type { PasswordOptions, PasswordIssue, PasswordContext } from './exchange/password.js';
export type { RefreshTokenOptions, RefreshTokenIssue, RefreshTokenContext, DpopBindingLookup } from './exchange/refreshToken.js';
export { tokenExchange, TOKEN_EXCHANGE_GRANT_TYPE };
export type { TokenExchangeOptions, TokenExchangeRequest, TokenExchangeContext, TokenExchangeIssue, ExchangedToken } from './exchange/tokenExchange.js';
export { jwtBearer, JWT_BEARER_GRANT_TYPE };
export type { JwtBearerOptions, JwtBearerContext, JwtBearerIssue } from './exchange/jwtBearer.js';
export type { ExchangeOptions, IssuedCallback, IssuedTokens } from './types.js';
import type { ExchangeOptions } from './types.js';

/**
 * The bundled exchanges (grant types at the token endpoint), with the 1.x alias.
 *
 * @group Exchanges
 */
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

/**
 * The option type as `@types/oauth2orize` named it, `oauth2orize.exchange.Options`
 * (a type-only namespace merged with the object above).
 *
 * @group Exchanges
 */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace exchange {
  /** @deprecated Use {@link ExchangeOptions}. */
  type Options = ExchangeOptions;
}

// Response modes, for grants that take a `modes` option.
import { query as queryMode } from './response/query.js';
import { fragment as fragmentMode } from './response/fragment.js';
import { formPost } from './response/formPost.js';

/**
 * The response modes this package implements, for grants that take a
 * `modes` option (the bundled ones, or plugins such as oauth2orize-openid).
 *
 * @group Response modes
 */
export const response = {
  /** Parameters in the redirect URI's query (RFC 6749 §4.1.2). */
  query: queryMode,
  /** Parameters in the redirect URI's fragment (RFC 6749 §4.2.2). */
  fragment: fragmentMode,
  /** An auto-submitting HTML form (OAuth 2.0 Form Post Response Mode). */
  formPost,
};

// Endpoints added to 1.x's: metadata, revocation, introspection, client assertions.
import { metadata, metadataPath, buildMetadata } from './middleware/metadata.js';
import { revocation } from './middleware/revocation.js';
import { introspection } from './middleware/introspection.js';
import { clientAssertion, JWT_BEARER_CLIENT_ASSERTION_TYPE } from './middleware/clientAssertion.js';
export { metadata, metadataPath, buildMetadata };
export type { AuthorizationServerMetadata, MetadataOptions } from './middleware/metadata.js';
export { revocation };
export type { RevocationOptions, RevokeFunction, RevokeContext } from './middleware/revocation.js';
export { introspection };
export type { IntrospectionOptions, IntrospectFunction, IntrospectContext, IntrospectCallback, IntrospectionClaims } from './middleware/introspection.js';
export { clientAssertion, JWT_BEARER_CLIENT_ASSERTION_TYPE };
export type { ClientAssertionOptions, ClientAssertionContext, VerifyClientAssertion, VerifyClientAssertionCallback, JtiFunction, JtiContext } from './middleware/clientAssertion.js';

// Client authentication (RFC 6749 §2.3, RFC 7523 §2.2, RFC 8705): every method, with throttling.
import { authenticateClient } from './clientauth/authenticateClient.js';
export { authenticateClient };
export type {
  AuthenticateClientOptions, ClientAuthInfo, LookupClientFunction, LookupClientContext, LookupClientCallback,
  VerifySecretFunction, VerifySecretContext, VerifyCertificateFunction, VerifyCertificateContext, AccessorFunction, AssertionMethodOptions,
} from './clientauth/options.js';
export type { ClientAuthMethod, ClientAuthEndpoint } from './clientauth/methods.js';

// Device flow (RFC 8628): the endpoints, the codes, the grant and the exchange.
import { DEVICE_CODE_GRANT_TYPE } from './device/deviceCodeTypes.js';
import { generateUserCode, normalizeUserCode, generateDeviceCode, USER_CODE_ALPHABET } from './device/userCode.js';
export { DEVICE_CODE_GRANT_TYPE };
export { generateUserCode, normalizeUserCode, generateDeviceCode, USER_CODE_ALPHABET };
export type { DeviceAuthorizationOptions, DeviceAuthorizationRecord, DeviceAuthorizationStore } from './device/deviceAuthorization.js';
export type { DeviceVerificationOptions, DeviceVerificationRecord, DeviceLookupFunction, DeviceLookupContext, DeviceAttemptFunction, DeviceAttemptContext } from './device/deviceVerification.js';
export type { DeviceCodeGrantOptions, DeviceDecide, DeviceDecisionContext } from './grant/deviceCode.js';
export { deviceCodeError };
export type {
  DeviceCodeOptions, DeviceCodeState, DeviceCodePollUpdate, DeviceCodeCallbacks, DeviceCodeIssue, DeviceCodeErrorCode,
  DeviceCodeLoadContext, DeviceCodeUpdateContext, DeviceCodeIssueContext,
} from './exchange/deviceCode.js';
import { deviceCodeCallbacks } from './device/deviceCodeStore.js';
export { deviceCodeCallbacks };
export type { DeviceCodeCallbacksOptions, DeviceCodeCallbacksResult, DeviceGrant, DeviceGrantContext, DeviceIssueContext } from './device/deviceCodeStore.js';

// Pushed authorization requests (RFC 9126): the endpoint, and the authorize hook.
import { REQUEST_URI_PREFIX } from './par/pushedAuthorization.js';
export { REQUEST_URI_PREFIX };
export type { PushedAuthorizationOptions, PushedRequestStore } from './par/pushedAuthorization.js';
export type { PushedAuthorizeOptions, PushedRequestRecord, PushedRequestLoader, PushedRequestLoadContext } from './par/loadPushedRequest.js';
import { pushedRequestCallbacks } from './par/pushedRequestStore.js';
export { pushedRequestCallbacks };
export type { PushedRequestCallbacks } from './par/pushedRequestStore.js';

// Resource servers: resource indicators (RFC 8707), protected resource metadata (RFC 9728), bearer tokens (RFC 6750).
import { requestedResources, isSubsetOf, invalidTarget } from './resource/indicators.js';
import { protectedResourceMetadata, protectedResourceMetadataPath, protectedResourceMetadataURL, buildProtectedResourceMetadata } from './resource/protectedResourceMetadata.js';
import { bearer, requireScope, bearerTokenInfo } from './resource/bearer.js';
export { requestedResources, isSubsetOf, invalidTarget };
export { protectedResourceMetadata, protectedResourceMetadataPath, protectedResourceMetadataURL, buildProtectedResourceMetadata };
export type { ProtectedResourceMetadata, ProtectedResourceMetadataOptions } from './resource/protectedResourceMetadata.js';
export { bearer, requireScope, bearerTokenInfo };
export type { BearerOptions, BearerVerify, BearerTokenInfo, BearerAuth } from './resource/bearer.js';
export type { BearerDpopOptions } from './resource/dpop.js';
// Client registration: dynamic registration (RFC 7591) and client ID metadata documents.
import { registration, loopbackPublicClientPolicy } from './registration/registration.js';
export { registration, loopbackPublicClientPolicy };
export type {
  RegistrationOptions, RegistrationThrottleOptions, RegisteredClient, RegisteredClientStore, RegistrationPolicy, RegistrationPolicyContext,
  InitialAccessTokenFunction, InitialAccessTokenContext, RegistrationManagementOptions, MetadataRuleOptions,
} from './registration/registration.js';
import { clientConfiguration } from './registration/clientConfiguration.js';
export { clientConfiguration };
export type { ClientConfigurationOptions, ClientConfigurationStore } from './registration/clientConfiguration.js';
export type { ClientMetadata } from './registration/clientMetadata.js';
import { createClientIdMetadataResolver, isClientIdMetadataUrl } from './registration/cimd.js';
export { createClientIdMetadataResolver, isClientIdMetadataUrl };
export type {
  ClientIdMetadataOptions, ClientIdMetadataResolver, ClientIdMetadataDocument, ClientIdMetadataCheck, ClientIdMetadataFailure,
  ClientIdLookupFunction, ClientIdConnectFunction, ClientIdConnectTarget, ResolvedAddress,
} from './registration/cimd.js';
// DPoP (RFC 9449): proof validation, thumbprints, nonces, and the proof a token request carried.
import { verifyDpopProof } from './dpop/proof.js';
import { jwkThumbprint } from './dpop/jwk.js';
import { DpopNonces } from './dpop/nonce.js';
import { dpopProofOf } from './dpop/tokenRequest.js';
export { verifyDpopProof, jwkThumbprint, DpopNonces, dpopProofOf };
export type { VerifyDpopProofOptions, DpopProof, UseDpopNonceError } from './dpop/proof.js';
export type { PublicJwk } from './dpop/jwk.js';
export type { DpopNonceOptions } from './dpop/nonce.js';
export type { DpopOptions } from './settings/dpop.js';

// Observability: the diagnostics channels, their payloads, and what they say about clients and users.
import { TRACING_CHANNELS, EVENT_CHANNELS, configureDiagnostics, describeClient, isObserved, publishEvent } from './diagnostics/channels.js';
export { TRACING_CHANNELS, EVENT_CHANNELS, configureDiagnostics, describeClient, isObserved, publishEvent };
export type {
  EndpointName, EndpointContext, Outcome, DiagnosticsOptions, SecurityEvents, ClientAuthFailedEvent, ThrottledEvent, CallbackMisuseEvent,
  RefreshReuseEvent, CodeReplayEvent, DpopRejectedEvent, PkceFailedEvent, PkceFailureReason, HiddenErrorEvent,
} from './diagnostics/channels.js';

// Transaction stores.
import { SessionStore } from './txn/session.js';
import { RedisTransactionStore } from './txn/redis.js';
export { SessionStore };
export type { SessionStoreConfig, SessionStoreOptions } from './txn/session.js';
export { RedisTransactionStore };
export type { RedisTransactionStoreOptions } from './txn/redis.js';
export type { RedisClientLike, NodeRedisClientLike, IoRedisClientLike } from './txn/redisclient.js';

// Stores of counters and one-time claims: the throttle's failures, assertions' jti.
import { MemoryAttemptStore, RedisAttemptStore } from './stores/attempts.js';
import { MemoryReplayStore, RedisReplayStore } from './stores/replay.js';
export { MemoryAttemptStore, RedisAttemptStore };
export type { AttemptStore, MemoryAttemptStoreOptions, RedisAttemptStoreOptions } from './stores/attempts.js';
export { MemoryReplayStore, RedisReplayStore };
export type { ReplayStore, MemoryReplayStoreOptions, RedisReplayStoreOptions } from './stores/replay.js';

// One-time state of the token endpoint: authorization codes, refresh-token families.
import { MemoryAuthorizationCodeStore, RedisAuthorizationCodeStore, redeemCodes } from './stores/codes.js';
import { MemoryRefreshFamilyStore, RedisRefreshFamilyStore, rotateRefreshTokens } from './stores/refreshFamilies.js';
export { MemoryAuthorizationCodeStore, RedisAuthorizationCodeStore, redeemCodes };
export type { AuthorizationCodeStore, CodeConsumption, MemoryAuthorizationCodeStoreOptions, RedisAuthorizationCodeStoreOptions, CodeRedemption, CodeRedemptionContext, CodeRedeemer, RedeemedTokens } from './stores/codes.js';
export { MemoryRefreshFamilyStore, RedisRefreshFamilyStore, rotateRefreshTokens };
export type { RefreshFamilyStore, RefreshRotation, FamilyToken, FamilyRecord, RefreshTokenRequest, MemoryRefreshFamilyStoreOptions, RedisRefreshFamilyStoreOptions, RefreshRotationOptions, RefreshRotationContext, RefreshRotationIssue } from './stores/refreshFamilies.js';
// One-time state of the device flow and of PAR, atomic in the store.
import { MemoryDeviceCodeStore, RedisDeviceCodeStore } from './stores/deviceCodes.js';
import { MemoryRequestURIStore, RedisRequestURIStore } from './stores/pushedRequests.js';
export { MemoryDeviceCodeStore, RedisDeviceCodeStore };
export type {
  DeviceCodeStore, DeviceCodeInput, StoredDeviceCode, DevicePoll, MemoryDeviceCodeStoreOptions, RedisDeviceCodeStoreOptions,
} from './stores/deviceCodes.js';
export { MemoryRequestURIStore, RedisRequestURIStore };
export type {
  RequestURIStore, PushedRequestInput, StoredPushedRequest, MemoryRequestURIStoreOptions, RedisRequestURIStoreOptions,
} from './stores/pushedRequests.js';

// The throttle of client authentication.
import { createThrottle } from './clientauth/throttle.js';
export { createThrottle };
export type { ClientThrottle, ThrottleDecision, ThrottleOptions } from './clientauth/throttle.js';

// Errors.
import { OAuth2Error } from './errors/oauth2error.js';
import { AuthorizationError } from './errors/authorizationerror.js';
import { TokenError } from './errors/tokenerror.js';
export { OAuth2Error };
export type { OAuth2ErrorOptions } from './errors/oauth2error.js';
export type { OAuth2ErrorCode } from './errors/codes.js';
export { AuthorizationError };
export { TokenError };

// Types shared across capabilities.
export type {
  ParamBag, CompactJws, Callback, NextFunction, AuthorizationRequest, AuthorizationResponse, OAuth2Transaction,
  OAuth2IncomingMessage, OAuth2ServerResponse, Bivariant, Middleware, ErrorMiddleware, ResponseMode, ResponseModes,
  OAuth2ErrorLike, ParserRequest, SyncRequestParser, AsyncRequestParser, RequestParser, ResponseHandler,
  GrantErrorHandler, GrantModule, ExchangeFunction, GrantPhase, GrantLayer, ExchangeLayer, SerializeClientFunction,
  DeserializeClientFunction, ImmediateCallback, ImmediateResult, TransactionClaimCallback, LegacyTransactionStore,
  RequestTransactionStore, TransactionStore, TransactionHost, ServerOptions, OAuth2Request, TransactionOf,
} from './types.js';

// The type names of @types/oauth2orize 1.11.5, as deprecated aliases.
export type {
  OAuth2Req, OAuth2Info, OAuth2, MiddlewareRequest, MiddlewareNextFunction, MiddlewareFunction, MiddlewareErrorFunction,
  OAuth2Server, AuthorizeOptions, ValidateDoneFunction, ValidateFunctionArity2, ValidateFunctionArity4,
  ValidateFunctionArity5, IssueGrantCodeDoneFunction, IssueGrantCodeFunction, IssueGrantCodeFunctionArity4,
  IssueGrantCodeFunctionArity6, IssueGrantCodeFunctionArity7, IssueGrantTokenFunctionArity4,
  IssueGrantTokenFunctionArity5, IssueExchangeCodeFunction, IssueExchangeCodeFunctionArity5,
  IssueExchangeCodeFunctionArity6, ExchangeDoneFunction, SerializeClientDoneFunction, DeserializeClientDoneFunction,
  AuthorizationErrorCode, TokenErrorCode,
} from './compat.js';

/**
 * The package's default export: `createServer`, carrying the 1.x API as
 * properties. As in 1.x, the module is `createServer` itself
 * (`oauth2orize.createServer === oauth2orize`); every value the typings
 * declare is a property too, so `require()`, the default import and the
 * named imports offer the same names.
 *
 * @group Core 1.x
 */
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
  /** A transaction store on Redis, for several processes. */
  RedisTransactionStore,
  /** Attempt counters in memory (one process). */
  MemoryAttemptStore,
  /** Attempt counters on Redis, shared by several processes. */
  RedisAttemptStore,
  /** One-time claims (assertion `jti`s) in memory (one process). */
  MemoryReplayStore,
  /** One-time claims on Redis, shared by several processes. */
  RedisReplayStore,
  /** Authorization codes in memory (one process). */
  MemoryAuthorizationCodeStore,
  /** Authorization codes on Redis, shared by several processes. */
  RedisAuthorizationCodeStore,
  /** Redeems codes of an authorization code store in `exchange.code`. */
  redeemCodes,
  /** Refresh-token families in memory (one process). */
  MemoryRefreshFamilyStore,
  /** Refresh-token families on Redis, shared by several processes. */
  RedisRefreshFamilyStore,
  /** Rotates refresh tokens of a family store in `exchange.refreshToken`. */
  rotateRefreshTokens,
  /** Device authorizations in memory (one process), with atomic approve, deny and poll. */
  MemoryDeviceCodeStore,
  /** Device authorizations on Redis, shared by several processes. */
  RedisDeviceCodeStore,
  /** Pushed authorization requests in memory (one process), one use, bound to their client. */
  MemoryRequestURIStore,
  /** Pushed authorization requests on Redis, shared by several processes. */
  RedisRequestURIStore,
  /** The device flow's callbacks built on a device-code store. */
  deviceCodeCallbacks,
  /** PAR's `store` and `loadPushedRequest` built on a request_uri store. */
  pushedRequestCallbacks,
  /** The throttle of failed client authentications. */
  createThrottle,
  /** Validate a request's DPoP proof (RFC 9449 §4.3). */
  verifyDpopProof,
  /** The JWK SHA-256 thumbprint of a public key (RFC 7638). */
  jwkThumbprint,
  /** Stateless DPoP nonces (RFC 9449 §8). */
  DpopNonces,
  /** The DPoP proof the token endpoint validated on a request. */
  dpopProofOf,
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
  /** Client authentication with every method of RFC 6749 §2.3, RFC 7523 and RFC 8705; also `server.authenticateClient()`. */
  authenticateClient,
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
  /** Makes a user code for the device flow (RFC 8628 §6.1). */
  generateUserCode,
  /** Normalizes a user code as typed by a user, for lookup. */
  normalizeUserCode,
  /** Makes a device code (RFC 8628 §3.2). */
  generateDeviceCode,
  /** The alphabet of user codes (RFC 8628 §6.1). */
  USER_CODE_ALPHABET,
  /** The device flow's polling errors (`authorization_pending`, `slow_down`, ...) as `TokenError`s. */
  deviceCodeError,
  /** `grant_type` of the device authorization grant (RFC 8628 §3.4). */
  DEVICE_CODE_GRANT_TYPE,
  /** The prefix of the `request_uri` values this package issues (RFC 9126 §2.2). */
  REQUEST_URI_PREFIX,
  /** The dynamic client registration endpoint (RFC 7591); also `server.registration()`. */
  registration,
  /** A registration policy: open for public clients with loopback redirect URIs. */
  loopbackPublicClientPolicy,
  /** The client configuration endpoint (RFC 7592); also `server.clientConfiguration()`. */
  clientConfiguration,
  /** A resolver of client ID metadata documents; also `server.clientIdMetadataDocuments()`. */
  createClientIdMetadataResolver,
  /** Whether a `client_id` is a client ID metadata document URL. */
  isClientIdMetadataUrl,
  /** The names of the endpoints' tracing channels (`oauth2orize:<endpoint>`). */
  TRACING_CHANNELS,
  /** The names of the security-event channels and of `oauth2orize:error`. */
  EVENT_CHANNELS,
  /** Chooses what the channels' payloads say about clients and users. */
  configureDiagnostics,
  /** The `clientId` of a payload, for a client, as configured. */
  describeClient,
  /** Whether anyone listens for a security event. */
  isObserved,
  /** Publishes a security event. */
  publishEvent,
  /** The checked RFC 8707 `resource` list of a token request body. */
  requestedResources,
  /** Whether requested resources are a subset of the granted ones (RFC 8707 §2.2). */
  isSubsetOf,
  /** The `invalid_target` error (RFC 8707 §2). */
  invalidTarget,
  /** Middleware serving RFC 9728 protected resource metadata. */
  protectedResourceMetadata,
  /** The well-known path of a resource's metadata (RFC 9728 §3.1). */
  protectedResourceMetadataPath,
  /** The absolute URL of a resource's metadata (RFC 9728 §3.1). */
  protectedResourceMetadataURL,
  /** Builds an RFC 9728 protected resource metadata document. */
  buildProtectedResourceMetadata,
  /** Middleware protecting a resource with bearer tokens (RFC 6750). */
  bearer,
  /** Middleware requiring scopes of the token `bearer` let through. */
  requireScope,
  /** The claims of the token `bearer` let through. */
  bearerTokenInfo,
});

export default oauth2orize;
