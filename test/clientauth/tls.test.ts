/**
 * RFC 8705 client authentication over a real mutual-TLS connection: certificates made
 * with openssl for the test (a CA and a client certificate it signed, for
 * `tls_client_auth`; a self-signed one, for `self_signed_tls_client_auth`), an HTTPS
 * Express server that asks for client certificates, and the app's `verifyCertificate`
 * hook reading the peer certificate the middleware found on the socket.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import express from 'express';
import oauth2orize from '../../src/index.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

interface Client { client_id: string; token_endpoint_auth_method: string; subject?: string; fingerprint?: string }

describe('tls_client_auth and self_signed_tls_client_auth over mutual TLS', { skip: !hasOpenssl && 'openssl is not installed' }, () => {
  let dir: string;
  let server: https.Server;
  let port: number;
  const pem = (name: string) => fs.readFileSync(path.join(dir, name));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oauth2orize-mtls-'));
    const key = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
    key('ca.key'); key('server.key'); key('client.key'); key('self.key');
    ssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=Test CA', '-days', '1', '-out', 'ca.pem');
    const signed = (name: string, subject: string, ext: string) => {
      ssl('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
      fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
    };
    signed('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1\n');
    signed('client', '/CN=mtls-client', 'extendedKeyUsage=clientAuth\n');
    ssl('req', '-x509', '-new', '-key', 'self.key', '-subj', '/CN=self-signed-client', '-days', '1', '-out', 'self.pem');

    const selfDer = new (await import('node:crypto')).X509Certificate(pem('self.pem')).raw;
    const clients: Record<string, Client> = {
      pki: { client_id: 'pki', token_endpoint_auth_method: 'tls_client_auth', subject: 'mtls-client' },
      self: { client_id: 'self', token_endpoint_auth_method: 'self_signed_tls_client_auth', fingerprint: createHash('sha256').update(selfDer).digest('hex') },
      other: { client_id: 'other', token_endpoint_auth_method: 'tls_client_auth', subject: 'someone-else' },
    };

    const oauth = oauth2orize.createServer<Client>();
    oauth.exchange(oauth2orize.exchange.clientCredentials(({ client }) => `at-for-${client.client_id}`));
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.post('/token',
      oauth.authenticateClient({
        methods: ['tls_client_auth', 'self_signed_tls_client_auth'],
        verifyCertificate: async ({ client, certificate, method, req }) => {
          const cert = certificate as PeerCertificate;
          if (method === 'tls_client_auth') return (req.socket as TLSSocket).authorized && cert.subject.CN === client.subject;
          return createHash('sha256').update(cert.raw).digest('hex') === client.fingerprint;
        },
      }, ({ clientId }) => clients[clientId] ?? null),
      oauth.token(),
      oauth.errorHandler());
    server = https.createServer({ key: pem('server.key'), cert: pem('server.pem'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: false }, app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** POST /token over TLS, with the client certificate `name` (or none). */
  function token(clientId: string, name?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }).toString();
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1', port, path: '/token', method: 'POST', ca: pem('ca.pem'), agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        ...(name ? { key: pem(`${name}.key`), cert: pem(`${name}.pem`) } : {}),
      }, (res) => {
        let text = '';
        res.on('data', (chunk) => { text += chunk; });
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('tls_client_auth: a certificate from the trusted CA with the registered subject', async () => {
    const res = await token('pki', 'client');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.access_token, 'at-for-pki');
  });

  it('self_signed_tls_client_auth: the registered certificate itself', async () => {
    const res = await token('self', 'self');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.access_token, 'at-for-self');
  });

  it('refuses another subject, a self-signed certificate for a PKI client, the wrong self-signed one, and no certificate', async () => {
    for (const [clientId, name, description] of [
      ['other', 'client', 'Client certificate not accepted'],
      ['pki', 'self', 'Client certificate not accepted'],
      ['self', 'client', 'Client certificate not accepted'],
      ['pki', undefined, 'Client certificate required'],
    ] as const) {
      const res = await token(clientId, name);
      assert.equal(res.status, 401, `${clientId} with ${name}`);
      assert.deepEqual(res.body, { error: 'invalid_client', error_description: description });
    }
  });
});
