/**
 * The type names of `@types/oauth2orize` 1.11.5, so that code typed against
 * that package compiles unchanged. Each is an alias of this package's own
 * type where the meaning is the same, or a narrow interface over it where
 * `@types/oauth2orize` promised more (its `OAuth2` says `transactionID` and
 * `redirectURI` are always there). All are deprecated: use the new name given
 * in each one's note.
 *
 * The arity types (`ValidateFunctionArity2`, `IssueGrantCodeFunctionArity6`,
 * ...) are aliases of the one callback type that covers every arity, so a
 * cast such as `((areq, done) => ...) as ValidateFunctionArity2` still types
 * the callback's parameters, and the result is accepted wherever the callback
 * goes.
 */
import type { ServerResponse } from 'node:http';
import type { Server } from './server.js';
import type {
  AuthorizationRequest,
  Bivariant,
  NextFunction,
  OAuth2IncomingMessage,
  OAuth2Transaction,
} from './types.js';
import type { AuthorizationOptions, ValidateCallback, ValidateFunction } from './middleware/authorization.js';
import type { IssueCode, IssueCodeCallback } from './grant/code.js';
import type { IssueToken } from './grant/token.js';
import type { AuthorizationCodeIssue } from './exchange/authorizationCode.js';
import type { IssuedCallback } from './types.js';

/**
 * The authorization request as `@types/oauth2orize` typed it, with the
 * fields it promised.
 *
 * @deprecated Use {@link AuthorizationRequest}, whose optional fields say
 * what the request may leave out.
 *
 * @group Deprecated type names
 */
export interface OAuth2Req extends AuthorizationRequest {
  /** The `client_id` parameter. */
  clientID: string;
  /** The `redirect_uri` parameter (declared present; it may be absent). */
  redirectURI: string;
  /** The requested scope (declared present; it may be absent). */
  scope: string[];
  /** The `state` parameter (declared present; it may be absent). */
  state: string;
  /** The response type. */
  type: string;
  /** The transaction ID, as `@types/oauth2orize` declared it here. */
  transactionID: string;
}

/**
 * `req.oauth2.info` as `@types/oauth2orize` typed it.
 *
 * @deprecated Use `Record<string, unknown>`: `info` is whatever `immediate` passed.
 *
 * @group Deprecated type names
 */
export interface OAuth2Info {
  /** The scope `immediate` reported, as `@types/oauth2orize` declared it. */
  scope: string;
  [key: string]: unknown;
}

/**
 * `req.oauth2` as `@types/oauth2orize` typed it: an {@link OAuth2Transaction}
 * whose `transactionID`, `redirectURI`, `user`, `req` and `info` are declared
 * present. An app's own `Express.Request` augmentation with this type (optional
 * or not) coexists with the package's.
 *
 * @deprecated Use {@link OAuth2Transaction}.
 *
 * @group Deprecated type names
 */
export interface OAuth2<Client = any, User = any> extends OAuth2Transaction<Client, User> {
  client: Client;
  user: User;
  transactionID: string;
  redirectURI: string;
  req: OAuth2Req;
  info: OAuth2Info;
}

/**
 * A request carrying `oauth2` and `user`, as `@types/oauth2orize` typed it.
 *
 * @deprecated Use {@link OAuth2Request}.
 *
 * @group Deprecated type names
 */
export interface MiddlewareRequest<Client = any, User = any> extends OAuth2IncomingMessage {
  /** The transaction, set by the authorization endpoint and the transaction loader. */
  oauth2?: OAuth2<Client, User> | undefined;
  /** The signed-in user (or, at the token endpoint, the client). */
  user?: User;
}

/**
 * @deprecated Use {@link NextFunction}.
 *
 * @group Deprecated type names
 */
export type MiddlewareNextFunction = NextFunction;

/**
 * A middleware as `@types/oauth2orize` typed it; the package's own
 * middleware are assignable to it.
 *
 * @deprecated Use `Middleware` (or your framework's handler type).
 *
 * @group Deprecated type names
 */
export type MiddlewareFunction<
  Client = any,
  User = any,
  TReq extends MiddlewareRequest<Client, User> = MiddlewareRequest<Client, User>,
> = (req: TReq, res: ServerResponse, next: MiddlewareNextFunction) => void;

/**
 * An error middleware as `@types/oauth2orize` typed it.
 *
 * @deprecated Use `ErrorMiddleware`.
 *
 * @group Deprecated type names
 */
