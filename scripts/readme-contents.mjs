#!/usr/bin/env node
// Rewrites the "## Contents" list of README.md from its "## " headings (run it after adding a
// section; test/readme/blocks.test.ts fails while a section is missing from the list).
// Usage: node scripts/readme-contents.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../README.md', import.meta.url);
const text = readFileSync(file, 'utf8');

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
const slug = (heading) =>
  heading.toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');

// Notes kept after an entry, by heading.
const notes = {};

const prose = text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, (block) => block.replace(/^#/gm, ' '));
const headings = [...prose.matchAll(/^## (.+)$/gm)].map((m) => m[1]).filter((h) => h !== 'Contents');
const list = headings.map((h) => `- [${h}](#${slug(h)})${notes[h] ?? ''}`).join('\n');

const start = text.indexOf('## Contents\n');
const end = text.indexOf('\n\n', start + '## Contents\n\n'.length);
if (start < 0 || end < 0) throw new Error('README.md has no "## Contents" list');
const updated = `${text.slice(0, start)}## Contents\n\n${list}${text.slice(end)}`;

if (process.argv.includes('--check')) {
  if (updated !== text) {
    console.error('README.md: the Contents list is out of date; run node scripts/readme-contents.mjs');
    process.exit(1);
  }
} else if (updated !== text) {
  writeFileSync(file, updated);
  console.log(`README.md: Contents rewritten (${headings.length} sections)`);
}
