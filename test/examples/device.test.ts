/**
 * The example's device authorization grant (RFC 8628) end to end: a public
 * client (the device) asks for codes with oauth4webapi, a signed-in user
 * enters the code at /device and approves, and the device's polling turns
 * into tokens. Also: wrong codes, the CSRF check, and denial.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import * as oauth from 'oauth4webapi';
import { Browser, DEMO, type RunningExample, hiddenField, loginCsrf, redirectTarget, startExample } from './helpers.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const device: oauth.Client = { client_id: DEMO.public.id };

async function setup(t: TestContext, options: Parameters<typeof startExample>[0] = {}) {
  const app = await startExample(options);
  t.after(() => app.close());
  const issuer = new URL(app.origin);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  return { app, as };
}

/** A browser signed in as the demo user. */
async function signedIn(app: RunningExample): Promise<Browser> {
  const browser = new Browser();
  const csrf_token = await loginCsrf(browser, app);
  const res = await browser.post(app.url('/login'), { username: DEMO.username, password: DEMO.password, return_to: '/', csrf_token });
  assert.equal(res.status, 303, 'signed in');
  return browser;
}

/** Enter `userCode` at /device and return the response (the consent page when the code is good). */
async function enterCode(browser: Browser, app: RunningExample, userCode: string): Promise<Response> {
  const page = await (await browser.get(app.url(`/device?user_code=${encodeURIComponent(userCode)}`))).text();
  return browser.post(app.url('/device/verify'), { user_code: userCode, csrf_token: hiddenField(page, 'csrf_token') });
}

