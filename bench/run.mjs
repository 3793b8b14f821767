// Benchmarks: this port (built output, imported as a user would) against
// oauth2orize 1.12, in alternating rounds. Run with `make bench`, which builds
// first, or `node bench/run.mjs` after `make build`.
//
//   BENCH_QUICK=1 node bench/run.mjs   shorter rounds, for checking the harness
//
// Ratios are always oriented so that > 1.00 means the port is faster:
// in-process it is (1.12 ns/op) / (port ns/op), over HTTP (port rate) / (1.12 rate).
// Each ratio is the median of the per-round ratios of paired rounds.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import oauth2orize from 'oauth2orize';
import { runInProcess } from './inprocess.mjs';
import { pairedRatio, runFlows, runThroughput, startTarget } from './http.mjs';
import { median } from './inprocess.mjs';
import { runRedis } from './redis.mjs';
import { haveRedis } from './redisserver.mjs';

const legacy = createRequire(import.meta.url)('oauth2orize-1.12');
const quick = !!process.env.BENCH_QUICK;
const started = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;

const cfg = quick
  ? { inRounds: 20, inMs: 5, httpRounds: 3, httpSeconds: 1, warmup: 0.5, flowRounds: 3, flowCount: 60 }
  : { inRounds: 100, inMs: 5, httpRounds: 3, httpSeconds: 5, warmup: 2, flowRounds: 4, flowCount: 300 };

console.log(`oauth2orize benchmarks: node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}${quick ? ' (quick)' : ''}`);
console.log(`port: ${fileURLToPath(import.meta.resolve('oauth2orize'))}`);
console.log(`1.12: ${createRequire(import.meta.url).resolve('oauth2orize-1.12')}`);

/** Start server children; if any fails, stop the others and fail. */
async function startAll(names) {
  const settled = await Promise.allSettled(names.map(startTarget));
  const failed = settled.find((s) => s.status === 'rejected');
  if (!failed) return settled.map((s) => s.value);
  await Promise.all(settled.filter((s) => s.status === 'fulfilled').map((s) => s.value.close()));
  throw failed.reason;
}

const rows = [];
const extra = [];
const fmt = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

// 1. In-process, mock req/res.
console.log(`\n[1] in-process, mock req/res: ${cfg.inRounds} alternating rounds of ~${cfg.inMs} ms per implementation`);
const inproc = runInProcess({ port: oauth2orize, legacy, rounds: cfg.inRounds, targetMs: cfg.inMs });
for (const r of inproc) rows.push([`in-process ${r.name} (ns/op)`, fmt(r.wall.legacy), fmt(r.wall.port), r.wall.ratio.toFixed(2)]);
for (const r of inproc) rows.push([`in-process ${r.name} (CPU ns/op)`, fmt(r.cpu.legacy), fmt(r.cpu.port), r.cpu.ratio.toFixed(2)]);

// 2. HTTP throughput of the token endpoint.
console.log(`\n[2] POST /token (client_credentials) with autocannon, 10 connections: ${cfg.httpRounds} rounds of ${cfg.httpSeconds} s per target, after ${cfg.warmup} s warm-up`);
const tokenTargets = await startAll(['token:port', 'token:1.12', 'token:express', 'token:raw']);
let tput;
try {
  tput = await runThroughput({ targets: tokenTargets, rounds: cfg.httpRounds, seconds: cfg.httpSeconds, warmup: cfg.warmup });
} finally {
  await Promise.all(tokenTargets.map((t) => t.close()));
}
const keys = ['token:port', 'token:1.12', 'token:express', 'token:raw'];
const [pRps, lRps, eRps, rRps] = keys.map((k) => tput.rps.get(k));
const [pCpu, lCpu, eCpu, rCpu] = keys.map((k) => tput.cpu.get(k));
rows.push(['HTTP token endpoint, Express 5 (req/s)', fmt(median(lRps)), fmt(median(pRps)), pairedRatio(pRps, lRps).toFixed(2)]);
rows.push(['HTTP token endpoint, Express 5 (server CPU us/req)', fmt(median(lCpu), 1), fmt(median(pCpu), 1), pairedRatio(lCpu, pCpu).toFixed(2)]);
extra.push(['HTTP token: port vs bare Express handler, same bytes (req/s)', fmt(median(eRps)), fmt(median(pRps)), pairedRatio(pRps, eRps).toFixed(2)]);
extra.push(['HTTP token: port vs bare Express handler (server CPU us/req)', fmt(median(eCpu), 1), fmt(median(pCpu), 1), pairedRatio(eCpu, pCpu).toFixed(2)]);
extra.push(['HTTP token: port vs raw node:http handler (req/s)', fmt(median(rRps)), fmt(median(pRps)), pairedRatio(pRps, rRps).toFixed(2)]);
extra.push(['HTTP token: port vs raw node:http handler (server CPU us/req)', fmt(median(rCpu), 1), fmt(median(pCpu), 1), pairedRatio(rCpu, pCpu).toFixed(2)]);
extra.push(['HTTP token: 1.12 vs bare Express handler (req/s)', fmt(median(eRps)), fmt(median(lRps)), pairedRatio(lRps, eRps).toFixed(2)]);
extra.push(['HTTP token: 1.12 vs bare Express handler (server CPU us/req)', fmt(median(eCpu), 1), fmt(median(lCpu), 1), pairedRatio(eCpu, lCpu).toFixed(2)]);

