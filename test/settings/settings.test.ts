/**
 * settings/settings.ts: the one channel for a server's settings. What a
 * server resolves, what travels with its requests and transactions (nothing
 * for a 1.x-style server), the clock option, the one userProperty default,
 * and what the metadata reads.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, createServer } from '../../src/server.js';
import { USER_PROPERTY, advertise, advertised, recordTransactionType, settingsOf } from '../../src/settings/settings.js';
import { clockOf, systemClock } from '../../src/settings/clock.js';
import { checkIssuer, profileOf } from '../../src/settings/profile.js';
import { buildMetadata } from '../../src/middleware/metadata.js';
import { mockRequest, run } from '../helpers/mock.js';

const ISSUER = 'https://as.example.com';

describe('settings', () => {
  it('a 1.x-style server: no profile, the system clock, "user", nothing carried', () => {
    const server = new Server();
    const settings = settingsOf(server);
    assert.equal(settings.profile, undefined);
    assert.equal(settings.clock, systemClock);
    assert.equal(settings.userProperty, 'user');
    assert.equal(USER_PROPERTY, 'user');
    assert.equal(settings.carried, false);
    assert.equal(settings.options, server._options, 'the same options object');
    assert.equal(server._profile, undefined);
  });

  it('the settings are not an enumerable member of the server', () => {
    const server = new Server({ issuer: ISSUER });
    assert.equal(Object.keys(server).some((key) => /settings/i.test(key)), false);
    assert.equal(JSON.stringify(Object.getOwnPropertySymbols(server).map((s) => Object.getOwnPropertyDescriptor(server, s)!.enumerable)), '[false]');
  });

  it('a stand-in server (a plain object) reads the 1.x defaults, and recording into it gives it settings of its own', () => {
    const mock = {};
    assert.equal(settingsOf(mock).carried, false);
    assert.equal(settingsOf(mock).userProperty, 'user');
    assert.deepEqual(advertised(mock), {});
    advertise(mock, { scopes_supported: ['a'] });
    assert.deepEqual(advertised(mock), { scopes_supported: ['a'] });
    assert.deepEqual(advertised({}), {}, 'the defaults were not written to');
    assert.deepEqual(Object.keys(mock), []);
  });

  it('the profile reaches the request of an exchange', async () => {
    const server = new Server({ issuer: ISSUER });
    assert.equal(settingsOf(server).profile, server._profile);
    assert.equal(settingsOf(server).carried, true);
    let seen: unknown;
    server.exchange('x', (req: any, _res: any, next: any) => { seen = profileOf(req); next(new Error('stop')); });
    await run(server.token(), mockRequest({ method: 'POST', body: { grant_type: 'x' }, user: { id: 'c' } }));
    assert.equal(seen, server._profile);
  });

  describe('clock', () => {
    it('must be a function', () => {
      assert.throws(() => createServer({ clock: 5 as any }), /oauth2orize\.createServer: option clock must be a function/);
      assert.throws(() => createServer({ clock: 'now' as any }), /clock must be a function/);
      assert.doesNotThrow(() => createServer({ clock: undefined }));
    });

    it('a server with only a clock has no profile, so it behaves as 1.x, but carries the clock to exchanges', async () => {
      const clock = () => 42;
      const server = new Server({ clock });
      assert.equal(server._profile, undefined);
      assert.equal(settingsOf(server).clock, clock);
      let seen: unknown;
      server.exchange('x', (req: any, _res: any, next: any) => { seen = clockOf(req); next(new Error('stop')); });
      await run(server.token(), mockRequest({ method: 'POST', body: { grant_type: 'x' }, user: { id: 'c' } }));
      assert.equal(seen, clock);
    });

    it('a 1.x-style server attaches nothing to the token request; exchanges read the system clock', async () => {
      const server = new Server();
      let req: any;
      server.exchange('x', (r: any, _res: any, next: any) => { req = r; next(new Error('stop')); });
      await run(server.token(), mockRequest({ method: 'POST', body: { grant_type: 'x' }, user: { id: 'c' } }));
      assert.deepEqual(Object.getOwnPropertySymbols(req), []);
      assert.equal(clockOf(req), systemClock);
    });
  });

  describe('metadata reads the registrations recorded in the settings', () => {
    it('response and grant types in registration order, each once, without "*"', () => {
      const server = new Server({ issuer: ISSUER });
      server.grant('code', 'response', () => {});
      server.grant('token code', 'response', () => {});
      server.grant('code token', 'response', () => {});
      server.grant('*', 'response', () => {});
      server.exchange('authorization_code', () => {});
      server.exchange('authorization_code', () => {});
      server.exchange('*', () => {});
      const doc = buildMetadata(server);
      assert.deepEqual(doc.response_types_supported, ['code', 'token code']);
      assert.deepEqual(doc.grant_types_supported, ['authorization_code', 'implicit']);
    });

    it('a recorded transaction type is no response type; device_code is recorded by every server', () => {
      const server = new Server({ issuer: ISSUER });
      server.grant('device_code', 'response', () => {});
      server.grant('pending_approval', 'response', () => {});
      server.grant('code', 'response', () => {});
      assert.deepEqual(buildMetadata(server).response_types_supported, ['pending_approval', 'code'], 'device_code never listed');
      recordTransactionType(server, 'pending_approval');
      assert.deepEqual(buildMetadata(server).response_types_supported, ['code']);
      const viaEndpoint = new Server({ issuer: ISSUER });
      viaEndpoint.grant('device_code', 'response', () => {});
      viaEndpoint.deviceVerification(() => null);
      assert.equal(buildMetadata(viaEndpoint).response_types_supported, undefined, 'no response type left');
    });

    it('the document is a copy: changing it changes nothing recorded', () => {
      const server = new Server({ issuer: ISSUER, pkce: {} });
      (buildMetadata(server).code_challenge_methods_supported as string[]).push('plain');
      assert.deepEqual(buildMetadata(server).code_challenge_methods_supported, ['S256']);
    });
  });

  it('the issuer is checked by one function, for the server and for metadata', () => {
    for (const [bad, message] of [
      ['as.example.com', /issuer is not a URL/],
      ['https://as.example.com/?a=1', /issuer must have no query or fragment/],
      ['https://as.example.com/#x', /issuer must have no query or fragment/],
      ['http://as.example.com', /issuer must be an https URL/],
    ] as const) {
      assert.throws(() => createServer({ issuer: bad }), (err: Error) => message.test(err.message) && err.message.startsWith('oauth2orize: '), bad);
      assert.throws(() => new Server().metadata({ issuer: bad }), (err: Error) => message.test(err.message) && err.message.startsWith('oauth2orize.metadata: '), bad);
      assert.throws(() => checkIssuer(bad, 'who'), message);
    }
    assert.equal(checkIssuer('http://[::1]:8080/t', 'who'), 'http://[::1]:8080/t');
  });

  it('the default userProperty is written once: no endpoint or helper spells out "user"', () => {
    const root = fileURLToPath(new URL('../../src/', import.meta.url));
    const found: string[] = [];
    for (const dir of ['middleware', 'lib', 'txn', 'settings', 'exchange', 'grant', 'device', 'par']) {
      for (const name of readdirSync(join(root, dir))) {
        const path = join(root, dir, name);
        if (statSync(path).isDirectory() || !name.endsWith('.ts')) continue;
        const text = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
        // A default spelled out: `|| 'user'`, `?? 'user'`, `= 'user'` (shape keys such as ['client', 'user'] are names, not defaults).
        if (/(\|\||\?\?|=)\s*'user'/.test(text) && relative(root, path) !== join('settings', 'settings.ts')) found.push(relative(root, path));
      }
    }
    assert.deepEqual(found, []);
  });
});
