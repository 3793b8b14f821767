/**
 * The README's "An authorization server for MCP": server.ts, which is
 * examples/mcp-minimal/server.ts word for word, copied alone into an empty
 * folder that holds only the packages its header's `npm install` line names,
 * started with tsx, then the official MCP SDK client connects to its /mcp
 * with no OAuth code of its own: 401, protected-resource metadata, server
 * metadata, dynamic registration, authorization with PKCE and `resource`
 * (the test plays the browser on the consent page), token, tool call.
 * Needs `make build` (the copy loads the package from dist/).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { CookieClient, freePort, importedPackages, marked, root, scratchApp, startScript, transactionId } from './readme.js';
import { type Exchange, TestProvider, assertInOrder, recordingFetch } from '../examples/mcpClient.js';

const block = marked('mcp server.ts');
const source = fs.readFileSync(path.join(root, 'examples', 'mcp-minimal', 'server.ts'), 'utf8');

/** The packages of the `npm install` line in the app's header, and the command after it. */
function commands(): { packages: string[]; run: string } {
  const m = /^\/\/ {3}npm install (.+)\n\/\/ {3}(.+)$/m.exec(source);
  assert.ok(m, 'the header has an npm install line, then the command that runs the server');
  return { packages: m[1].trim().split(/\s+/).sort(), run: m[2].trim() };
}

test('the README section is examples/mcp-minimal/server.ts, and its header names what it imports', () => {
  assert.equal(block.lang, 'ts');
  assert.equal(block.code, source);
  assert.deepEqual(commands().packages, [...importedPackages(source), 'tsx'].sort());
  assert.equal(commands().run, 'npx tsx server.ts');
});

test('server.ts compiles alone under strict TypeScript (module nodenext)', { timeout: 120_000 }, () => {
  const scratch = scratchApp(
    {
      'server.ts': block.code,
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, types: ['node'], skipLibCheck: true },
        files: ['server.ts'],
      }),
    },
    [...importedPackages(block.code), '@types/node', '@types/express', '@types/express-session'],
  );
  try {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', scratch.dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
  } finally {
    scratch.remove();
  }
});

describe('examples/mcp-minimal with the MCP SDK client', { timeout: 120_000 }, () => {
  let base = '';
  let stop: () => Promise<void> = async () => {};
  let remove = () => {};

  before(async () => {
    const scratch = scratchApp({ 'server.ts': source }, commands().packages);
    remove = scratch.remove;
    const started = await startScript(scratch.dir, 'server.ts', /MCP authorization server on (http:\/\/localhost:\d+)/, await freePort(), ['--import', 'tsx']);
    base = started.match;
    stop = started.stop;
  });
  after(async () => {
    await stop();
    remove();
  });

  test('registers, signs in with PKCE and resource, and calls the tool as the user', async (t) => {
    const mcpURL = new URL(`${base}/mcp`);
    const log: Exchange[] = [];
    const provider = new TestProvider('http://127.0.0.1:47126/callback');
    const first = new Client({ name: 'readme-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(mcpURL, { authProvider: provider, fetch: recordingFetch(log) });
    await assert.rejects(first.connect(transport), UnauthorizedError);
    await first.close();
    assertInOrder(log, ['POST /mcp 401', 'GET /.well-known/oauth-protected-resource/mcp 200', 'GET /.well-known/oauth-authorization-server 200', 'POST /register 201']);

    const url = provider.authorizationURL;
    assert.ok(url);
    assert.equal(url.searchParams.get('resource'), mcpURL.href);
    const browser = new CookieClient();
    const consent = await browser.fetch(url.href);
    const page = await consent.text();
    assert.equal(consent.status, 200, page);
    assert.match(page, /oauth2orize MCP test client wants to use your tools/);
    const decision = await browser.post(`${base}/authorize/decision`, { transaction_id: transactionId(page) });
    const callback = new URL(decision.headers.get('location') ?? '');
    assert.equal(callback.searchParams.get('iss'), base);
    await transport.finishAuth(callback.searchParams.get('code') ?? '');

    const client = new Client({ name: 'readme-test', version: '1.0.0' });
    t.after(() => client.close());
    await client.connect(new StreamableHTTPClientTransport(mcpURL, { authProvider: provider, fetch: recordingFetch(log) }));
    const result = await client.callTool({ name: 'whoami' });
    assert.deepEqual(result.content, [{ type: 'text', text: 'alice' }]);
  });

  test('a token request for a resource the user did not grant gets invalid_target; a bad token gets the 401 challenge', async () => {
    const mcp = await fetch(`${base}/mcp`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    assert.equal(mcp.status, 401);
    assert.match(mcp.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.match(mcp.headers.get('www-authenticate') ?? '', new RegExp(`resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`));

    const registered = await fetch(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:47127/cb'], token_endpoint_auth_method: 'none', client_name: 'x' }),
    });
    const { client_id } = (await registered.json()) as { client_id: string };
    const verifier = 'a'.repeat(43);
    const challenge = (await import('node:crypto')).createHash('sha256').update(verifier).digest('base64url');
    const browser = new CookieClient();
    const authorize = new URL(`${base}/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code', client_id, redirect_uri: 'http://127.0.0.1:47127/cb', code_challenge: challenge, code_challenge_method: 'S256', resource: `${base}/mcp`,
    }).toString();
    const page = await (await browser.fetch(authorize.href)).text();
    const decision = await browser.post(`${base}/authorize/decision`, { transaction_id: transactionId(page) });
    const code = new URL(decision.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const res = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code, client_id, redirect_uri: 'http://127.0.0.1:47127/cb', code_verifier: verifier, resource: 'https://other.example/api',
      }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_target');
  });
});
