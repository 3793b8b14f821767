/**
 * docs/options.md against the package's option types: each factory has its table, each table
 * lists exactly the properties of the type named in its `<!-- options: Type -->` marker (read
 * with the TypeScript compiler API, inherited properties included), and every exported option
 * type is either a table or named in the page's note on the types it leaves out.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FACTORIES, exportedOptionTypes, optionProperties } from './optionTypes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const page = fs.readFileSync(path.join(root, 'docs', 'options.md'), 'utf8');

/** The tables of the page: the type of each marker, and the option names of its first column. */
function tables(): Map<string, { heading: string; names: string[] }> {
  const out = new Map<string, { heading: string; names: string[] }>();
  const lines = page.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('## ')) heading = lines[i].slice(3);
    const marker = /^<!-- options: (\w+) -->$/.exec(lines[i]);
    if (!marker) continue;
    assert.ok(!out.has(marker[1]), `docs/options.md has two tables for ${marker[1]}`);
    const names: string[] = [];
    for (let j = i + 3; j < lines.length && lines[j].startsWith('|'); j++) {
      const m = /^\| `([^`]+)` \|/.exec(lines[j]);
      assert.ok(m, `docs/options.md:${j + 1}: the first column names the option in backticks`);
      names.push(m[1]);
    }
    out.set(marker[1], { heading, names });
  }
  return out;
}

test('every factory has a table under its heading, in the order of FACTORIES', () => {
  const found = tables();
  for (const { heading, type } of FACTORIES) {
    const table = found.get(type);
    assert.ok(table, `docs/options.md has no table marked <!-- options: ${type} --> (for ${heading})`);
    assert.equal(table.heading, heading, `the table of ${type} is under "## ${table.heading}", expected "## ${heading}"`);
  }
  assert.deepEqual([...found.keys()], FACTORIES.map((f) => f.type), 'no other tables, in this order');
});

test('each table lists exactly the options of its type', () => {
  for (const [type, { names }] of tables()) {
    const declared = optionProperties(type).map((p) => p.name);
    const missing = declared.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !declared.includes(n));
    assert.deepEqual(
      { missing, extra },
      { missing: [], extra: [] },
      `docs/options.md, table of ${type}: add rows for ${missing.join(', ') || '-'}; remove rows for ${extra.join(', ') || '-'}`,
    );
    assert.equal(new Set(names).size, names.length, `the table of ${type} lists an option twice`);
  }
});

test('createServer: every key of ServerOptions is in its table, and the table has no other key', () => {
  const keys = optionProperties('ServerOptions').map((p) => p.name);
  assert.ok(keys.includes('hardened') && keys.includes('issuer') && keys.includes('store'), 'the compiler API reads ServerOptions');
  assert.deepEqual([...(tables().get('ServerOptions')?.names ?? [])].sort(), [...keys].sort());
});

test('every exported option type has a table, or the page says why it has none', () => {
  const note = page.slice(0, page.indexOf('\n## '));
  const documented = new Set(FACTORIES.map((f) => f.type));
  for (const type of exportedOptionTypes()) {
    if (documented.has(type)) continue;
    assert.ok(note.includes(`\`${type}\``), `${type} is exported: give it a table in docs/options.md, or name it in the note at the top`);
  }
});

test('the README links the options reference', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.ok(readme.includes('](docs/options.md)'), 'README.md links docs/options.md');
});
