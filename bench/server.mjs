// Child process serving one benchmark target, so that the load generator in
// the parent and the server under test do not share an event loop.
// Usage: forked by run.mjs, or standalone: node [--cpu-prof] bench/server.mjs <target>
// Sends { port } to the parent once listening, answers 'cpu' with { cpu: process.cpuUsage() },
// and exits when the parent disconnects.
import { createRequire } from 'node:module';
import oauth2orize from 'oauth2orize';
import { bareExpressApp, flowApp, listen, rawHandler, tokenApp } from './apps.mjs';
import { redisFlowApp } from './redisapps.mjs';

const legacy = createRequire(import.meta.url)('oauth2orize-1.12');

const targets = {
  'token:port': () => tokenApp(oauth2orize),
  'token:1.12': () => tokenApp(legacy),
  'token:express': () => bareExpressApp(),
  'token:raw': () => rawHandler(),
  'flow:port': () => flowApp(oauth2orize),
  'flow:1.12': () => flowApp(legacy),
  // Sessions in Redis (connect-redis); BENCH_REDIS_URL names the server.
  'flow:redis-store': () => redisFlowApp(oauth2orize, 'redis-store'),
  'flow:redis-sessions': () => redisFlowApp(oauth2orize, 'session-store'),
  'flow:1.12-redis-sessions': () => redisFlowApp(legacy, 'session-store'),
};

const name = process.argv[2];
const make = targets[name];
if (!make) {
  console.error(`unknown target ${name}; one of ${Object.keys(targets).join(', ')}`);
  process.exit(2);
}
const srv = await listen(await make());
const { port } = srv.address();
if (process.send) {
  process.send({ port });
  // The parent asks for this process's CPU time around each measured round:
  // unlike wall-clock rates, it hardly moves when other processes steal the CPU.
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  // Standalone, e.g. under `node --cpu-prof`: exit normally on a signal so
  // that the profile gets written.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
  console.log(`${name} listening on http://127.0.0.1:${port}`);
}
