/**
 * Installs the packed package into a scratch app, the way a user gets it from npm, and
 * loads it as CommonJS, as an ES module and from TypeScript (module: nodenext).
 * Needs `make build` first: it packs whatever is in dist/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const typeRoots = path.join(root, 'node_modules', '@types');

// Child processes run the packed dist/, not src/: keep them out of a c8 coverage run.
const env = { ...process.env };
delete env.NODE_V8_COVERAGE;

let tmp = '';
let app = '';
let packedFiles: string[] = [];

function write(name: string, lines: string[]): string {
  const file = path.join(app, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Runs a script in the app and returns what it printed as JSON. */
function runJson(file: string): unknown {
  const out = execFileSync(process.execPath, [file], { cwd: app, env, encoding: 'utf8' });
  return JSON.parse(out);
}

function compile(files: string[], skipLibCheck = false, extra: Record<string, unknown> = {}): { status: number | null; output: string } {
  const tsconfig = path.join(app, `tsconfig.${path.basename(files[0]!)}.json`);
  fs.writeFileSync(
    tsconfig,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        skipLibCheck,
        types: ['node'],
        typeRoots: [typeRoots],
        ...extra,
      },
      files,
    }),
  );
  const r = spawnSync(process.execPath, [tsc, '-p', tsconfig], { cwd: app, env, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('the packed package', { timeout: 120_000 }, () => {
  before(() => {
    for (const built of ['dist/esm/index.js', 'dist/cjs/main.cjs', 'dist/cjs/main.d.cts']) {
      assert.ok(fs.existsSync(path.join(root, built)), `${built} is missing: run make build first`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oauth2orize-pack-'));
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], {
        cwd: root,
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const tarball = path.join(tmp, packed[0]!.filename);
    packedFiles = packed[0]!.files.map((f) => f.path);

    app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'pack-test-app', private: true, type: 'module' }),
    );
    // @opentelemetry/api, the optional peer of `oauth2orize/otel`, from this checkout's node_modules.
    const otelApi = path.join(root, 'node_modules', '@opentelemetry', 'api');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, otelApi], {
      cwd: app,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('ships only dist/, the README, the licence and package.json', () => {
    const allowed = (p: string) =>
      p.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE'].includes(p);
    assert.deepEqual(packedFiles.filter((p) => !allowed(p)), []);
    for (const needed of ['dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/main.cjs', 'dist/cjs/main.d.cts', 'dist/cjs/package.json']) {
      assert.ok(packedFiles.includes(needed), `${needed} is not in the tarball`);
    }
    assert.ok(!packedFiles.some((p) => p.endsWith('.ts') && !p.endsWith('.d.ts') && !p.endsWith('.d.cts')));
  });

  it('require() returns createServer itself, with the 1.x properties', () => {
    const file = write('check.cjs', [
      "const x = require('oauth2orize');",
      'const server = x();',
      'const err = new x.TokenError("m", "invalid_grant");',
      'console.log(JSON.stringify({',
      '  type: typeof x,',
      '  createServer: typeof x.createServer,',
      '  errorHandler: typeof x.errorHandler,',
      '  grantCode: typeof x.grant.code,',
      '  grantToken: typeof x.grant.token,',
      '  grantAlias: x.grant.authorizationCode === x.grant.code,',
      '  implicitAlias: x.grant.implicit === x.grant.token,',
      '  exchangeAlias: x.exchange.code === x.exchange.authorizationCode,',
      '  exchanges: ["authorizationCode", "clientCredentials", "password", "refreshToken"].map((n) => typeof x.exchange[n]),',
      '  errors: [x.OAuth2Error, x.AuthorizationError, x.TokenError].map((c) => typeof c),',
      '  tokenErrorStatus: err.status,',
      '  tokenErrorCode: err.code,',
      '  isOAuth2Error: err instanceof x.OAuth2Error,',
      '  serverToken: typeof server.token,',
      '  serverFromCreate: typeof x.createServer().token,',
      '}));',
    ]);
    assert.deepEqual(runJson(file), {
      type: 'function',
      createServer: 'function',
      errorHandler: 'function',
      grantCode: 'function',
      grantToken: 'function',
      grantAlias: true,
      implicitAlias: true,
      exchangeAlias: true,
      exchanges: ['function', 'function', 'function', 'function'],
      errors: ['function', 'function', 'function'],
      tokenErrorStatus: 403,
      tokenErrorCode: 'invalid_grant',
      isOAuth2Error: true,
      serverToken: 'function',
      serverFromCreate: 'function',
    });
  });

  it('import gives the same callable as default export, plus named exports', () => {
    const file = write('check.mjs', [
      "import oauth2orize, { createServer, errorHandler, grant, exchange, OAuth2Error, AuthorizationError, TokenError } from 'oauth2orize';",
      'const err = new TokenError("m", "invalid_grant");',
      'console.log(JSON.stringify({',
      '  type: typeof oauth2orize,',
      '  sameCreateServer: oauth2orize.createServer === createServer,',
      '  sameGrant: oauth2orize.grant === grant,',
      '  sameExchange: oauth2orize.exchange === exchange,',
      '  sameErrorHandler: oauth2orize.errorHandler === errorHandler,',
      '  sameErrors: oauth2orize.OAuth2Error === OAuth2Error && oauth2orize.AuthorizationError === AuthorizationError && oauth2orize.TokenError === TokenError,',
      '  grantAlias: grant.authorizationCode === grant.code,',
      '  exchangeAlias: exchange.code === exchange.authorizationCode,',
      '  tokenErrorStatus: err.status,',
      '  serverToken: typeof oauth2orize().token,',
      '  namedServerToken: typeof createServer().token,',
      '}));',
    ]);
    assert.deepEqual(runJson(file), {
      type: 'function',
      sameCreateServer: true,
      sameGrant: true,
      sameExchange: true,
      sameErrorHandler: true,
      sameErrors: true,
      grantAlias: true,
      exchangeAlias: true,
      tokenErrorStatus: 403,
      serverToken: 'function',
      namedServerToken: 'function',
    });
  });

  it('type-checks from TypeScript as ESM (.ts) and CommonJS (.cts)', () => {
    const esm = write('esm.ts', [
      "import oauth2orize, { createServer, grant, exchange, OAuth2Error, TokenError } from 'oauth2orize';",
      "import type { Server } from 'oauth2orize';",
      '',
      'const server: Server = oauth2orize();',
      'const same: typeof createServer = oauth2orize.createServer;',
      'const token: Function = server.token();',
      "const err = new TokenError('bad code', 'invalid_grant');",
      'const status: number = err.status;',
      'const code: string = err.code;',
      'const isOAuth2: boolean = err instanceof OAuth2Error;',
      'const fns: Function[] = [grant.code, grant.token, exchange.authorizationCode, exchange.password];',
      '// @ts-expect-error the default export has no such property',
      'oauth2orize.notAnExport;',
      '// @ts-expect-error a server is not a number',
      'const wrong: number = createServer();',
      'export { same, token, status, code, isOAuth2, fns, wrong };',
    ]);
    const cjs = write('cjs.cts', [
      "import oauth2orize = require('oauth2orize');",
      '',
      'const server: oauth2orize.Server = oauth2orize();',
      'const other: oauth2orize.Server = oauth2orize.createServer();',
      'const token: Function = server.token();',
      "const err: oauth2orize.OAuth2Error = new oauth2orize.TokenError('bad code', 'invalid_grant');",
      'const status: number = err.status;',
      'const fns: Function[] = [oauth2orize.grant.code, oauth2orize.exchange.code, oauth2orize.errorHandler];',
      '// @ts-expect-error grant has no such member',
      'oauth2orize.grant.notAGrant;',
      '// @ts-expect-error a server is not a string',
      'const wrong: string = oauth2orize();',
      'export = { other, token, status, fns, wrong };',
    ]);
    const result = compile([esm, cjs]);
    assert.equal(result.status, 0, result.output);
  });

  // Issue 10: apps written against @types/oauth2orize 1.11.5 compile against the packed
  // package, each in its own program (each augments Express.Request its own way), as ESM
  // and, for the DefinitelyTyped-style file, as CommonJS too.
  it('compiles apps written against @types/oauth2orize, as ESM and CommonJS', () => {
    const upgrade = path.join(root, 'test', 'types', 'upgrade');
    const assertSource = fs.readFileSync(path.join(root, 'test', 'types', 'assert.ts'), 'utf8');
    fs.writeFileSync(path.join(app, 'assert.ts'), assertSource);
    fs.writeFileSync(path.join(app, 'assert.cts'), assertSource);
    const express = { types: ['node', 'express'], paths: { express: [path.join(typeRoots, 'express', 'index.d.ts')] } };
    const apps = fs.readdirSync(upgrade).filter((f) => f.endsWith('.ts'));
    assert.ok(apps.length >= 2, `apps in test/types/upgrade: ${apps}`);
    for (const name of apps) {
      const source = fs.readFileSync(path.join(upgrade, name), 'utf8');
      const esm = write(name, [source.replace("from '../assert.js'", "from './assert.js'")]);
      const result = compile([esm], true, express);
      assert.equal(result.status, 0, `${name} (ESM): ${result.output}`);
    }
    const dt = fs.readFileSync(path.join(upgrade, 'dt-style.ts'), 'utf8');
    const cjs = write('dt-style-cjs.cts', [dt.replace("from '../assert.js'", "from './assert.cjs'")]);
    const result = compile([cjs], true, express);
    assert.equal(result.status, 0, `dt-style.ts as CommonJS: ${result.output}`);
  });

  it('loads oauth2orize/otel with require(), import and TypeScript (nodenext, ESM and CommonJS)', () => {
    const cjs = write('otel.cjs', [
      "const { enableOpenTelemetry } = require('oauth2orize/otel');",
      'const off = enableOpenTelemetry();',
      'off();',
      "console.log(JSON.stringify({ type: typeof enableOpenTelemetry, off: typeof off }));",
    ]);
    assert.deepEqual(runJson(cjs), { type: 'function', off: 'function' });
    const mjs = write('otel.mjs', [
      "import { enableOpenTelemetry } from 'oauth2orize/otel';",
      "import { TRACING_CHANNELS } from 'oauth2orize';",
      'const off = enableOpenTelemetry({ clientId: "hash" });',
      'off();',
      "console.log(JSON.stringify({ type: typeof enableOpenTelemetry, token: TRACING_CHANNELS.token }));",
    ]);
    assert.deepEqual(runJson(mjs), { type: 'function', token: 'oauth2orize:token' });
    const esm = write('otel-esm.ts', [
      "import { enableOpenTelemetry, type OpenTelemetryOptions } from 'oauth2orize/otel';",
      "import type { EndpointContext } from 'oauth2orize';",
      "const options: OpenTelemetryOptions = { clientId: 'hash' };",
      'const off: () => void = enableOpenTelemetry(options);',
      "const ctx: EndpointContext = { endpoint: 'token' };",
      "// @ts-expect-error clientId is 'off', 'raw' or 'hash'",
      "enableOpenTelemetry({ clientId: 'yes' });",
      'export { off, ctx };',
    ]);
    const cts = write('otel-cjs.cts', [
      "import otel = require('oauth2orize/otel');",
      'const off: () => void = otel.enableOpenTelemetry({ userId: (u) => String(u) });',
      'export = { off };',
    ]);
    const result = compile([esm, cts]);
    assert.equal(result.status, 0, result.output);
  });

  it('reports type errors, so the check above is not vacuous', () => {
    const bad = write('bad.ts', [
      "import oauth2orize from 'oauth2orize';",
      'oauth2orize.notAnExport();',
    ]);
    const result = compile([bad], true); // only the app's own file matters here
    assert.notEqual(result.status, 0);
    assert.match(result.output, /notAnExport/);
  });
});
