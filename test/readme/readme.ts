/**
 * Helpers for the README tests: pull the code blocks out of README.md, write them into a
 * scratch folder whose node_modules holds the packages they import (this repository as
 * `oauth2orize`, the rest from our own node_modules), and run them as a user would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** The guides, one per capability: `docs/guides/*.md`, as paths from the repository root. */
export const guides: string[] = fs
  .readdirSync(path.join(root, 'docs', 'guides'))
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => `docs/guides/${f}`);

/** Every markdown file whose code blocks follow the README's rules: the README, the guides, the options reference. */
export const documents: string[] = ['README.md', ...guides, 'docs/options.md'];

/** The text of a file of the repository (`README.md`, `docs/guides/pkce.md`, ...). */
export function read(file: string): string {
  return fs.readFileSync(path.join(root, file), 'utf8');
}

export interface Block {
  /** The language after the opening fence (`js`, `sh`, ...). */
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The name in a `<!-- test: NAME -->` comment on one of the lines just above the fence. */
  test?: string;
}

/** Every fenced code block of README.md (or of `text`), in order. */
export function blocks(text = readme): Block[] {
  const lines = text.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
    let test: string | undefined;
    for (let j = start - 1; j >= 0 && j >= start - 2; j--) {
      const m = /^<!-- test: (.+?) -->$/.exec(lines[j]);
      if (m) test = m[1];
    }
    out.push({ lang: open[1], code: body.join('\n') + '\n', line: start + 1, test });
  }
  return out;
}

/** The block of `file` (default README.md) marked `<!-- test: name -->`; throws when there is not exactly one. */
export function marked(name: string, file = 'README.md'): Block {
  const found = blocks(read(file)).filter((b) => b.test === name);
  if (found.length !== 1) throw new Error(`${file} has ${found.length} blocks marked "test: ${name}", expected 1`);
  return found[0];
}

/** The bare package names a module imports (`node:` built-ins left out). */
export function importedPackages(code: string): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(/^import\s+(?:[^'"]+\s+from\s+)?['"]([^'"]+)['"]/gm)) {
    const spec = m[1];
    if (spec.startsWith('node:') || spec.startsWith('.')) continue;
    names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
  }
  return [...names].sort();
}

/**
 * A new folder holding `files`, with node_modules/<name> links for `packages`:
 * `oauth2orize` is this repository (its built dist/), anything else our installed copy.
 */
export function scratchApp(files: Record<string, string>, packages: string[]): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oauth2orize-readme-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  for (const name of packages) {
    const target = name === 'oauth2orize' ? root : path.join(root, 'node_modules', name);
    if (!fs.existsSync(target)) throw new Error(`package ${name} is not installed`);
    const link = path.join(dir, 'node_modules', name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(target, link, 'dir');
  }
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface Started {
  child: ChildProcess;
  /** What the script printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago (for scripts that must know their port before listening). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, 'localhost', () => resolve()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Runs `node [...nodeArgs] file` in `dir` with PORT=0 (or `port`) and waits until its output matches `ready`
 * (whose first group is returned, usually the URL it listens on).
 */
export async function startScript(
  dir: string,
  file: string,
  ready: RegExp,
  port = 0,
  nodeArgs: string[] = [],
): Promise<Started & { match: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), NODE_ENV: 'test' };
  delete env.NODE_V8_COVERAGE;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [...nodeArgs, file], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  let match: RegExpExecArray | null = null;
  while (!(match = ready.exec(out))) {
    if (child.exitCode !== null) throw new Error(`${file} exited (${child.exitCode}) before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${file} printed nothing matching ${ready} within 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    match: match[1],
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A fetch that keeps cookies and never follows redirects: enough of a browser for these flows. */
export class CookieClient {
  private cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }

  /** POSTs a form. */
  post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields),
    });
  }
}

/** The value of the hidden `transaction_id` field of a consent page. */
export function transactionId(html: string): string {
  const m = /name="transaction_id" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no transaction_id in the page:\n${html}`);
  return m[1];
}
