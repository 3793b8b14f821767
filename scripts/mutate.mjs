#!/usr/bin/env node
// `make mutate`: a small mutation pass over src/lib/, src/txn/ and src/unorderedlist.ts. Each
// mutation in scripts/mutations.mjs is applied, one at a time, to a copy of src/ and test/ under
// .tmp/mutate/ (the working tree is never written), and the mutation's test files run
// against it. A mutant is killed when those tests fail (or time out), and survives when
// they pass. A mutation whose text is no longer found exactly once is skipped, not counted.
//
//   node scripts/mutate.mjs            every mutation
//   node scripts/mutate.mjs ID...      only the mutations whose id contains one of these
//
// Exit status: 0 once the pass has run (survivors are listed, not an error), 2 on setup errors.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutations } from './mutations.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.tmp', 'mutate');
// A test that hangs under a mutant is named and stopped by test/helpers/setup.ts after this.
const TEST_TIMEOUT_MS = 15_000;
// A whole mutant run is stopped after this (a hang in synchronous code, say).
const RUN_TIMEOUT_MS = 180_000;

const filters = process.argv.slice(2);
const chosen = filters.length ? mutations.filter((m) => filters.some((f) => m.id.includes(f))) : mutations;
if (chosen.length === 0) {
  console.error(`no mutation id matches ${filters.join(', ')}`);
  process.exit(2);
}

// A fresh copy of what the tests need; node_modules is linked, not copied.
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
for (const entry of ['src', 'test', 'package.json', 'tsconfig.json']) {
  cpSync(join(root, entry), join(work, entry), { recursive: true });
}
symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');

/** The file being mutated and its original text, so it can be put back whatever happens. */
let current = null;
let child = null;
const restore = () => {
  if (current) writeFileSync(join(work, current.file), current.text);
  current = null;
};
const interrupted = (signal) => {
  if (child) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  restore();
  console.log(`\ninterrupted (${signal}); the working tree was never modified`);
  process.exit(130);
};
process.on('SIGINT', interrupted);
process.on('SIGTERM', interrupted);
process.on('exit', restore);

/** Run test files in the copy; resolves with { ok, timedOut, ms, output }. */
function runTests(files) {
  return new Promise((done) => {
    const started = Date.now();
    const args = ['--import', 'tsx', '--import', './test/helpers/setup.ts', '--test', '--test-reporter=dot', ...files];
    let output = '';
    // Its own process group, so a timeout kills the runner and every file process it spawned.
    child = spawn(process.execPath, args, {
      cwd: work, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TEST_TIMEOUT_MS: String(TEST_TIMEOUT_MS), FORCE_COLOR: '0' },
    });
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      child = null;
      done({ ok: code === 0 && !timedOut, timedOut, ms: Date.now() - started, output });
    });
  });
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

// The chosen tests must pass on the unmutated copy, or the figures mean nothing.
const allTests = [...new Set(chosen.flatMap((m) => m.tests))].sort();
const missing = allTests.filter((f) => !existsSync(join(root, f)));
if (missing.length) {
  console.error(`test files named in scripts/mutations.mjs do not exist: ${missing.join(', ')}`);
  process.exit(2);
}
process.stdout.write(`baseline: ${allTests.length} test files on unmutated code ... `);
const baseline = await runTests(allTests);
if (!baseline.ok) {
  console.log('FAILED\n' + baseline.output.slice(-4000));
  console.error('the tests fail without any mutation; fix that first');
  process.exit(2);
}
console.log(`pass (${seconds(baseline.ms)})\n`);

const results = [];
for (const [n, m] of chosen.entries()) {
  const label = `[${String(n + 1).padStart(2)}/${chosen.length}] ${m.id.padEnd(24)} ${m.file.replace(/^src\//, '').padEnd(20)}`;
  const path = join(work, m.file);
  const text = readFileSync(path, 'utf8');
  const count = text.split(m.find).length - 1;
  if (count !== 1) {
    results.push({ m, status: 'skipped' });
    console.log(`${label} skipped   (pattern found ${count} times) ${m.what}`);
    continue;
  }
  current = { file: m.file, text };
  try {
    writeFileSync(path, text.replace(m.find, () => m.replace));
    const run = await runTests(m.tests);
    const status = run.ok ? 'SURVIVED' : 'killed';
    results.push({ m, status, timedOut: run.timedOut });
    console.log(`${label} ${status.padEnd(9)} ${m.what} (${run.timedOut ? 'timed out' : seconds(run.ms)})`);
  } finally {
    restore();
  }
}

const counted = results.filter((r) => r.status !== 'skipped');
const killed = counted.filter((r) => r.status === 'killed').length;
const survived = counted.filter((r) => r.status === 'SURVIVED');
const skipped = results.length - counted.length;
const rate = counted.length ? ((100 * killed) / counted.length).toFixed(1) : 'n/a';
console.log(`\n${killed} of ${counted.length} mutants killed: kill rate ${rate}%` + (skipped ? ` (${skipped} skipped)` : ''));
for (const r of survived) console.log(`  survived: ${r.m.id} (${r.m.file}): ${r.m.what}`);
