// Memory under sustained decisions: drives the in-process decision case (the
// same one bench/inprocess.mjs times) through one server instance of the port
// and of 1.12, and prints the heap after every batch, measured after a forced
// garbage collection. Flat numbers mean the session store's claims do not
// accumulate. Run with `node --expose-gc bench/memory.mjs` (make bench does).
import { createRequire } from 'node:module';
import oauth2orize from 'oauth2orize';
import { CASES } from './inprocess.mjs';

if (typeof globalThis.gc !== 'function') {
  console.error('bench/memory.mjs needs node --expose-gc');
  process.exit(2);
}
const legacy = createRequire(import.meta.url)('oauth2orize-1.12');
const spec = CASES.find((c) => c.name.startsWith('decision'));
if (!spec) throw new Error('the decision case is missing from bench/inprocess.mjs');

const BATCH = Number(process.env.MEMORY_BATCH) || 50_000;
const BATCHES = Number(process.env.MEMORY_BATCHES) || 8;

function heapMiB() {
  globalThis.gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

for (const [label, lib] of [['port', oauth2orize], ['1.12', legacy]]) {
  const c = spec.setup(lib);
  const start = heapMiB();
  const row = [];
  let last;
  for (let b = 0; b < BATCHES; b++) {
    const before = c.count();
    for (let i = 0; i < BATCH; i++) last = c.one();
    if (c.count() - before !== BATCH) throw new Error(`${label}: not every decision completed`);
    row.push(heapMiB());
  }
  c.verify(last);
  const growth = row[row.length - 1] - row[0];
  console.log(`${label}: heap after each ${BATCH} decisions (MiB, start ${start.toFixed(1)}): ${row.map((x) => x.toFixed(1)).join(' ')}; growth from first to last batch ${growth.toFixed(1)} MiB over ${(BATCH * (BATCHES - 1)).toLocaleString('en-US')} decisions`);
}