describe('example: device authorization grant', { timeout: 120_000 }, () => {
  test('device asks, user approves at /device, polling yields tokens', async (t) => {
    const { app, as } = await setup(t);
    assert.equal(as.device_authorization_endpoint, app.url('/device_authorization'));
    assert.ok(as.grant_types_supported?.includes('urn:ietf:params:oauth:grant-type:device_code'));

    const auth = await oauth.processDeviceAuthorizationResponse(
      as,
      device,
      await oauth.deviceAuthorizationRequest(as, device, oauth.None(), new URLSearchParams({ scope: 'profile' }), insecure),
    );
    assert.equal(auth.verification_uri, app.url('/device'));
    assert.match(auth.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);

    const poll = async () =>
      oauth.processDeviceCodeResponse(as, device, await oauth.deviceCodeGrantRequest(as, device, oauth.None(), auth.device_code, insecure));
    await assert.rejects(poll(), (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'authorization_pending');

    // The user signs in elsewhere, opens /device, types the code (any case, any dashes).
    const browser = await signedIn(app);
    const consent = await enterCode(browser, app, auth.user_code.toLowerCase().replace('-', ' '));
    assert.equal(consent.status, 200);
    const page = await consent.text();
    assert.ok(page.includes(auth.user_code), 'the consent page shows the code to compare with the device');
    const done = await browser.post(app.url('/device/decision'), {
      transaction_id: hiddenField(page, 'transaction_id'),
      csrf_token: hiddenField(page, 'csrf_token'),
    });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /Device connected/);

    // Wait out the polling interval, then the device gets its tokens, once.
    await new Promise((resolve) => setTimeout(resolve, (auth.interval ?? 5) * 1000 + 100));
    const tokens = await poll();
    assert.equal(tokens.scope, 'profile');
    assert.ok(tokens.refresh_token, 'the public client may refresh');
    const me = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(app.url('/api/userinfo')), undefined, undefined, insecure);
    assert.equal(((await me.json()) as { username: string }).username, DEMO.username);
    await assert.rejects(poll(), (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant');
  });

  test('a device that polls too fast gets slow_down and must wait 5 s more (RFC 8628 §3.5)', async (t) => {
    const { app, as } = await setup(t);
    const ask = async () =>
      oauth.processDeviceAuthorizationResponse(
        as,
        device,
        await oauth.deviceAuthorizationRequest(as, device, oauth.None(), new URLSearchParams({ scope: 'profile' }), insecure),
      );
    const poller = (deviceCode: string) => async () =>
      oauth.processDeviceCodeResponse(as, device, await oauth.deviceCodeGrantRequest(as, device, oauth.None(), deviceCode, insecure));
    const refusedWith = (code: string) => (err: unknown) => {
      assert.ok(err instanceof oauth.ResponseBodyError, `expected an OAuth error response, got ${String(err)}`);
      assert.equal(err.error, code, `the server answered ${err.error}`);
      assert.equal(err.status, 400, 'device polling errors are HTTP 400');
      return true;
    };
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    // Two devices, each polling twice in a row: the first poll is pending, the second is too soon.
    const [a, b] = [await ask(), await ask()];
    assert.equal(typeof a.interval, 'number', 'the device authorization response carries an interval');
    const interval = a.interval as number;
    const slower = (interval + 5) * 1000;
    const pollA = poller(a.device_code);
    const pollB = poller(b.device_code);
    await assert.rejects(pollA(), refusedWith('authorization_pending'));
    await assert.rejects(pollA(), refusedWith('slow_down'));
    const slowedA = Date.now();
    await assert.rejects(pollB(), refusedWith('authorization_pending'));
    await assert.rejects(pollB(), refusedWith('slow_down'));
    const slowedB = Date.now();

    // Device B keeps the old interval: still too fast, since the interval grew by 5 s.
    // Device A waits the increased interval: an honest pending answer, not slow_down.
    const [, pendingA] = await Promise.all([
      (async () => {
        await sleep(interval * 1000 + 200 - (Date.now() - slowedB));
        await assert.rejects(pollB(), refusedWith('slow_down'));
      })(),
      (async () => {
        await sleep(slower + 200 - (Date.now() - slowedA));
        await assert.rejects(pollA(), refusedWith('authorization_pending'));
        return Date.now();
      })(),
    ]);

    // The user approves device A; it waits the increased interval once more and gets its tokens.
    const browser = await signedIn(app);
    const consent = await enterCode(browser, app, a.user_code);
    assert.equal(consent.status, 200);
    const page = await consent.text();
    assert.ok(page.includes(a.user_code), 'the consent page shows the code');
    const done = await browser.post(app.url('/device/decision'), {
      transaction_id: hiddenField(page, 'transaction_id'),
      csrf_token: hiddenField(page, 'csrf_token'),
    });
    assert.match(await done.text(), /Device connected/);
    await sleep(slower + 200 - (Date.now() - pendingA));
    const tokens = await pollA();
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.scope, 'profile');
    assert.ok(tokens.access_token.length > 0, 'an access token');
    await assert.rejects(pollA(), refusedWith('invalid_grant'));
  });

  test('a whole polling session under the tightest throttle: pending and slow_down never count as failures', async (t) => {
    // One failed client authentication per address allowed: a limiter that counted every 4xx
    // (as the example's own once did) would refuse the device from its second poll on.
    const { app, as } = await setup(t, { rateLimits: { tokenPerClient: 1, tokenPerIP: 1 } });
    const auth = await oauth.processDeviceAuthorizationResponse(
      as,
      device,
      await oauth.deviceAuthorizationRequest(as, device, oauth.None(), new URLSearchParams({ scope: 'profile' }), insecure),
    );
    const poll = async () =>
      oauth.processDeviceCodeResponse(as, device, await oauth.deviceCodeGrantRequest(as, device, oauth.None(), auth.device_code, insecure));
    const refused = (code: string) => (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === code;
    await assert.rejects(poll(), refused('authorization_pending'));
    await assert.rejects(poll(), refused('slow_down'));
    await assert.rejects(poll(), refused('slow_down'));
    const lastPoll = Date.now();

    const browser = await signedIn(app);
    const consent = await enterCode(browser, app, auth.user_code);
    const page = await consent.text();
    const done = await browser.post(app.url('/device/decision'), {
      transaction_id: hiddenField(page, 'transaction_id'),
      csrf_token: hiddenField(page, 'csrf_token'),
    });
    assert.match(await done.text(), /Device connected/);
    // Two slow_down answers raised the interval by 10 s.
    await new Promise((resolve) => setTimeout(resolve, ((auth.interval ?? 5) + 10) * 1000 + 200 - (Date.now() - lastPoll)));
    const tokens = await poll();
    assert.ok(tokens.access_token, 'the device gets its tokens');

    // The throttle is on all the while: a wrong secret, then even the right one waits from here.
    const basic = (secret: string) => `Basic ${Buffer.from(`${DEMO.confidential.id}:${secret}`).toString('base64')}`;
    const token = (secret: string) => fetch(app.url('/token'), {
      method: 'POST', headers: { authorization: basic(secret) }, body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    assert.equal((await token('wrong')).status, 401);
    assert.equal((await token(DEMO.confidential.secret)).status, 429);
  });

  test('wrong codes and forged posts are refused; Deny reaches the device as access_denied', async (t) => {
    const { app, as } = await setup(t);
    const browser = await signedIn(app);

    const wrong = await enterCode(browser, app, 'BCDF-GHJK');
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /Connect a device/);

    const forged = await browser.post(app.url('/device/verify'), { user_code: 'BCDF-GHJK' });
    assert.equal(forged.status, 403, 'no CSRF token');

    const signedOut = await new Browser().get(app.url('/device'));
    assert.equal(redirectTarget(signedOut, app.origin).pathname, '/login');

    const auth = await oauth.processDeviceAuthorizationResponse(
      as,
      device,
      await oauth.deviceAuthorizationRequest(as, device, oauth.None(), new URLSearchParams(), insecure),
    );
    const page = await (await enterCode(browser, app, auth.user_code)).text();
    const denied = await browser.post(app.url('/device/decision'), {
      transaction_id: hiddenField(page, 'transaction_id'),
      csrf_token: hiddenField(page, 'csrf_token'),
      cancel: 'Deny',
    });
    assert.match(await denied.text(), /Device refused/);
    await new Promise((resolve) => setTimeout(resolve, (auth.interval ?? 5) * 1000 + 100));
    await assert.rejects(
      oauth.processDeviceCodeResponse(as, device, await oauth.deviceCodeGrantRequest(as, device, oauth.None(), auth.device_code, insecure)),
      (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'access_denied',
    );
  });
});