export type MiddlewareErrorFunction<Client = any, User = any> = (
  err: Error,
  req: MiddlewareRequest<Client, User>,
  res: ServerResponse,
  next: MiddlewareNextFunction,
) => void;

/**
 * @deprecated Use {@link Server}.
 *
 * @group Deprecated type names
 */
export type OAuth2Server<Client = any, User = any> = Server<Client, User>;

/**
 * @deprecated Use {@link AuthorizationOptions}.
 *
 * @group Deprecated type names
 */
export type AuthorizeOptions = AuthorizationOptions;

/**
 * @deprecated Use {@link ValidateCallback}.
 *
 * @group Deprecated type names
 */
export type ValidateDoneFunction<Client = any> = ValidateCallback<Client>;

// The arity types keep the narrower parameter types `@types/oauth2orize`
// promised (`redirectURI: string`, `areq: OAuth2Req`), intersected with what
// the package passes at that position, so they remain assignable to the
// package's callback types (which cover every arity) and casts to them type
// the callback's parameters as before.
type At<F extends (...args: any[]) => unknown, I extends number> = Parameters<F>[I];
type V<C> = ValidateFunction<C>;
type G<C, U> = IssueCode<C, U>;
type T<C, U> = IssueToken<C, U>;
type X<C> = AuthorizationCodeIssue<C>;

/** `(clientID, redirectURI, done)`. @deprecated Use {@link ValidateFunction}, which covers every arity. */
/**
 * `(areq, done)`. @deprecated Use {@link ValidateFunction}, which covers every arity.
 *
 * @group Deprecated type names
 */
export type ValidateFunctionArity2<Client = any> = Bivariant<(areq: OAuth2Req & At<V<Client>, 0>, validated: ValidateDoneFunction<Client> & At<V<Client>, 1>) => void>;
/**
 * `(clientID, redirectURI, scope, done)`. @deprecated Use {@link ValidateFunction}, which covers every arity.
 *
 * @group Deprecated type names
 */
export type ValidateFunctionArity4<Client = any> = Bivariant<(clientId: string & At<V<Client>, 0>, redirectURI: string & At<V<Client>, 1>, scope: string[] & At<V<Client>, 2>, validated: ValidateDoneFunction<Client> & At<V<Client>, 3>) => void>;
/**
 * `(clientID, redirectURI, scope, type, done)`. @deprecated Use {@link ValidateFunction}, which covers every arity.
 *
 * @group Deprecated type names
 */
export type ValidateFunctionArity5<Client = any> = Bivariant<(clientId: string & At<V<Client>, 0>, redirectURI: string & At<V<Client>, 1>, scope: string[] & At<V<Client>, 2>, type: string & At<V<Client>, 3>, validated: ValidateDoneFunction<Client> & At<V<Client>, 4>) => void>;

/**
 * @deprecated Use {@link IssueCodeCallback}.
 *
 * @group Deprecated type names
 */
export type IssueGrantCodeDoneFunction = IssueCodeCallback;
/**
 * `(client, redirectURI, user, ares, done)`. @deprecated Use {@link IssueCode}, which covers every arity.
 *
 * @group Deprecated type names
 */
export type IssueGrantCodeFunction<Client = any, User = any> = Bivariant<(client: Client & At<G<Client, User>, 0>, redirectUri: string & At<G<Client, User>, 1>, user: User & At<G<Client, User>, 2>, res: any, issued: IssueGrantCodeDoneFunction & At<G<Client, User>, 4>) => void>;
/**
 * `(client, redirectURI, user, done)`. @deprecated Use {@link IssueCode}, which covers every arity.
 *
 * @group Deprecated type names
 */
export type IssueGrantCodeFunctionArity4<Client = any, User = any> = Bivariant<(client: Client & At<G<Client, User>, 0>, redirectUri: string & At<G<Client, User>, 1>, user: User & At<G<Client, User>, 2>, issued: IssueGrantCodeDoneFunction & At<G<Client, User>, 3>) => void>;
/**
 * `(client, redirectURI, user, ares, areq, done)`. @deprecated Use {@link IssueCode}, which covers every arity.
 *
 * @group Deprecated type names
 */
