// Profile one HTTP target: start bench/server.mjs under `node --cpu-prof`,
// load it (autocannon for token:* targets, complete code flows for flow:*),
// stop it, and print the profile summary.
//
//   node bench/profile-http.mjs flow:port [seconds-or-flows] [/tmp/dir]
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cannon, flows } from './http.mjs';

const [target = 'token:port', amount, dir = `/tmp/oauth2orize-prof/${(process.argv[2] || 'token:port').replace(':', '-')}`] = process.argv.slice(2);
mkdirSync(dir, { recursive: true });
const server = fileURLToPath(new URL('./server.mjs', import.meta.url));
const summary = fileURLToPath(new URL('./profile-summary.mjs', import.meta.url));

const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, server, target], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s) => {
    const m = /127\.0\.0\.1:(\d+)/.exec(s);
    if (m) resolve(Number(m[1]));
  });
});
child.removeAllListeners('exit');

if (target.startsWith('flow:')) {
  const count = Number(amount || 1500);
  console.log(`${target}: ${(await flows(port, count, 4)).toFixed(1)} flows/s over ${count} flows`);
} else {
  const seconds = Number(amount || 5);
  console.log(`${target}: ${(await cannon(port, seconds, 10)).rate.toFixed(0)} req/s over ${seconds} s`);
}

await new Promise((resolve) => {
  child.once('exit', resolve);
  child.kill('SIGTERM');
});
const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => `${dir}/${f}`);
const out = spawn(process.execPath, [summary, ...profiles, '--top', '30'], { stdio: 'inherit' });
await new Promise((resolve) => out.once('exit', resolve));
