/**
 * oauth2orize-device-code 0.1 (the draft-07 device flow plugin) mounted on
 * this server: its device authorization middleware, its exchange registered
 * under the RFC 8628 grant type, and its `device_code` grant completing a
 * transaction made by this package's deviceVerification middleware.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { require, expressVersions, buildPluginApp, login } from './app.js';

const plugin = require('oauth2orize-device-code');
const GT = 'urn:ietf:params:oauth:grant-type:device_code';
const basic = 'Basic ' + Buffer.from('c1:shh').toString('base64');

function deviceApp(express: any) {
  // The app's store: user code -> device authorization.
  const byUserCode = new Map<string, { deviceCode: string; clientId: string; status: string; userId?: string }>();
  const activated: unknown[][] = [];
  let server: any;
  const app = buildPluginApp(express, {
    setup(s, lib) {
      server = s;
      // The plugin's grant answers decisions on `device_code` transactions.
      s.grant(plugin.grant.deviceCode({ modes: { default: (_txn: any, res: any, params: any) => res.json({ page: 'done', ...params }) } },
        (client: any, deviceCode: string, user: any, done: any) => {
          activated.push([client.id, deviceCode, user.id]);
          for (const entry of byUserCode.values()) if (entry.deviceCode === deviceCode) Object.assign(entry, { status: 'approved', userId: user.id });
          done();
        }));
      s.exchange(GT, plugin.exchange.deviceCode((client: any, deviceCode: string, done: any) => {
        const entry = [...byUserCode.values()].find((e) => e.deviceCode === deviceCode && e.clientId === client.id);
        if (!entry) return done(null, false);
        if (entry.status !== 'approved') return done(new plugin.TokenError('Authorization pending', 'authorization_pending', null, 400));
        done(null, 'at-' + entry.userId, { expires_in: 60 });
      }));
      void lib;
    },
  });
  const passportBasic = (req: any, res: any, next: any) => {
    if (req.headers.authorization !== basic) return res.status(401).json({ error: 'invalid_client' });
    req.user = { id: 'c1' };
    next();
  };
  app.post('/device/code', express.urlencoded({ extended: false }), passportBasic,
    plugin.middleware.authorization({ verificationURI: 'https://as.example/device' }, (client: any, scope: string[], done: any) => {
      const deviceCode = 'dc-' + byUserCode.size;
      const userCode = 'BCDF-GHJK';
      byUserCode.set('BCDFGHJK', { deviceCode, clientId: client.id, status: 'pending' });
      done(null, deviceCode, userCode, { expires_in: 600, interval: 5, scope: scope && scope.join(' ') });
    }), server.errorHandler());
  const ensureLoggedIn = (req: any, res: any, next: any) => (req.user ? next() : res.status(401).end());
  // This package's verification step makes the transaction the plugin's grant completes.
  app.get('/device/verify', ensureLoggedIn,
    server.deviceVerification(({ userCode }: any) => {
      const entry = byUserCode.get(userCode);
      return entry && { client: { id: entry.clientId }, expiresAt: Date.now() + 60_000, status: entry.status };
    }),
    (req: any, res: any) => res.json({ transactionID: req.oauth2.transactionID }));
  // The plugin's grant reads the device code from txn.locals, which the decision's parse supplies.
  app.post('/device/decision', ensureLoggedIn,
    server.decision((req: any, done: any) => done(null, {}, { deviceCode: byUserCode.get(req.oauth2.req.userCode)!.deviceCode })));
  return { app, activated };
}

for (const [label, express] of expressVersions) {
  describe(`plugin oauth2orize-device-code (${label})`, () => {
    it('its device authorization middleware, grant and exchange work on this server', async () => {
      const { app, activated } = deviceApp(express);
      const dar = await request(app).post('/device/code').set('Authorization', basic).type('form').send({ scope: 'read write' });
      assert.equal(dar.status, 200, dar.text);
      assert.deepEqual(dar.body, { device_code: 'dc-0', user_code: 'BCDF-GHJK', verification_uri: 'https://as.example/device', expires_in: 600, interval: 5, scope: 'read write' });

      const poll = () => request(app).post('/token').set('Authorization', 'Basic ' + Buffer.from('c1:shh').toString('base64'))
        .type('form').send({ grant_type: GT, device_code: 'dc-0' });
      let res = await poll();
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'authorization_pending');

      const user = await login(app);
      const page = await user.get('/device/verify').query({ user_code: 'bcdf ghjk' });
      assert.equal(page.status, 200, page.text);
      const decided = await user.post('/device/decision').type('form').send({ transaction_id: page.body.transactionID });
      assert.equal(decided.status, 200, decided.text);
      assert.deepEqual(decided.body, { page: 'done' });
      assert.deepEqual(activated, [['c1', 'dc-0', 'u1']]);

      res = await poll();
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, { access_token: 'at-u1', expires_in: 60, token_type: 'Bearer' });
    });
  });
}
