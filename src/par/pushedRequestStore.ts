/**
 * The PAR endpoint's `store` callback and `authorize`'s `loadPushedRequest`,
 * built from one {@link RequestURIStore}.
 */
import type { RequestURIStore } from '../stores/pushedRequests.js';
import type { PushedRequestLoadContext, PushedRequestRecord } from './loadPushedRequest.js';

/**
 * The pair of callbacks {@link pushedRequestCallbacks} makes.
 *
 * @group PAR
 */
export interface PushedRequestCallbacks {
  /** The `store` callback of `server.pushedAuthorization()`. */
  store: (record: PushedRequestRecord) => Promise<void>;
  /** The `loadPushedRequest` option of `server.authorize()`. */
  loadPushedRequest: (context: PushedRequestLoadContext) => Promise<PushedRequestRecord | null>;
}

/**
 * Wire a {@link RequestURIStore} into both ends of PAR: `store` keeps what
 * the PAR endpoint pushes (until it expires), and `loadPushedRequest` takes
 * it once, for the client that pushed it only. The client is compared
 * before the record is consumed, so a request naming the wrong `client_id`
 * leaves the legitimate `request_uri` usable (RFC 9126 §2.2).
 *
 * @example
 * ```ts
 * const par = pushedRequestCallbacks(new RedisRequestURIStore({ client }));
 * app.post('/par', authenticateClient, server.pushedAuthorization({}, validate, par.store), server.errorHandler());
 * app.get('/authorize', ensureLoggedIn(), server.authorize({ loadPushedRequest: par.loadPushedRequest }, validate), renderConsent);
 * ```
 * @param pushed where the pushed requests are kept
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 *
 * @group PAR
 */
export function pushedRequestCallbacks(pushed: RequestURIStore): PushedRequestCallbacks {
  if (!pushed || typeof pushed.put !== 'function' || typeof pushed.take !== 'function') {
    throw new TypeError('oauth2orize.pushedRequestCallbacks requires a store with put and take');
  }
  return {
    store: (record) => pushed.put(record),
    loadPushedRequest: ({ requestURI, clientID }) => pushed.take(requestURI, clientID),
  };
}
