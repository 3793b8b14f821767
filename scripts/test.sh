#!/usr/bin/env bash
# Runs every test/**/*.test.ts with node:test (through tsx), then the packaging linters,
# and prints "N passed, N failed" as the very last line. Exits non-zero if anything failed.
#
#   scripts/test.sh              tests + publint + attw       (make test)
#   scripts/test.sh --coverage   tests under c8, no linters   (make test-cov)
#   scripts/test.sh FILE...      only these test files, no linters
#
# Node 20's --test does not expand globs, so the files are listed with find.
# Expects `make build` to have run (the package test packs dist/).
set -uo pipefail
cd "$(dirname "$0")/.."

coverage=0
if [ "${1:-}" = --coverage ]; then coverage=1; shift; fi
case "${1:-}" in
  -*) echo "usage: $0 [--coverage] [FILE...]" >&2; exit 2 ;;
esac

bin=node_modules/.bin
mkdir -p .tmp
out=.tmp/test-output.txt

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | LC_ALL=C sort)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found under test/" >&2
  exit 1
fi

# A bare `assert(value)` cannot be guarded (see test/helpers/setup.ts): when it fails under
# tsx, Node spins while it builds the message. Use assert.ok(value, 'message').
bare=$(grep -rnE --include='*.ts' '(^|[^.[:alnum:]_$])assert\(' test | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|\*)')
if [ -n "$bare" ]; then
  printf 'bare assert(...) calls; write assert.ok(value, message) instead:\n%s\n' "$bare" >&2
  exit 1
fi

# No --test-force-exit: it exits a file's process as soon as its tests are done, before the
# reporter has written them all out, so counts came out short. Every file must exit by
# itself; test/helpers/setup.ts names a test still running after TEST_TIMEOUT_MS (default
# 60 s), or the handles a file left open, and fails that file. --test-timeout is Node 20's
# per-file limit (it kills the file's process), kept as a last resort for a test stuck in
# a synchronous loop.
run=(node --import tsx --import ./test/helpers/setup.ts --test --test-timeout=300000
  --test-reporter=spec "${files[@]}")
if [ "$coverage" -eq 1 ]; then
  rm -rf coverage
  run=("$bin/c8" --reporter=html --reporter=text --report-dir=coverage
    --all --src=src --include='src/**' --extension=.ts --exclude-after-remap "${run[@]}")
fi

# The output is copied to a file to read the totals back; keep colours on a terminal.
color=()
if [ -t 1 ]; then color=(env FORCE_COLOR=1); fi
status=0
"${color[@]}" "${run[@]}" 2>&1 | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

lint_failed=0
if [ "$coverage" -eq 0 ] && [ "$#" -eq 0 ]; then
  echo
  echo '== publint'
  "$bin/publint" run . || lint_failed=1
  echo
  echo '== attw --pack .'
  "$bin/attw" --pack . || lint_failed=1
fi

# The spec reporter ends with "ℹ pass N", "ℹ fail N", "ℹ cancelled N" lines.
count() {
  sed 's/\x1b\[[0-9;]*m//g' "$out" | LC_ALL=C sed -n "s/^ℹ $1 \([0-9][0-9]*\)\$/\1/p" | tail -n 1
}
pass=$(count pass)
fail=$(count fail)
cancelled=$(count cancelled)
echo
if [ -z "$pass" ] || [ -z "$fail" ]; then
  echo "the test runner stopped before printing its summary"
  exit 1
fi
if [ "$lint_failed" -eq 1 ]; then
  echo "publint or attw reported a problem (see above)"
  status=1
fi
echo "$pass passed, $((fail + ${cancelled:-0})) failed"
exit "$status"
