// The code-flow app of bench/apps.mjs with its sessions in Redis
// (connect-redis 9, node-redis v5), and its transactions either in Redis
// (RedisTransactionStore, `redis-store`) or in the session (`session-store`).
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { flowApp } from './apps.mjs';

export async function redisFlowApp(oauth2orize, mode) {
  const url = process.env.BENCH_REDIS_URL;
  if (!url) throw new Error('BENCH_REDIS_URL is not set');
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  const sessionStore = new RedisStore({ client, prefix: 'sess:' });
  const server = mode === 'redis-store' ? { store: new oauth2orize.RedisTransactionStore({ client }) } : undefined;
  return flowApp(oauth2orize, { server, sessionStore, saveUninitialized: mode === 'redis-store' });
}
