// What DPoP proof validation costs per token request (client_credentials,
// in process, mock req/res): a server without the `dpop` option, the same
// with `dpop` but no proof on the request (the non-DPoP path), and with a
// fresh proof per request for ES256, EdDSA and RS256. Proofs are signed
// before each round, outside the timing. Rounds alternate between the arms.
//
//   node bench/dpop.mjs [--rounds N] [--n REQUESTS] [--json]
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import oauth2orize from 'oauth2orize';
import { MockResponse, ended } from './mock.mjs';
import { median } from './inprocess.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = opt('--rounds', 20);
const n = opt('--n', 400);
const json = args.includes('--json');
const HTU = 'http://as.example/token';

function tokenEndpoint(dpop) {
  const server = oauth2orize.createServer(dpop ? { dpop: { replay: new oauth2orize.MemoryReplayStore({ maxKeys: 1_000_000 }) } } : undefined);
  server.exchange(oauth2orize.exchange.clientCredentials((client, scope, done) => done(null, 'AT-' + client.id, { expires_in: 3600 })));
  return server.token();
}

const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
function keyOf(alg) {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg, privateKey: pair.privateKey, jwk: pair.publicKey.export({ format: 'jwk' }) };
}
function proofOf(key) {
  const input = b64({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk }) + '.' + b64({ jti: randomUUID(), htm: 'POST', htu: HTU, iat: Math.floor(Date.now() / 1000) });
  const data = Buffer.from(input);
  const sig = key.alg === 'ES256' ? sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }) : key.alg === 'EdDSA' ? sign(null, data, key.privateKey) : sign('sha256', data, key.privateKey);
  return input + '.' + sig.toString('base64url');
}

/** One request; resolves when the response ended. */
function one(token, proof) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', host: 'as.example' };
    const rawHeaders = ['Content-Type', headers['content-type'], 'Host', 'as.example'];
    if (proof) { headers.dpop = proof; rawHeaders.push('DPoP', proof); }
    const req = { method: 'POST', url: '/token', headers, rawHeaders, socket: {}, body: { grant_type: 'client_credentials' }, user: { id: 'c1' } };
    const res = new MockResponse();
    const end = res.end.bind(res);
    res.end = (chunk) => { end(chunk); resolve(res); };
    token(req, res, (err) => reject(err || new Error('next() called')));
  });
}

const arms = [
  { name: 'no dpop option', token: tokenEndpoint(false), key: undefined },
  { name: 'dpop option, no proof (the non-DPoP path)', token: tokenEndpoint(true), key: undefined },
  { name: 'dpop, ES256 proof', token: tokenEndpoint(true), key: keyOf('ES256') },
  { name: 'dpop, EdDSA proof', token: tokenEndpoint(true), key: keyOf('EdDSA') },
  { name: 'dpop, RS256 proof', token: tokenEndpoint(true), key: keyOf('RS256') },
];

async function round(arm, count) {
  const proofs = arm.key ? Array.from({ length: count }, () => proofOf(arm.key)) : [];
  const before = ended.count;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let last;
  for (let i = 0; i < count; i++) last = await one(arm.token, proofs[i]);
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  if (ended.count - before !== count) throw new Error('not every request answered');
  const body = JSON.parse(last.body);
  if (last.statusCode !== 200 || body.token_type !== (arm.key ? 'DPoP' : 'Bearer')) throw new Error(`${arm.name}: ${last.statusCode} ${last.body}`);
  return { wall: Number(t1 - t0) / count, cpu: ((c1.user + c1.system) * 1000) / count };
}

for (const arm of arms) await round(arm, 50); // warm-up, and a check of each arm
const samples = arms.map(() => ({ wall: [], cpu: [] }));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [...arms.keys()].reverse() : [...arms.keys()];
  for (const i of order) {
    const m = await round(arms[i], n);
    samples[i].wall.push(m.wall);
    samples[i].cpu.push(m.cpu);
  }
}
const base = median(samples[0].cpu);
const rows = arms.map((arm, i) => ({ name: arm.name, wall: median(samples[i].wall), cpu: median(samples[i].cpu), extraCpu: median(samples[i].cpu) - base }));
if (json) console.log('RESULT ' + JSON.stringify(rows));
for (const r of rows) console.log(`${r.name.padEnd(44)} ${r.cpu.toFixed(0).padStart(8)} CPU ns/op  ${r.wall.toFixed(0).padStart(8)} ns/op  extra CPU ${r.extraCpu >= 0 ? '+' : ''}${r.extraCpu.toFixed(0)} ns`);

