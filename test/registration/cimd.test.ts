/**
 * Client ID Metadata Documents: the fetcher's SSRF guard, limits, redirects, the document
 * checks and the cache, against local https servers on 127.0.0.1 with a test CA made here
 * with openssl.
 *
 * No test here may open a connection to anything but loopback, even with a broken guard:
 * every resolver is given `lookup` (names answer from a fixed table, never DNS) and
 * `connect` (which refuses, and records, any address that is not loopback), or only a
 * `lookup` that answers loopback. A guard bug fails a test instead of sending traffic.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createHttpServer } from 'node:http';
import express from 'express';
import oauth2orize, {
  createClientIdMetadataResolver, isClientIdMetadataUrl,
  type ClientIdConnectTarget, type ClientIdMetadataOptions, type ResolvedAddress,
} from '../../src/index.js';
import { isPublicAddress } from '../../src/registration/publicAddress.js';

const NAME = 'client.example.test';

/** A CA and a server certificate for NAME and 127.0.0.1, made with openssl in a temporary folder. */
function makeCertificates(): { ca: string; key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimd-ca-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=cimd test CA');
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${NAME}`);
    writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=DNS:${NAME},IP:127.0.0.1\n`);
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
    return {
      ca: readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
      key: readFileSync(path.join(dir, 'server.key'), 'utf8'),
      cert: readFileSync(path.join(dir, 'server.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let certs: { ca: string; key: string; cert: string };
let server: https.Server;
let port: number;
/** Requests the test server received, by path. */
const hits = new Map<string, number>();
/** Bytes the 10 MB route managed to write before the client cut it. */
let bigWritten = 0;

function url(p: string, host = NAME): string {
  return `https://${host}:${port}${p}`;
}

function doc(p: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { client_id: url(p), client_name: 'Test client', redirect_uris: ['http://127.0.0.1:3334/callback'], token_endpoint_auth_method: 'none', ...extra };
}

/** Names answer from this table only: never DNS. */
const NAMES: Record<string, ResolvedAddress[]> = {
  [NAME]: [{ address: '127.0.0.1', family: 4 }],
  'ten.test': [{ address: '10.1.2.3', family: 4 }],
  'metadata.test': [{ address: '169.254.169.254', family: 4 }],
  'six.test': [{ address: '::1', family: 6 }],
  'mapped.test': [{ address: '::ffff:10.0.0.1', family: 6 }],
  'cgnat.test': [{ address: '100.64.0.1', family: 4 }],
  'ula.test': [{ address: 'fd12::1', family: 6 }],
  'zero.test': [{ address: '0.0.0.0', family: 4 }],
  // A public address first, then a private one: one bad answer refuses the fetch.
  'mixed.test': [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.1', family: 4 }],
};

const lookups: string[] = [];
const connects: ClientIdConnectTarget[] = [];

async function fixedLookup(hostname: string): Promise<ResolvedAddress[]> {
  lookups.push(hostname);
  const found = NAMES[hostname];
  if (!found) throw new Error(`test lookup: unknown name ${hostname}`);
  return found;
}

/** Connects to loopback only; any other address is recorded and refused, so a guard bug fails the test without traffic. */
function loopbackConnect(target: ClientIdConnectTarget): Duplex {
  connects.push(target);
  if (target.address !== '127.0.0.1' && target.address !== '::1') throw new Error(`test connect: refused to connect to ${target.address}`);
  return tls.connect({ host: target.address, port: target.port, servername: target.servername, ca: certs.ca, ALPNProtocols: ['http/1.1'] });
}

function resolver(options: ClientIdMetadataOptions = {}) {
  return createClientIdMetadataResolver({ lookup: fixedLookup, connect: loopbackConnect, allowLoopback: true, timeout: 1000, ...options });
}

async function refusal(p: Promise<unknown>): Promise<{ reason: string; code: string; status: number; message: string }> {
  try {
    await p;
  } catch (err: any) {
    return { reason: err.reason, code: err.code, status: err.status, message: err.message };
  }
  assert.fail('expected a refusal');
}

before(async () => {
  certs = makeCertificates();
  server = https.createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    const p = (req.url || '').split('?')[0]!;
    hits.set(p, (hits.get(p) || 0) + 1);
    const json = (body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    switch (p) {
      case '/good.json': return json(doc(p), { 'cache-control': 'max-age=600' });
      case '/nostore.json': return json(doc(p), { 'cache-control': 'no-store' });
      case '/huge-ttl.json': return json(doc(p), { 'cache-control': 'max-age=99999999' });
      case '/pkjwt.json': return json(doc(p, { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://client.example.test/jwks' }));
      case '/pkjwt-nokeys.json': return json(doc(p, { token_endpoint_auth_method: 'private_key_jwt' }));
      case '/secret.json': return json(doc(p, { token_endpoint_auth_method: 'client_secret_basic' }));
      case '/with-secret.json': return json(doc(p, { client_secret: 'x' }));
      case '/other-id.json': return json(doc('/good.json'));
      case '/fragment-redirect.json': return json(doc(p, { redirect_uris: ['https://app.example/cb#frag'] }));
      case '/not-object.json': return json([doc(p)]);
      case '/html': res.writeHead(200, { 'content-type': 'text/html' }); return res.end('<html></html>');
      case '/bad-json.json': res.writeHead(200, { 'content-type': 'application/json' }); return res.end('{"client_id":');
      case '/redirect.json': res.writeHead(302, { location: url('/good.json') }); return res.end();
      case '/missing.json': res.writeHead(404); return res.end();
      case '/declared-big.json':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) });
        return res.write('{"a":"');
      case '/big.json': {
        // 10 MB without a Content-Length, in 64 KB chunks, as fast as the client reads.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        let left = 160;
        const pump = () => {
          while (left > 0) {
            left--;
            bigWritten += chunk.length;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => { left = 0; });
        return pump();
      }
      case '/slow.json': {
        // Headers at once, then a byte every 100 ms, for ever.
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write(' '), 100);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/silent.json':
        // Never answers.
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('isClientIdMetadataUrl', () => {
  it('accepts https URLs with a path; refuses the rest', () => {
    for (const ok of ['https://app.example/client.json', 'https://app.example:8443/a/b', 'https://app.example/c?x=1']) assert.ok(isClientIdMetadataUrl(ok), ok);
    for (const bad of ['http://app.example/c', 'https://app.example', 'https://app.example/', 'https://u:p@app.example/c', 'https://app.example/c#f',
      'https://app.example/a/../c', 'https://app.example/./c', 'https://app.example/%2e%2e/c', 'client-123', '', 'https://' + 'a'.repeat(2050) + '.example/c', 42]) {
      assert.equal(isClientIdMetadataUrl(bad), false, String(bad));
    }
  });
});

describe('isPublicAddress', () => {
  it('refuses every non-public range; loopback only with the development allowance', () => {
    for (const a of ['127.0.0.1', '127.9.9.9', '10.0.0.1', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '0.1.2.3',
      '224.0.0.1', '255.255.255.255', '::', '::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '64:ff9b::a00:1', 'fd00::1', 'fe80::1%eth0', 'ff02::1', '2002:a00:1::', 'not-an-ip']) {
      assert.equal(isPublicAddress(a), false, a);
    }
    for (const a of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111']) assert.equal(isPublicAddress(a), true, a);
    assert.equal(isPublicAddress('127.0.0.1', true), true);
    assert.equal(isPublicAddress('::1', true), true);
    assert.equal(isPublicAddress('10.0.0.1', true), false);
    assert.equal(isPublicAddress('169.254.169.254', true), false);
  });
});

describe('createClientIdMetadataResolver: SSRF guard', () => {
  it('refuses names that resolve to loopback without the development allowance, before connecting', async () => {
    const resolve = resolver({ allowLoopback: false });
    connects.length = 0;
    for (const host of [NAME, 'six.test']) {
      const r = await refusal(resolve(url('/good.json', host)));
      assert.equal(r.reason, 'address', host);
      assert.equal(r.code, 'invalid_client');
      assert.equal(r.status, 401);
    }
    assert.equal((await refusal(resolve(`https://127.0.0.1:${port}/good.json`))).reason, 'address');
    assert.equal((await refusal(resolve(`https://[::1]:${port}/good.json`))).reason, 'address');
    assert.deepEqual(connects, [], 'no connection was attempted');
  });

  it('refuses private, link-local (cloud metadata), CGNAT, unique-local, mapped and 0.0.0.0 answers, even with loopback allowed', async () => {
    const resolve = resolver();
    connects.length = 0;
    for (const host of ['ten.test', 'metadata.test', 'cgnat.test', 'ula.test', 'mapped.test', 'zero.test', 'mixed.test']) {
      const r = await refusal(resolve(url('/good.json', host)));
      assert.equal(r.reason, 'address', host);
    }
    for (const literal of ['10.0.0.1', '169.254.169.254', '[fd00::1]', '[::ffff:a00:1]', '0.0.0.0']) {
      assert.equal((await refusal(resolve(`https://${literal}/client.json`))).reason, 'address', literal);
    }
    assert.deepEqual(connects, [], 'no connection was attempted');
  });

  it('connects to the address it checked, with the name for SNI and the certificate', async () => {
    connects.length = 0;
    const d = await resolver()(url('/good.json'));
    assert.equal(d.client_id, url('/good.json'));
    assert.deepEqual(connects.map((c) => [c.address, c.servername, c.port]), [['127.0.0.1', NAME, port]]);
  });

  it('works with the default connect (the lookup answers loopback only) and the ca option', async () => {
    const resolve = createClientIdMetadataResolver({ lookup: fixedLookup, allowLoopback: true, ca: certs.ca, timeout: 2000 });
    const d = await resolve(url('/good.json'));
    assert.equal(d.client_name, 'Test client');
    // Without the test CA, the certificate is refused.
    const untrusted = createClientIdMetadataResolver({ lookup: fixedLookup, allowLoopback: true, timeout: 2000 });
    assert.equal((await refusal(untrusted(url('/good.json')))).reason, 'network');
  });

  it('does not follow redirects', async () => {
    hits.delete('/good.json');
    const r = await refusal(resolver()(url('/redirect.json')));
    assert.equal(r.reason, 'redirect');
    assert.equal(hits.get('/good.json'), undefined, 'the redirect target was never fetched');
  });

  it('cuts a 10 MB body at maxBytes, quickly', async () => {
    bigWritten = 0;
    const t0 = Date.now();
    const r = await refusal(resolver({ maxBytes: 5120 })(url('/big.json')));
    assert.equal(r.reason, 'size');
    assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(bigWritten < 10 * 1024 * 1024, `the server wrote ${bigWritten} bytes: the client stopped reading`);
    const declared = await refusal(resolver()(url('/declared-big.json')));
    assert.equal(declared.reason, 'size');
  });

  it('gives up on a slow or silent server at the time limit', async () => {
    for (const p of ['/slow.json', '/silent.json']) {
      const t0 = Date.now();
      const r = await refusal(resolver({ timeout: 300 })(url(p)));
      const took = Date.now() - t0;
      assert.equal(r.reason, 'timeout', p);
      assert.ok(took >= 250 && took < 1500, `${p}: ${took} ms`);
    }
  });

  it('refuses a lookup that takes longer than the time limit', async () => {
    const r = await refusal(createClientIdMetadataResolver({
      lookup: () => new Promise((resolve) => setTimeout(() => resolve([{ address: '127.0.0.1', family: 4 }]), 2000).unref()),
      connect: loopbackConnect, allowLoopback: true, timeout: 200,
    })(url('/good.json')));
    assert.equal(r.reason, 'timeout');
  });

  it('refuses what is not a JSON document: another media type, bad JSON, an array, a 404', async () => {
    const resolve = resolver();
    assert.equal((await refusal(resolve(url('/html')))).reason, 'content_type');
    assert.equal((await refusal(resolve(url('/bad-json.json')))).reason, 'json');
    assert.equal((await refusal(resolve(url('/not-object.json')))).reason, 'document');
    assert.equal((await refusal(resolve(url('/missing.json')))).reason, 'status');
    assert.equal((await refusal(resolve('http://client.example.test/c.json'))).reason, 'url');
  });
});

describe('createClientIdMetadataResolver: the document', () => {
  it('checks client_id, secrets, the auth method and its keys, redirect URIs', async () => {
    const resolve = resolver();
    assert.match((await refusal(resolve(url('/other-id.json')))).message, /client_id is not the URL/);
    assert.match((await refusal(resolve(url('/with-secret.json')))).message, /client_secret/);
    assert.match((await refusal(resolve(url('/secret.json')))).message, /client_secret_basic/);
    assert.match((await refusal(resolve(url('/pkjwt-nokeys.json')))).message, /jwks/);
    assert.match((await refusal(resolve(url('/fragment-redirect.json')))).message, /fragment/);
    const pk = await resolve(url('/pkjwt.json'));
    assert.equal(pk.token_endpoint_auth_method, 'private_key_jwt');
    const good = await resolve(url('/good.json'));
    assert.equal(good.token_endpoint_auth_method, 'none');
    assert.deepEqual(good.grant_types, ['authorization_code']);
  });

  it('compares the request redirect URI with the document exactly', async () => {
    const resolve = resolver();
    const ok = await resolve(url('/good.json'), { redirectUri: 'http://127.0.0.1:3334/callback' });
    assert.equal(ok.client_id, url('/good.json'));
    for (const other of ['http://127.0.0.1:3334/callback/', 'http://127.0.0.1:3335/callback', 'http://localhost:3334/callback']) {
      const r = await refusal(resolve(url('/good.json'), { redirectUri: other }));
      assert.equal(r.reason, 'redirect_uri');
      assert.equal(r.code, 'invalid_request');
    }
  });
});

describe('createClientIdMetadataResolver: cache', () => {
  it('caches per max-age within bounds, shares concurrent fetches, and bounds the entries', async () => {
    const clock = { t: 1_000_000 };
    const resolve = resolver({ now: () => clock.t, minTtl: 60, maxTtl: 3600, maxEntries: 2 });
    hits.clear();
    await Promise.all([resolve(url('/good.json')), resolve(url('/good.json')), resolve(url('/good.json'))]);
    assert.equal(hits.get('/good.json'), 1, 'one fetch for three concurrent calls');
    clock.t += 599_000;
    await resolve(url('/good.json'));
    assert.equal(hits.get('/good.json'), 1, 'still fresh (max-age=600)');
    clock.t += 2_000;
    await resolve(url('/good.json'));
    assert.equal(hits.get('/good.json'), 2, 'fetched again once stale');

    await resolve(url('/nostore.json'));
    clock.t += 30_000;
    await resolve(url('/nostore.json'));
    assert.equal(hits.get('/nostore.json'), 1, 'no-store is still kept minTtl');
    clock.t += 31_000;
    await resolve(url('/nostore.json'));
    assert.equal(hits.get('/nostore.json'), 2);

    await resolve(url('/huge-ttl.json'));
    clock.t += 3_601_000;
    await resolve(url('/huge-ttl.json'));
    assert.equal(hits.get('/huge-ttl.json'), 2, 'max-age bounded by maxTtl');

    // Two entries at most: the oldest goes first.
    await resolve(url('/pkjwt.json'));
    await resolve(url('/good.json'));
    const before = hits.get('/huge-ttl.json');
    await resolve(url('/huge-ttl.json'));
    assert.equal(hits.get('/huge-ttl.json'), before! + 1, 'evicted');

    resolve.clear();
    await resolve(url('/pkjwt.json'));
  });

  it('does not cache failures', async () => {
    hits.clear();
    const resolve = resolver();
    await refusal(resolve(url('/missing.json')));
    await refusal(resolve(url('/missing.json')));
    assert.equal(hits.get('/missing.json'), 2);
  });
});

describe('server.clientIdMetadataDocuments', () => {
  it('advertises client_id_metadata_document_supported and resolves on the server clock', async () => {
    const server = oauth2orize.createServer({ issuer: 'https://as.example' });
    const resolve = server.clientIdMetadataDocuments({ lookup: fixedLookup, connect: loopbackConnect, allowLoopback: true });
    const meta = await new Promise<any>((done) => {
      const res: any = { headers: {}, setHeader(k: string, v: string) { this.headers[k] = v; }, end(body: string) { done(JSON.parse(body)); } };
      server.metadata({ issuer: 'https://as.example', metadata: { token_endpoint: '/token', authorization_endpoint: '/authorize' } })({ method: 'GET', headers: {} } as any, res, (e: unknown) => done({ error: e }));
    });
    assert.equal(meta.client_id_metadata_document_supported, true);
    assert.equal((await resolve(url('/good.json'))).client_id, url('/good.json'));
  });
});

describe('CIMD clients at a token endpoint (server.authenticateClient)', () => {
  it('a document client authenticates as a public client; a missing document is invalid_client', async () => {
    const as = oauth2orize.createServer<any>();
    as.exchange(oauth2orize.exchange.clientCredentials(({ client }) => 'at-for-' + client.client_id));
    const resolve = as.clientIdMetadataDocuments({ lookup: fixedLookup, connect: loopbackConnect, allowLoopback: true });
    const app = express();
    app.post('/token', express.urlencoded({ extended: false }), as.authenticateClient({
      methods: ['client_secret_basic', 'none'],
      methodOf: (client: any) => client.token_endpoint_auth_method,
    }, ({ clientId }) => (isClientIdMetadataUrl(clientId) ? resolve(clientId) : null)), as.token(), as.errorHandler());
    const http = createHttpServer(app);
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const token = (clientId: string) => fetch(base + '/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }).toString(),
    });
    try {
      const ok = await token(url('/good.json'));
      assert.equal(ok.status, 200);
      assert.equal((await ok.json() as any).access_token, 'at-for-' + url('/good.json'));
      for (const bad of [url('/missing.json'), url('/good.json', 'metadata.test'), url('/other-id.json')]) {
        const res = await token(bad);
        assert.equal(res.status, 401, bad);
        assert.equal((await res.json() as any).error, 'invalid_client');
      }
    } finally {
      http.closeAllConnections();
      await new Promise((done) => http.close(done));
    }
  });
});
