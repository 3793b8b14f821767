// Drive one in-process case of one implementation for a while, to be run
// under the V8 profiler, e.g.:
//
//   node --cpu-prof --cpu-prof-dir=/tmp/oauth2orize-prof bench/profile.mjs decision port 4
//   node bench/profile-summary.mjs /tmp/oauth2orize-prof/*.cpuprofile
//
// Arguments: a substring of the case name (token, unsupported, authorize,
// decision), `port` or `1.12`, and seconds (default 4).
import { createRequire } from 'node:module';
import oauth2orize from 'oauth2orize';
import { CASES } from './inprocess.mjs';

const [which = 'decision', impl = 'port', seconds = '4'] = process.argv.slice(2);
const spec = CASES.find((c) => c.name.includes(which));
if (!spec) {
  console.error(`no case matches "${which}"; cases: ${CASES.map((c) => c.name).join('; ')}`);
  process.exit(2);
}
const lib = impl === '1.12' ? createRequire(import.meta.url)('oauth2orize-1.12') : oauth2orize;
const c = spec.setup(lib);

const until = process.hrtime.bigint() + BigInt(Math.round(Number(seconds) * 1e9));
const before = c.count();
let last;
let n = 0;
while (process.hrtime.bigint() < until) {
  for (let i = 0; i < 100; i++) last = c.one();
  n += 100;
}
if (c.count() - before !== n) throw new Error(`only ${c.count() - before} of ${n} completed`);
c.verify(last);
console.log(`${spec.name} (${impl}): ${n} requests in ${seconds} s, ${((Number(seconds) * 1e9) / n).toFixed(0)} ns/op wall`);
