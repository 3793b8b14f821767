/**
 * Pushed authorization requests (RFC 9126): the client POSTs its
 * authorization request to `/par`, authenticated, and sends the user to
 * `/authorize` with only `client_id` and the `request_uri` it got back. The
 * parameters never travel through the browser and are checked before the
 * user sees anything. oauth2orize's `server.pushedAuthorization()` and
 * `authorize({ loadPushedRequest })` do the protocol, wired by
 * `pushedRequestCallbacks` (app.js) to a `RequestURIStore`: with
 * `REDIS_URL` oauth2orize's `RedisRequestURIStore` (infra/state.js), else
 * this module's in-memory one (for 60 seconds, once).
 *
 * Bounded per client: a client has at most {@link MAX_PER_CLIENT} pending
 * requests, and a new push evicts only that client's oldest, so no client
 * (the public demo client needs no secret) can push out another's pending
 * `request_uri`. When {@link MAX_PUSHED} requests are pending in all, a
 * client with none of its own to give up is refused (503) until some expire.
 *
 * @module par
 */
import { TokenError } from 'oauth2orize';

/** Most pending pushed requests in all. */
export const MAX_PUSHED = 10_000;
/** Most pending pushed requests of one client. */
export const MAX_PER_CLIENT = 100;

/**
 * @typedef {object} PushedRecord
 * @property {string} clientID
 * @property {Record<string, string | string[]>} params
 * @property {Date | number | string} expiresAt
 */

export class PushedRequests {
  constructor() {
    /** @type {Map<string, PushedRecord>} */
    this.records = new Map();
    /** Each client's pending request URIs, oldest first. @type {Map<string, Set<string>>} */
    this.byClient = new Map();
  }

  /**
   * `store` for `server.pushedAuthorization()`.
   * @param {{ requestURI: string } & PushedRecord} record
   */
  store = ({ requestURI, clientID, params, expiresAt }) => {
    const now = Date.now();
    let mine = this.byClient.get(clientID);
    if (!mine) this.byClient.set(clientID, (mine = new Set()));
    // This client's expired requests, then its oldest beyond its share.
    for (const uri of mine) {
      const r = this.records.get(uri);
      if (!r || new Date(r.expiresAt).getTime() <= now) this.forget(uri);
    }
    while (mine.size >= MAX_PER_CLIENT) this.forget(/** @type {string} */ (mine.values().next().value));
    if (this.records.size >= MAX_PUSHED) {
      for (const [uri, r] of this.records) if (new Date(r.expiresAt).getTime() <= now) this.forget(uri);
      if (this.records.size >= MAX_PUSHED) {
        if (mine.size === 0) {
          if (this.byClient.get(clientID) === mine) this.byClient.delete(clientID);
          throw new TokenError('Too many pending pushed requests; try again later', 'temporarily_unavailable', null, 503);
        }
        this.forget(/** @type {string} */ (mine.values().next().value));
      }
    }
    this.records.set(requestURI, { clientID, params, expiresAt });
    // `forget` drops a client's set once it is empty.
    this.byClient.set(clientID, mine);
    mine.add(requestURI);
  };

  /**
   * Drop one pending request.
   * @param {string} uri
   */
  forget(uri) {
    const record = this.records.get(uri);
    this.records.delete(uri);
    for (const id of record ? [record.clientID] : this.byClient.keys()) {
      const set = this.byClient.get(id);
      if (set && set.delete(uri) && set.size === 0) this.byClient.delete(id);
    }
  }

  /**
   * Take a pending request: the record, forgotten so that a `request_uri` is
   * used once. The client is compared before anything is forgotten: a
   * request naming another `client_id` gets nothing and leaves the
   * `request_uri` to its client (RFC 9126 §2.2). Expired: nothing.
   * @param {{ requestURI: string, clientID?: string }} ctx
   */
  load = ({ requestURI, clientID }) => {
    const record = this.records.get(requestURI);
    if (!record || (clientID !== undefined && record.clientID !== clientID)) return undefined;
    this.forget(requestURI);
    return new Date(record.expiresAt).getTime() > Date.now() ? record : undefined;
  };

  // The RequestURIStore interface of oauth2orize (put, take), for
  // `pushedRequestCallbacks` (app.js); in memory, for one process.

  /** @param {import('oauth2orize').PushedRequestInput} record */
  async put(record) {
    this.store(record);
  }

  /**
   * @param {string} requestURI
   * @param {string} clientID
   * @returns {Promise<import('oauth2orize').StoredPushedRequest | null>}
   */
  async take(requestURI, clientID) {
    const record = this.load({ requestURI, clientID });
    return record ? { requestURI, clientID: record.clientID, params: record.params, expiresAt: new Date(record.expiresAt).getTime() } : null;
  }
}
