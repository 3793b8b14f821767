# oauth2orize 2.x: build, test and housekeeping. Run `make help` for the list.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN := node_modules/.bin
# npm ci rewrites this file last, so it tells whether node_modules matches the lockfile.
STAMP := node_modules/.package-lock.json

.PHONY: help install build typecheck test test-cov view-cov lint clean bench fuzz example docs mutate

help:
	@echo 'make example    build if src/ changed, then start the example authorization server on http://localhost:3000'
	@echo 'make test       install, build, typecheck, run every test, then publint and attw'
	@echo 'make test-cov   the tests under c8; html and text reports in coverage/'
	@echo 'make view-cov   open coverage/index.html (or print its path)'
	@echo 'make lint       typecheck, then publint'
	@echo 'make build      compile src/ to dist/esm (ES modules) and dist/cjs (CommonJS)'
	@echo 'make typecheck  tsc (5.9) and tsgo (7) --noEmit over src/, test/ and examples/'
	@echo 'make docs       the API reference (TypeDoc) in docs/api/'
	@echo 'make bench      run the benchmarks (bench/run.mjs)'
	@echo 'make fuzz       run the fuzzer (test/fuzz/run.mjs)'
	@echo 'make mutate     mutation pass over src/lib/, src/txn/ and src/unorderedlist.ts (scripts/mutations.mjs); prints the kill rate'
	@echo 'make install    npm ci, when node_modules is missing or older than package-lock.json'
	@echo 'make clean      remove dist/, coverage/ and temporary files'

install: $(STAMP)

$(STAMP): package-lock.json
	npm ci --no-audit --no-fund
	@touch $(STAMP)

build: install
	rm -rf dist
	$(BIN)/tsc -p tsconfig.build.json
	$(BIN)/tsc -p tsconfig.build.cjs.json
	node scripts/cjs-entry.mjs

# The last file a build writes: `make example` rebuilds only when a source is newer.
BUILT := dist/cjs/main.cjs
BUILD_INPUTS := $(shell find src -name '*.ts') tsconfig.json tsconfig.build.json tsconfig.build.cjs.json scripts/cjs-entry.mjs

$(BUILT): $(STAMP) $(BUILD_INPUTS)
	$(MAKE) --no-print-directory build

# TypeScript 5.9 (tsc) and TypeScript 7, the native compiler (tsgo, @typescript/native-preview),
# over the same files: src/, the tests (with the type tests of test/types/) and the examples.
typecheck: install
	$(BIN)/tsc -p tsconfig.test.json
	$(BIN)/tsgo -p tsconfig.test.json

test: build typecheck
	scripts/test.sh

test-cov: build typecheck
	scripts/test.sh --coverage

view-cov:
	@if [ ! -f coverage/index.html ]; then echo 'No coverage report yet: run make test-cov'; exit 1; fi
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ] && command -v xdg-open >/dev/null; then \
	  xdg-open coverage/index.html; \
	elif [ "$$(uname)" = Darwin ]; then \
	  open coverage/index.html; \
	else \
	  echo "Coverage report: $(CURDIR)/coverage/index.html"; \
	fi

lint: typecheck build
	$(BIN)/publint run .

clean:
	rm -rf dist coverage .tmp *.tgz

bench: build
	node bench/run.mjs
	node --expose-gc bench/memory.mjs

fuzz: build
	@if [ -f test/fuzz/run.mjs ]; then node test/fuzz/run.mjs; \
	else echo 'The fuzzer is not written yet (test/fuzz/run.mjs does not exist).'; fi

docs: install
	$(BIN)/typedoc

mutate: install
	node scripts/mutate.mjs

example: install $(BUILT)
	@if [ ! -f examples/authorization-server/main.js ]; then \
	  echo 'The example is not written yet (examples/authorization-server/main.js does not exist).'; exit 1; fi
	node examples/authorization-server/main.js
