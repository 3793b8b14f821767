/**
 * README.md's conventions: each code block is either run by a test (a `<!-- test: NAME -->`
 * comment above it, and a test that reads NAME) or says it is a fragment; in-page links
 * reach a heading; links and images to repository files point at files that exist.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { blocks, readme, root } from './readme.js';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The markdown outside code blocks. */
function prose(): string {
  return readme.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

test('every js block is tested or starts with a // fragment comment', () => {
  const wrong = blocks()
    .filter((b) => ['js', 'ts', 'javascript', 'typescript'].includes(b.lang))
    .filter((b) => !b.test && !b.code.startsWith('// fragment'))
    .map((b) => `README.md:${b.line}: ${b.code.split('\n')[0]}`);
  assert.ok(wrong.length === 0, `mark these blocks "// fragment" or test them:\n${wrong.join('\n')}`);
});

test('every block marked for testing is read by a test in test/readme/', () => {
  const tests = fs
    .readdirSync(path.join(root, 'test', 'readme'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => fs.readFileSync(path.join(root, 'test', 'readme', f), 'utf8'))
    .join('\n');
  const names = blocks().flatMap((b) => (b.test ? [b.test] : []));
  assert.ok(names.length >= 4, `expected the Quick start, its curl, node:http and connect blocks, got ${names.join(', ')}`);
  for (const name of names) assert.ok(tests.includes(`marked('${name}')`), `no test reads the block "${name}"`);
});

test('in-page links reach a heading, and the contents list every section', () => {
  const text = prose();
  const anchors = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
  const links = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length > 10, 'the README links to its sections');
  for (const link of links) assert.ok(anchors.has(link), `#${link} matches no heading`);
  const contents = text.slice(text.indexOf('## Contents'), text.indexOf('## Install'));
  for (const m of text.matchAll(/^## (.+)$/gm)) {
    if (m[1] === 'Contents') continue;
    assert.ok(contents.includes(`(#${slug(m[1])})`), `the contents do not list "## ${m[1]}"`);
  }
});

test('the contents list is what scripts/readme-contents.mjs writes', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'readme-contents.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('links and images to files of the repository point at files that exist', () => {
  const targets = [...prose().matchAll(/!?\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^[a-z]+:/i.test(t));
  assert.ok(targets.includes('CONTRIBUTING.md'), 'the README links to CONTRIBUTING.md');
  for (const target of targets) assert.ok(fs.existsSync(path.join(root, target)), `${target} does not exist`);
});

test('the code flow is drawn as a Mermaid sequence diagram', () => {
  const diagram = blocks().find((b) => b.lang === 'mermaid');
  assert.ok(diagram, 'a mermaid block');
  assert.match(diagram.code, /^sequenceDiagram\n/);
  for (const step of ['/authorize', '/authorize/decision', '/token', 'code&state']) {
    assert.ok(diagram.code.includes(step), `the diagram shows ${step}`);
  }
});

test('contributor material lives in CONTRIBUTING.md, not in the README', () => {
  for (const heading of ['## How the package is built', '## Why TypeScript 5.9', '## Benchmarks']) {
    assert.ok(!readme.includes(`#${heading}`), `README still has ${heading}`);
    assert.ok(fs.readFileSync(path.join(root, 'CONTRIBUTING.md'), 'utf8').includes(heading), `CONTRIBUTING.md lacks ${heading}`);
  }
});
