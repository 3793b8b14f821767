/**
 * Sessions and oauth2orize transactions in Redis, for running several
 * instances of the example behind one address: any instance can then load
 * the session and the pending transaction that another one stored.
 *
 * Used by main.js when `REDIS_URL` is set (e.g. `redis://localhost:6379`).
 * Sessions go through connect-redis 9 and transactions through
 * `RedisTransactionStore`, both on one node-redis v5 client, which the
 * one-time blocks (infra/state.js) use too.
 *
 * @module redis
 */
import { RedisStore } from 'connect-redis';
import { RedisTransactionStore } from 'oauth2orize';
import { createClient } from 'redis';

/**
 * Connect to Redis and build the two stores.
 *
 * @param {string} url
 */
export async function connectRedis(url) {
  const client = createClient({ url });
  client.on('error', (err) => console.error('Redis:', err.message));
  await client.connect();
  return {
    sessionStore: new RedisStore({ client, prefix: 'example:sess:' }),
    txnStore: new RedisTransactionStore({ client, prefix: 'example:txn:' }),
    // The one-time blocks (infra/state.js) share this client.
    client,
    close: () => client.close(),
  };
}
