// Summarise a V8 .cpuprofile (from `node --cpu-prof`): top functions by self
// time, and self time per file.
//
//   node bench/profile-summary.mjs /tmp/prof/CPU.*.cpuprofile [--top 25] [--filter dist/]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let top = 25;
let filter = '';
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--filter') filter = args[++i];
  else files.push(args[i]);
}
if (!files.length) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile>... [--top N] [--filter substring-of-url]');
  process.exit(2);
}

const shortUrl = (url) => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^\/work\/main\//, '');

for (const file of files) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  // Sample i lasted timeDeltas[i + 1] microseconds (the last one: unknown, ignored).
  const self = new Map();
  for (let i = 0; i < prof.samples.length - 1; i++) {
    const id = prof.samples[i];
    self.set(id, (self.get(id) || 0) + prof.timeDeltas[i + 1]);
  }
  let total = 0;
  const fns = new Map();
  const urls = new Map();
  for (const [id, us] of self) {
    total += us;
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    fns.set(key, (fns.get(key) || 0) + us);
    const fileKey = url ? shortUrl(url) : `(${functionName})`;
    urls.set(fileKey, (urls.get(fileKey) || 0) + us);
  }
  const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5) + '%';
  const ms = (us) => (us / 1000).toFixed(1).padStart(8) + ' ms';
  console.log(`\n${file}: ${(total / 1000).toFixed(0)} ms sampled`);
  console.log(`top ${top} functions by self time${filter ? ` (url contains "${filter}")` : ''}:`);
  [...fns].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top)
    .forEach(([k, us]) => console.log(`${ms(us)} ${pct(us)}  ${k}`));
  console.log('self time by file:');
  [...urls].sort((a, b) => b[1] - a[1]).slice(0, 15).forEach(([k, us]) => console.log(`${ms(us)} ${pct(us)}  ${k}`));
}