export type IssueGrantCodeFunctionArity6<Client = any, User = any> = Bivariant<(client: Client & At<G<Client, User>, 0>, redirectUri: string & At<G<Client, User>, 1>, user: User & At<G<Client, User>, 2>, res: any, req: OAuth2Req & At<G<Client, User>, 4>, issued: IssueGrantCodeDoneFunction & At<G<Client, User>, 5>) => void>;
/**
 * `(client, redirectURI, user, ares, areq, locals, done)`. @deprecated Use {@link IssueCode}, which covers every arity.
 *
 * @group Deprecated type names
 */
export type IssueGrantCodeFunctionArity7<Client = any, User = any> = Bivariant<(client: Client & At<G<Client, User>, 0>, redirectUri: string & At<G<Client, User>, 1>, user: User & At<G<Client, User>, 2>, res: any, req: OAuth2Req & At<G<Client, User>, 4>, locals: any, issued: IssueGrantCodeDoneFunction & At<G<Client, User>, 6>) => void>;

/**
 * `(client, user, ares, done)`. @deprecated Use `IssueToken`, which covers every arity.
 *
 * @group Deprecated type names
 */
export type IssueGrantTokenFunctionArity4<Client = any, User = any> = Bivariant<(client: Client & At<T<Client, User>, 0>, user: User & At<T<Client, User>, 1>, ares: any, issued: At<T<Client, User>, 3>) => void>;
/**
 * `(client, user, ares, areq, done)`. @deprecated Use `IssueToken`, which covers every arity.
 *
 * @group Deprecated type names
 */
export type IssueGrantTokenFunctionArity5<Client = any, User = any> = Bivariant<(client: Client & At<T<Client, User>, 0>, user: User & At<T<Client, User>, 1>, ares: any, areq: any, issued: At<T<Client, User>, 4>) => void>;

/**
 * `(client, code, redirectURI, done)`. @deprecated Use {@link AuthorizationCodeIssue}, which covers every arity.
 *
 * @group Deprecated type names
 */
export type IssueExchangeCodeFunction<Client = any> = Bivariant<(client: Client & At<X<Client>, 0>, code: string, redirectURI: string & At<X<Client>, 2>, issued: ExchangeDoneFunction & At<X<Client>, 3>) => void>;
/**
 * `(client, code, redirectURI, body, done)`. @deprecated Use {@link AuthorizationCodeIssue}, which covers every arity.
 *
 * @group Deprecated type names
 */
export type IssueExchangeCodeFunctionArity5<Client = any> = Bivariant<(client: Client & At<X<Client>, 0>, code: string, redirectURI: string & At<X<Client>, 2>, body: Record<string, unknown> & At<X<Client>, 3>, issued: ExchangeDoneFunction & At<X<Client>, 4>) => void>;
/**
 * `(client, code, redirectURI, body, authInfo, done)`. @deprecated Use {@link AuthorizationCodeIssue}, which covers every arity.
 *
 * @group Deprecated type names
 */
export type IssueExchangeCodeFunctionArity6<Client = any> = Bivariant<(client: Client & At<X<Client>, 0>, code: string, redirectURI: string & At<X<Client>, 2>, body: Record<string, unknown> & At<X<Client>, 3>, authInfo: any, issued: ExchangeDoneFunction & At<X<Client>, 5>) => void>;

/**
 * @deprecated Use {@link IssuedCallback}.
 *
 * @group Deprecated type names
 */
export type ExchangeDoneFunction = IssuedCallback;

/**
 * @deprecated Use `SerializeClientFunction`'s `done`: `(err, id) => void`.
 *
 * @group Deprecated type names
 */
export type SerializeClientDoneFunction = (err: unknown, id?: unknown) => void;
/**
 * @deprecated Use `DeserializeClientFunction`'s `done`: `(err, client) => void`.
 *
 * @group Deprecated type names
 */
export type DeserializeClientDoneFunction<Client = any> = (err: unknown, client?: Client | false | null) => void;

/**
 * The codes `AuthorizationError` maps to statuses.
 *
 * @deprecated Use `OAuth2ErrorCode`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 *
 * @group Deprecated type names
 */
export type AuthorizationErrorCode =
  | 'invalid_request'
  | 'unauthorized_client'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'temporarily_unavailable';

/**
 * The codes `TokenError` maps to statuses.
 *
 * @deprecated Use `OAuth2ErrorCode`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 *
 * @group Deprecated type names
 */
export type TokenErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';
