/**
 * Pushed authorization requests (RFC 9126): the client POSTs its
 * authorization request to `/par`, authenticated, and sends the user to
 * `/authorize` with only `client_id` and the `request_uri` it got back. The
 * parameters never travel through the browser and are checked before the
 * user sees anything. oauth2orize's `server.pushedAuthorization()` and
 * `authorize({ loadPushedRequest })` do the protocol; this module keeps
 * the pushed requests (in memory, at most 10,000, for 60 seconds, once).
 *
 * @module par
 */

const MAX_PUSHED = 10_000;

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
  }

  /**
   * `store` for `server.pushedAuthorization()`.
   * @param {{ requestURI: string } & PushedRecord} record
   */
  store = ({ requestURI, clientID, params, expiresAt }) => {
    const now = Date.now();
    for (const [uri, r] of this.records) if (new Date(r.expiresAt).getTime() <= now) this.records.delete(uri);
    while (this.records.size >= MAX_PUSHED) {
      const oldest = this.records.keys().next().value;
      if (oldest === undefined) break;
      this.records.delete(oldest);
    }
    this.records.set(requestURI, { clientID, params, expiresAt });
  };

  /**
   * `loadPushedRequest` for `authorize`: returns the record and forgets it,
   * so a `request_uri` is used once.
   * @param {{ requestURI: string }} ctx
   */
  load = ({ requestURI }) => {
    const record = this.records.get(requestURI);
    this.records.delete(requestURI);
    return record;
  };
}