// 3. Complete code flows through express-session.
console.log(`\n[3] code flow (GET /authorize, POST /decision, POST /token) with express-session: ${cfg.flowRounds} rounds of ${cfg.flowCount} flows per target, 4 at a time, keep-alive`);
const flowTargets = await startAll(['flow:port', 'flow:1.12']);
let fl;
try {
  fl = await runFlows({ targets: flowTargets, rounds: cfg.flowRounds, count: cfg.flowCount });
} finally {
  await Promise.all(flowTargets.map((t) => t.close()));
}
const [pF, lF] = [fl.fps.get('flow:port'), fl.fps.get('flow:1.12')];
const [pFc, lFc] = [fl.cpu.get('flow:port'), fl.cpu.get('flow:1.12')];
rows.push(['HTTP code flow, authorize+decision+token (flows/s)', fmt(median(lF), 1), fmt(median(pF), 1), pairedRatio(pF, lF).toFixed(2)]);
rows.push(['HTTP code flow (server CPU us/flow)', fmt(median(lFc)), fmt(median(pFc)), pairedRatio(lFc, pFc).toFixed(2)]);

// 4. RedisTransactionStore, when redis-server is installed.
let redisRows = [];
if (haveRedis) redisRows = await runRedis({ quick });
else console.log('\n[4] skipped: no redis-server');

// 5. What observing the endpoints costs (bench/otel.mjs), in a child process:
// whatever happens there (a missing SDK, a crash, a hang) is reported and
// the other sections are still written.
console.log(`\n[5] observability, in process: token and decision with no subscriber, a no-op diagnostics_channel subscriber, the OpenTelemetry bridge`);
let obsRows = [];
let obsNotes = [];
try {
  const obs = await runChild('otel.mjs', ['--json', '--rounds', String(cfg.inRounds), '--ms', String(cfg.inMs)], quick ? 120 : 600);
  for (const r of obs) {
    for (const [arm, label] of [['noop', 'no-op diagnostics_channel subscriber'], ['otel', 'OpenTelemetry bridge']]) {
      for (const kind of ['wall', 'cpu']) {
        const m = r.arms[arm][kind];
        obsRows.push([`${r.name}, ${label} (${kind === 'cpu' ? 'CPU ' : ''}ns/op)`, fmt(m.off), fmt(m.on), m.ratio.toFixed(2), `+${fmt(m.extra)}`]);
      }
    }
    obsNotes.push(`"${r.name}": rounds of ${r.sizes.off}, ${r.sizes.noop} and ${r.sizes.otel} requests; ${r.spansPerRequest} span(s) per request; before anything subscribed in the process, ${fmt(r.pristine.cpu)} CPU ns/op.`);
  }
} catch (err) {
  console.log(`[5] failed: ${err && err.message}`);
  obsNotes = [`The observability section failed: ${String(err && err.message).split('\n')[0]}`];
}

// 6. What DPoP proof validation costs per token request (bench/dpop.mjs), in a child process.
console.log(`\n[6] DPoP, in process: client_credentials without the dpop option, with it and no proof, and with a proof (ES256, EdDSA, RS256)`);
let dpopRows = [];
try {
  const dpop = await runChild('dpop.mjs', ['--json', '--rounds', String(quick ? 4 : 20), '--n', String(quick ? 100 : 400)], quick ? 120 : 600);
  dpopRows = dpop.map((r) => [r.name, fmt(r.cpu), fmt(r.wall), `${r.extraCpu >= 0 ? '+' : ''}${fmt(r.extraCpu)}`]);
} catch (err) {
  console.log(`[6] failed: ${err && err.message}`);
}

// 7. The one-time blocks (bench/onetime.mjs), in a child process: the in-memory blocks' cost at
// the token endpoint, and Redis commands per flow of the example with its state on Redis.
console.log(`\n[7] One-time blocks: in-memory cost at the token endpoint; Redis commands per flow of the example`);
let onetime = null;
try {
  onetime = await runChild('onetime.mjs', ['--json', '--rounds', String(quick ? 4 : 20), '--n', String(quick ? 100 : 400)], quick ? 180 : 900);
} catch (err) {
  console.log(`[7] failed: ${err && err.message}`);
}
const pct = (x) => `${(100 * x).toFixed(2)}%`;
const onetimeRows = onetime?.inprocess
  ? onetime.inprocess.map((r, i) => [r.name, fmt(r.baseCpu), fmt(r.blocksCpu), `+${fmt(r.extra)}`, `${fmt(r.ops)} (${pct(r.opsShare)})`,
    onetime.shares ? pct(i === 0 ? onetime.shares.code : onetime.shares.refresh) : '-'])
  : [];
