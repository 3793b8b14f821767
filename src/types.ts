/**
 * Public types shared by the server, the grants, the exchanges and the
 * middleware. The middleware are typed on `node:http` objects plus the few
 * properties Express, body parsers and session middleware add, so Express is
 * needed only by applications that use it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A callback in Node style. */
export type Callback<T = unknown> = (err?: unknown, result?: T) => void;

/** The `next` function handed to connect/Express middleware. */
export type NextFunction = (err?: unknown) => void;

/**
 * The parsed authorization request (`areq`, `txn.req`): the merged output of
 * every request parser that matched the response type.
 */
export interface AuthorizationRequest {
  /** The response type, exactly as the client sent it. */
  type: string;
  clientID?: string;
  redirectURI?: string;
  scope?: string[];
  state?: string;
  /** Set by response-mode extensions such as `form_post`. */
  responseMode?: string;
  /** Fields added by extension parsers (PKCE, OpenID Connect, ...). */
  [key: string]: unknown;
}

/** The user's decision (`ares`, `txn.res`). */
export interface AuthorizationResponse {
  allow: boolean;
  /** Anything the app's `parse` or `immediate` callback added, such as `scope`. */
  [key: string]: unknown;
}

/**
 * The OAuth 2.0 transaction that travels on `req.oauth2` through the
 * authorization endpoint, the consent page and the decision.
 */
export interface OAuth2Transaction<Client = unknown, User = unknown> {
  client: Client;
  redirectURI?: string;
  webOrigin?: string;
  req: AuthorizationRequest;
  user?: User;
  res?: AuthorizationResponse;
  info?: Record<string, unknown>;
  locals?: Record<string, unknown>;
  transactionID?: string;
  /** Set when the middleware has already arranged to remove the transaction. */
  _endProxied?: boolean;
}

/** The request properties this package reads or writes. */
export interface OAuth2IncomingMessage extends IncomingMessage {
  query?: unknown;
  body?: unknown;
  session?: unknown;
  locals?: unknown;
  authInfo?: unknown;
  oauth2?: OAuth2Transaction<any, any>;
}

/** The response properties this package uses; `redirect` comes from Express. */
export interface OAuth2ServerResponse extends ServerResponse {
  redirect?: unknown;
  locals?: unknown;
}

/** A connect-style middleware. */
export type Middleware = (req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next: NextFunction) => void;

/** A connect-style error-handling middleware. */
export type ErrorMiddleware = (err: any, req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next: NextFunction) => void;

/**
 * A response mode, such as `query` or `fragment`: it sends `params` back to
 * the client, usually by redirecting to `txn.redirectURI`.
 *
 * @see https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseModes
 */
export interface ResponseMode {
  (txn: OAuth2Transaction<any, any>, res: OAuth2ServerResponse, params: Record<string, unknown>): void;
  /** Throws when the transaction cannot be answered in this mode. */
  validate?: (txn: OAuth2Transaction<any, any>) => void;
}

/** A map of response-mode names to implementations. */
export type ResponseModes = Record<string, ResponseMode>;

/** The error shape the error handlers read: any object with these fields works. */
export interface OAuth2ErrorLike {
  message?: string;
  code?: string;
  uri?: string;
  status?: number;
}
