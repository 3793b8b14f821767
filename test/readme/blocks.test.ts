/**
 * The conventions of README.md and of the guides (docs/guides/*.md) and the options reference
 * (docs/options.md): each code block is either run by a test (a `<!-- test: NAME -->` comment
 * above it, and a test that reads NAME) or says it is a fragment; in-page links reach a
 * heading; links and images to repository files point at files that exist; the README is
 * short, lists its sections in its Contents, and links every guide.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { blocks, documents, guides, read, readme, root } from './readme.js';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The markdown outside code blocks. */
function prose(text = readme): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** The anchors of a markdown text's headings. */
function anchors(text: string): Set<string> {
  return new Set([...prose(text).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
}

test('the README is short: at most 480 lines', () => {
  const lines = readme.trimEnd().split('\n').length;
  assert.ok(lines <= 480, `README.md has ${lines} lines; move material into a guide under docs/guides/`);
});

test('every js or ts block is tested or starts with a // fragment comment, in the README and every guide', () => {
  for (const file of documents) {
    const wrong = blocks(read(file))
      .filter((b) => ['js', 'ts', 'javascript', 'typescript'].includes(b.lang))
      .filter((b) => !b.test && !b.code.startsWith('// fragment'))
      .map((b) => `${file}:${b.line}: ${b.code.split('\n')[0]}`);
    assert.ok(wrong.length === 0, `mark these blocks "// fragment" or test them:\n${wrong.join('\n')}`);
  }
});

test('every block marked for testing is read by a test in test/readme/ or test/examples/', () => {
  const tests = ['readme', 'examples']
    .flatMap((dir) => fs.readdirSync(path.join(root, 'test', dir)).map((f) => path.join(root, 'test', dir, f)))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
  const marks = documents.flatMap((file) => blocks(read(file)).flatMap((b) => (b.test ? [{ file, name: b.test }] : [])));
  const names = marks.map((m) => m.name);
  for (const expected of ['quickstart server.ts', 'quickstart app.mjs', 'quickstart curl', 'without-express server.mjs', 'without-express connect']) {
    assert.ok(names.includes(expected), `no block is marked "test: ${expected}"`);
  }
  for (const { file, name } of marks) {
    const call = file === 'README.md' ? `marked('${name}')` : `marked('${name}', '${file}')`;
    assert.ok(tests.includes(call), `no test reads the block "${name}" of ${file} (expected ${call})`);
  }
});

test('in-page links reach a heading, and the contents list every section', () => {
  const text = prose();
  const own = anchors(readme);
  const links = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length > 10, 'the README links to its sections');
  for (const link of links) assert.ok(own.has(link), `#${link} matches no heading`);
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

test('links and images to files of the repository point at files that exist, and anchors at headings', () => {
  const targets = [...prose().matchAll(/!?\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]);
  assert.ok(targets.includes('CONTRIBUTING.md'), 'the README links to CONTRIBUTING.md');
  for (const file of documents) {
    const text = prose(read(file));
    for (const m of text.matchAll(/!?\[[^\]]*\]\(([^)\s]*)\)/g)) {
      const [target, anchor] = m[1].split('#');
      if (/^[a-z]+:/i.test(target)) continue;
      const resolved = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
      assert.ok(fs.existsSync(path.join(root, resolved)), `${file}: ${m[1]} points at ${resolved}, which does not exist`);
      if (anchor && resolved.endsWith('.md')) {
        assert.ok(anchors(read(resolved)).has(anchor), `${file}: ${m[1]}: ${resolved} has no heading #${anchor}`);
      }
    }
  }
});

test('the README links every guide, and each guide starts with its title and a link back', () => {
  assert.ok(guides.length >= 15, `expected the guides in docs/guides/, found ${guides.length}`);
  for (const guide of guides) {
    assert.ok(readme.includes(`](${guide})`), `the README's guide map does not link ${guide}`);
    const text = read(guide);
    assert.match(text, /^# .+\n\n/, `${guide} starts with a "# " title`);
    assert.ok(text.includes('](../../README.md#guides)'), `${guide} links back to the README's guides`);
  }
});

test('the code flow is drawn as a Mermaid sequence diagram', () => {
  const diagram = blocks().find((b) => b.lang === 'mermaid');
  assert.ok(diagram, 'a mermaid block');
  assert.match(diagram.code, /^sequenceDiagram\n/);
  for (const step of ['/authorize', '/authorize/decision', '/token', 'code&state']) {
    assert.ok(diagram.code.includes(step), `the diagram shows ${step}`);
  }
});

test('the README keeps its sections for a new user: quick start, guides, options, client, troubleshooting', () => {
  for (const heading of [
    '## Install',
    '## Quick start',
    '## Guides',
    '## Options reference',
    '## The client side, with oauth4webapi',
    '## Troubleshooting',
    '## Upgrading from 1.x',
    '## Security',
  ]) {
    assert.ok(readme.includes(`\n${heading}\n`), `README lacks ${heading}`);
  }
  for (const image of ['docs/images/example-login.png', 'docs/images/example-consent.png']) {
    assert.ok(readme.includes(`](${image})`), `README shows ${image}`);
  }
  const troubleshooting = readme.slice(readme.indexOf('## Troubleshooting'), readme.indexOf('\n## ', readme.indexOf('## Troubleshooting') + 3));
  for (const symptom of ['invalid_client', 'RFC 6749 §2.3.1', 'passport-http', 'hangs', 'server_error', 'DEBUG=oauth2orize']) {
    assert.ok(troubleshooting.includes(symptom), `troubleshooting mentions ${symptom}`);
  }
});

test('contributor material lives in CONTRIBUTING.md, not in the README', () => {
  for (const heading of ['## How the package is built', '## Why TypeScript 5.9', '## Benchmarks']) {
    assert.ok(!readme.includes(`#${heading}`), `README still has ${heading}`);
    assert.ok(fs.readFileSync(path.join(root, 'CONTRIBUTING.md'), 'utf8').includes(heading), `CONTRIBUTING.md lacks ${heading}`);
  }
});
