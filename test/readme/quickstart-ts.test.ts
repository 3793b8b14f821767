/**
 * The README's TypeScript Quick start: server.ts, which is examples/minimal/server.ts word for
 * word. Copied alone into an empty folder holding the packages its `npm install` line names
 * (and the type packages a TypeScript user adds), it compiles under `strict` with
 * `module: nodenext`, and it starts with tsx and serves its metadata. Every flow is run
 * against it with oauth4webapi by test/examples/minimal.test.ts. Needs `make build`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CookieClient, freePort, importedPackages, marked, readme, root, scratchApp, startScript } from './readme.js';

const block = marked('quickstart server.ts');

/** The packages of the `npm install ...` line in the README's Quick start section. */
function installLine(): string[] {
  const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('<!-- test: quickstart server.ts -->'));
  const m = /^npm install (.+)\nnpx tsx server\.ts$/m.exec(section);
  assert.ok(m, 'the Quick start has an npm install line, then `npx tsx server.ts`');
  return m[1].trim().split(/\s+/).sort();
}

test('the Quick start is examples/minimal/server.ts, with the same two commands', () => {
  assert.equal(block.lang, 'ts');
  assert.equal(block.code, fs.readFileSync(path.join(root, 'examples', 'minimal', 'server.ts'), 'utf8'));
  assert.deepEqual(installLine(), [...importedPackages(block.code), 'tsx'].sort());
  const minimal = fs.readFileSync(path.join(root, 'examples', 'minimal', 'README.md'), 'utf8');
  assert.equal(/^npm install (.+)$/m.exec(minimal)?.[1].split(/\s+/).sort().join(' '), installLine().join(' '));
});

test('server.ts compiles alone under strict TypeScript (module nodenext)', { timeout: 120_000 }, () => {
  const types = ['@types/node', '@types/express', '@types/express-session'];
  const scratch = scratchApp(
    {
      'server.ts': block.code,
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, types: ['node'], skipLibCheck: true },
        files: ['server.ts'],
      }),
    },
    [...importedPackages(block.code), ...types],
  );
  try {
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', scratch.dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
  } finally {
    scratch.remove();
  }
});

test('server.ts starts with tsx, serves its metadata and sends a stranger to sign in', { timeout: 120_000 }, async () => {
  const scratch = scratchApp({ 'server.ts': block.code }, installLine());
  try {
    const started = await startScript(scratch.dir, 'server.ts', /Authorization server on (http:\/\/localhost:\d+)/, await freePort(), ['--import', 'tsx']);
    try {
      const base = started.match;
      const meta = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      assert.equal(meta.issuer, base);
      assert.equal(meta.token_endpoint, `${base}/token`);
      const res = await new CookieClient().fetch(`${base}/authorize?response_type=code&client_id=demo-app`);
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), '/login');
    } finally {
      await started.stop();
    }
  } finally {
    scratch.remove();
  }
});
