/**
 * Preloaded into every test process by scripts/test.sh (`--import ./test/helpers/setup.ts`,
 * after `--import tsx`). It makes two failure modes of Node 20's test runner loud and named.
 *
 * 1. `assert.ok(value)` without a message. When it fails, Node builds the message by reading
 *    the source file at the call site's line and column, and parsing it with acorn. Under tsx
 *    the call site is a position in the transformed code (tsx strips whitespace: the whole
 *    module is line 1), while the file on disk is TypeScript that acorn cannot parse. Node's
 *    `findColumn` then retries with a zero-byte read, forever: the process spins, no test
 *    reports, and the file only dies at the runner's timeout with no test named. Here a
 *    failing `assert.ok` whose message is missing gets one built from the value instead, so
 *    it throws at once like any other assertion. (`assert(value)`, the bare call, cannot be
 *    wrapped; scripts/test.sh refuses it in test files.)
 *
 * 2. A test that never settles, and a file that never exits. Node 20 applies
 *    `--test-timeout` to a whole file, not to each test, and kills the file's process
 *    without naming the test that hung. Here a watchdog starts with every test: if one
 *    runs longer than TEST_TIMEOUT_MS (default 60 s), or the file is still alive that long
 *    after its last test ended (a server, socket or timer left open), it writes the test's
 *    name, or the handles still open, to stderr and exits non-zero, which fails the file.
 */
import assert from 'node:assert';
import { writeSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach, beforeEach } from 'node:test';
import { inspect } from 'node:util';

type Ok = (value: unknown, message?: string | Error) => void;

function guardOk(target: { ok: Ok }): void {
  const original = target.ok;
  const ok = function ok(this: unknown, ...args: unknown[]): void {
    if (!args[0] && args[1] == null) {
      const message = args.length === 0
        ? 'No value argument passed to `assert.ok()`'
        : `assert.ok() without a message got ${inspect(args[0])}`;
      throw new assert.AssertionError({ message, actual: args[0], expected: true, operator: '==', stackStartFn: ok });
    }
    return Reflect.apply(original, this, args) as void;
  };
  target.ok = ok as Ok;
}

guardOk(assert);
guardOk(assert.strict);
// `import { ok } from 'node:assert/strict'` reads the builtin's named exports: refresh them.
syncBuiltinESMExports();

const limit = Number(process.env.TEST_TIMEOUT_MS) || 60_000;
// The --test parent only spawns one process per file; the watchdog belongs in those.
const runnerParent = process.execArgv.includes('--test') && !process.env.NODE_TEST_CONTEXT;

if (!runnerParent) {
  const file = process.argv[1] ?? '(unknown file)';
  const running = new Set<string>();
  let lastEnded = '(none)';
  let timer: NodeJS.Timeout | undefined;

  const stop = (why: string): void => {
    writeSync(2, `\n✖ ${file}\n  ${why}\n`);
    process.exit(1);
  };
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (running.size > 0) {
        stop(`test ${[...running].map((n) => `'${n}'`).join(', ')} still running after ${limit} ms: stopping this file`);
      }
      // Unref'd, so this only fires while something else keeps the process alive.
      const handles = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
      stop(`still alive ${limit} ms after its last test ('${lastEnded}') ended; open: ${handles.join(', ') || 'unknown'}`);
    }, limit);
    timer.unref();
  };

  beforeEach((t) => {
    running.add(t.name);
    arm();
  });
  afterEach((t) => {
    running.delete(t.name);
    lastEnded = t.name;
    arm();
  });
}
