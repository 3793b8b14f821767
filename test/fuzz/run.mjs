#!/usr/bin/env node
// The long fuzz run behind `make fuzz`: test/fuzz/endpoints.test.ts (and
// assertions.test.ts, the endpoints of issues 11 and 12) with
// 100 000 generated requests in total (instead of the 200 per property that
// `make test` runs), under a fresh random seed unless FUZZ_SEED is given.
//
//   node test/fuzz/run.mjs                      100 000 cases, random seed
//   FUZZ_RUNS=20000 node test/fuzz/run.mjs      fewer cases
//   FUZZ_SEED=1234 node test/fuzz/run.mjs       replay a seed printed by an earlier run
//   FUZZ_SKIP_TRANSPORTS=headerOnlyForm,headerOnlyJson node test/fuzz/run.mjs
//                                               look past a failure already known
//   FUZZ_STATS=1 node test/fuzz/run.mjs         also print how often each outcome occurred
//
// Every failing property prints its seed, path and shrunk counterexample.
// Exits with the test runner's status.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runs = process.env.FUZZ_RUNS || '100000';
const seed = process.env.FUZZ_SEED || String(Math.floor(Math.random() * 2 ** 31));

console.log(`fuzz: ${runs} cases, seed ${seed} (replay with FUZZ_SEED=${seed} FUZZ_RUNS=${runs})`);
const started = Date.now();
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', 'test/fuzz/endpoints.test.ts', 'test/fuzz/assertions.test.ts'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed } },
);
child.on('exit', (code, signal) => {
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`fuzz: ${runs} cases took ${Math.floor(seconds / 60)} min ${seconds % 60} s (seed ${seed})`);
  process.exit(code ?? (signal ? 1 : 0));
});
