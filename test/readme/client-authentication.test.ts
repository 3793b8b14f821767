/**
 * docs/guides/client-authentication.md: its complete app.mjs, copied verbatim into an empty
 * folder holding only the packages it imports, run with `node app.mjs`, then a standards
 * client (oauth4webapi) authenticates with each method it offers, and `curl -u` with the raw
 * secret. Needs `make build` (the app loads dist/).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import * as oauth from 'oauth4webapi';
import { importJWK, type CryptoKey } from 'jose';
import { freePort, importedPackages, marked, scratchApp, startScript } from './readme.js';

const app = marked('client-authentication app.mjs', 'docs/guides/client-authentication.md');
const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('the client authentication guide', { timeout: 120_000 }, () => {
  test('the install line names exactly the packages app.mjs imports', () => {
    const line = /npm install ([^\n]+)/.exec(app.code)?.[1]?.trim().split(/\s+/).sort();
    assert.deepEqual(line, importedPackages(app.code));
  });

  describe('app.mjs', () => {
    let base = '';
    let output = () => '';
    let stop: () => Promise<void> = async () => {};
    let remove = () => {};
    let as: oauth.AuthorizationServer;

    before(async () => {
      const scratch = scratchApp({ 'app.mjs': app.code }, importedPackages(app.code));
      remove = scratch.remove;
      const started = await startScript(scratch.dir, 'app.mjs', /The demo private key of "service": (\{.*\})/, await freePort());
      stop = started.stop;
      output = started.output;
      base = /Token endpoint on (http:\/\/localhost:\d+)\/token/.exec(output())![1]!;
      as = await oauth.processDiscoveryResponse(new URL(base), await oauth.discoveryRequest(new URL(base), { algorithm: 'oauth2', ...insecure }));
    });
    after(async () => {
      await stop();
      remove();
    });

    const clientCredentials = async (client: oauth.Client, auth: oauth.ClientAuth) =>
      oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams(), insecure));

    test('advertises its methods for the token and revocation endpoints', () => {
      const methods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
      assert.deepEqual(as.token_endpoint_auth_methods_supported, methods);
      assert.deepEqual(as.revocation_endpoint_auth_methods_supported, methods);
      assert.deepEqual(as.token_endpoint_auth_signing_alg_values_supported, ['ES256']);
    });

    test('ClientSecretBasic (the secret holds -_.~), ClientSecretPost (a space, + and %), PrivateKeyJwt', async () => {
      assert.ok((await clientCredentials({ client_id: 'web-app' }, oauth.ClientSecretBasic('web-secret-_.~'))).access_token);
      assert.ok((await clientCredentials({ client_id: 'batch-job' }, oauth.ClientSecretPost('batch secret+%'))).access_token);
      const jwk = JSON.parse(/The demo private key of "service": (\{.*\})/.exec(output())![1]!);
      const key = (await importJWK(jwk, 'ES256')) as CryptoKey;
      const service = { client_id: 'service' };
      const { access_token } = await clientCredentials(service, oauth.PrivateKeyJwt(key));
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, service, oauth.PrivateKeyJwt(key), access_token, insecure));
    });

    test('None: the public client authenticates (revocation answers), and client_credentials is refused after authentication', async () => {
      const tv = { client_id: 'tv' };
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, tv, oauth.None(), 'some-token', insecure));
      await assert.rejects(clientCredentials(tv, oauth.None()), (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'unauthorized_client');
    });

    test('a wrong secret, and the registered method: invalid_client', async () => {
      for (const [client, auth] of [
        [{ client_id: 'web-app' }, oauth.ClientSecretBasic('wrong')],
        [{ client_id: 'web-app' }, oauth.ClientSecretPost('web-secret-_.~')],
      ] as const) {
        await assert.rejects(clientCredentials(client, auth), (err: unknown) => err instanceof oauth.WWWAuthenticateChallengeError && err.status === 401);
      }
    });

    test('ten wrong secrets from one address, then 429 with Retry-After even for the right one (hardened)', async () => {
      const post = (secret: string) => fetch(base + '/token', {
        method: 'POST',
        headers: { authorization: 'Basic ' + Buffer.from(`batch-job:${secret}`).toString('base64') },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      for (let i = 0; i < 10; i++) assert.equal((await post('wrong')).status, 401);
      const blocked = await post('batch secret+%');
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
      assert.equal(((await blocked.json()) as { error: string }).error, 'temporarily_unavailable');
    });

    test('the curl line it prints works (the raw secret, as curl -u sends it)', { skip: !fs.existsSync('/usr/bin/curl') && 'curl is not installed' }, async () => {
      const line = /^Try: (curl .+)$/m.exec(output())![1]!;
      const args = line.split(' ').slice(1);
      const { stdout } = await promisify(execFile)('curl', ['-s', ...args]);
      assert.match(stdout, /"access_token":"[^"]+"/);
    });
  });
});