const redisFlowRows = onetime?.redis ? onetime.redis.map((f) => [f.name, String(f.client), String(f.lua), Object.entries(f.groups).map(([k, v]) => `${k} ×${v}`).join(', ')]) : [];

/** Run a bench script as a child; resolves to the JSON of its `RESULT` line. */
function runChild(script, args, timeoutSeconds) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk.split('\n').filter((l) => !l.startsWith('RESULT ')).join('\n'));
    });
    const timer = setTimeout(() => { child.kill(); reject(new Error(`${script} took more than ${timeoutSeconds} s`)); }, timeoutSeconds * 1000);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) return reject(new Error(`${script} exited with ${signal || code}${line ? '' : ', no result'}`));
      try { resolve(JSON.parse(line.slice(7))); } catch (err) { reject(err); }
    });
  });
}

// Report.
const table = (head, body) => [
  `| ${head.join(' | ')} |`,
  `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ...body.map((r) => `| ${r.join(' | ')} |`),
].join('\n');

const md = [
  `Medians; ratio > 1.00 means the port is faster (times and CPU costs: 1.12 / port; rates: port / 1.12). Each ratio is the median of the ratios of paired, alternating rounds.`,
  `"ns/op" is wall clock (process.hrtime.bigint); "CPU" rows count only CPU time used by the measured process (process.cpuUsage; for HTTP, the server child), which other processes on a busy machine disturb far less.`,
  '',
  table(['case', '1.12', 'port', 'ratio'], rows),
  '',
  ...inproc.filter((r) => r.note).map((r) => `In-process "${r.name}": ${r.note} (timed rounds and warm-up), for each implementation.`),
  '',
  'Baselines without oauth2orize (same Express 5 route, body parser and client stand-in, or plain node:http parsing the form, writing the same bytes and headers). Ratio > 1.00 means faster than the baseline (rate / baseline rate; baseline CPU / CPU); 0.95 is "within 5%".',
  '',
  table(['case', 'baseline', 'port (or 1.12)', 'ratio'], extra),
  '',
  ...(redisRows.length ? [
    'RedisTransactionStore against a local redis-server (bench/redis.mjs). Ratio > 1.00 means the value is faster than the baseline. In-process rows compare with the session store keeping sessions in memory, so they show the cost of the round trips to Redis; the HTTP rows keep sessions in Redis (connect-redis) for every target. The Redis-store flow app saves uninitialized sessions (a logged-in session in a real app), since its transactions are not what initializes them.',
    '',
    table(['case', 'baseline', 'value', 'ratio'], redisRows),
    '',
  ] : []),
  'Observability (bench/otel.mjs): this package only, the same middleware in one process, with no subscriber and with one, in alternating rounds (a subscriber added before its round, removed after). Mock responses that emit \'finish\', on every side. The OpenTelemetry bridge records into a BasicTracerProvider (BatchSpanProcessor, no-op exporter) and a MeterProvider (a metric reader). Overhead factor = with / without (> 1.00 means slower with the subscriber); extra = median of the per-round differences.',
  '',
  ...(obsRows.length ? [table(['case', 'no subscriber', 'with subscriber', 'overhead factor', 'extra per request'], obsRows), ''] : []),
  ...obsNotes,
  '',
  ...(dpopRows.length ? [
    'DPoP (bench/dpop.mjs): the token endpoint (client_credentials) of this package, in process, with a fresh proof per request signed before each round (signing is not timed); extra = CPU ns/op over the server without the dpop option.',
    '',
    table(['case', 'CPU ns/op', 'ns/op', 'extra CPU per request'], dpopRows),
    '',
  ] : []),
  ...(onetimeRows.length ? [
    'One-time blocks (bench/onetime.mjs): the token endpoint in process (mock req/res, trivial issue), through redeemCodes / rotateRefreshTokens on the memory stores beside the same exchange on a hand-written single-use Map; extra = median of the per-round CPU differences; store operations = the stores\' own synchronous work per request. The share is the extra as a part of the example\'s token endpoint over HTTP (in-memory state; wall time, client in the same process).',
    '',
    table(['case', 'Map baseline CPU ns/op', 'blocks CPU ns/op', 'extra', 'store operations ns (share of blocks arm)', 'extra / example token endpoint'], onetimeRows),
    '',
  ] : []),
  ...(redisFlowRows.length ? [
    'Redis commands per flow of the example with REDIS_URL (sessions, transactions, codes, refresh families, throttle counters on one redis-server), counted with MONITOR; commands inside Lua scripts cost no round trip and are counted apart.',
    '',
    table(['flow', 'commands from the app', 'inside scripts', 'by key group'], redisFlowRows),
    '',
  ] : []),
  `node ${process.version}, ${os.cpus().length} CPUs, load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ${new Date().toISOString()}; run took ${elapsed().toFixed(0)} s${quick ? ' (BENCH_QUICK)' : ''}.`,
  '',
].join('\n');

console.log('\n' + md);
writeFileSync(new URL('./results.md', import.meta.url), md);
console.log('written to bench/results.md');
