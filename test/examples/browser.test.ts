/**
 * The example authorization server in a real browser: headless Chromium,
 * driven by playwright-core, goes from the start page through the login and
 * consent pages to the stand-in client's callback.
 * A second test covers the device flow's pages: sign in, enter the user code
 * at /device, compare it on the consent page, approve.
 *
 * Needs /usr/bin/chromium. Without it the test is skipped, except under CI
 * (the CI script installs Chromium), where it fails.
 *
 * On the way it takes the screenshots of the login and consent pages that the README shows
 * (docs/images/example-login.png, example-consent.png).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { DEMO, startExample } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The fixed PKCE verifier behind the start page's first link (see demo.js). */
/** Where the README's screenshots go. */
const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const DEMO_VERIFIER = 'fixed-demo-code-verifier-never-reuse-one-in-a-real-client';

test('a browser signs in, approves, and reaches the callback with a code', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    const reason = `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;
    if (process.env.CI) assert.fail(`${reason}; CI must provide it for this test`);
    t.skip(reason);
    return;
  }

  // The implicit grant is off by default; the end of this test exercises its callback page.
  const app = await startExample({ legacyGrants: ['implicit'] });
  t.after(() => app.close());
  const userDataDir = mkdtempSync(join(tmpdir(), 'oauth2orize-chromium-'));

  // A persistent context is how Playwright takes a user data directory.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 760, height: 520 },
  });
  // After hooks run in the order they were added: close Chromium first, then remove its
  // directory (removing it while Chromium still wrote there failed now and then: ENOTEMPTY).
  t.after(async () => {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5 });
  });
  const page = context.pages()[0] ?? (await context.newPage());

  // The start page links to a ready authorization URL.
  await page.goto(app.url('/'));
  await page.getByRole('link', { name: 'Authorization code with PKCE' }).first().click();

  // Not signed in yet: the login page.
  await page.waitForURL((url) => url.pathname === '/login');
  mkdirSync(IMAGES, { recursive: true });
  await page.screenshot({ path: join(IMAGES, 'example-login.png') });
  await page.getByLabel('Username').fill(DEMO.username);
  await page.getByLabel('Password').fill(DEMO.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // Back at the authorization endpoint, which shows the consent page.
  await page.waitForURL((url) => url.pathname === '/authorize');
  assert.match(await page.textContent('body') ?? '', /Demo Web App \(confidential\) \(demo-confidential\) would like to/);
  // The test's port changes on every run; show the page as it looks on the default port so
  // that the committed image only changes when the page does.
  await page.evaluate((origin) => {
    type Doc = { querySelectorAll(selector: string): Iterable<{ textContent: string | null }> };
    const doc = (globalThis as unknown as { document: Doc }).document;
    for (const el of doc.querySelectorAll('code')) el.textContent = (el.textContent ?? '').replace(origin, 'http://localhost:3000');
  }, app.origin);
  await page.screenshot({ path: join(IMAGES, 'example-consent.png') });
  await page.getByRole('button', { name: 'Allow' }).click();

  // The client's callback, with a code and the demo state.
  await page.waitForURL((url) => url.pathname === '/callback');
  const callback = new URL(page.url());
  const code = callback.searchParams.get('code');
  assert.ok(code, `no code in ${callback.href}`);
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(callback.searchParams.get('state'), 'demo-state');
  assert.equal(callback.searchParams.get('error'), null);
  assert.equal(await page.textContent('#param-code'), code);

  // The code exchanges with the verifier the start page prints.
  const res = await fetch(app.url('/token'), {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO.confidential.id}:${DEMO.confidential.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.url('/callback'),
      code_verifier: DEMO_VERIFIER,
    }),
  });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { scope: string }).scope, 'profile email');

  // The implicit link asks for less than was just approved, so consent is
  // skipped; the callback page's script reads the fragment and calls the API.
  await page.goto(app.url('/'));
  await page.getByRole('link', { name: 'Implicit grant' }).click();
  await page.waitForURL((url) => url.pathname === '/callback/implicit');
  await page.getByRole('button', { name: 'Call /api/userinfo with this token' }).click();
  const output = page.locator('#api-result');
  await output.waitFor({ state: 'visible' });
  const result = await output.textContent();
  assert.match(result ?? '', /^200 /);
  assert.equal(JSON.parse((result ?? '').slice(4)).username, DEMO.username);
});

test('a browser enters a device code at /device, approves, and the device gets tokens', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    const reason = `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;
    if (process.env.CI) assert.fail(`${reason}; CI must provide it for this test`);
    t.skip(reason);
    return;
  }
  const app = await startExample();
  t.after(() => app.close());

  // The device (the public demo client) asks for codes, as RFC 8628 §3.1.
  const authRes = await fetch(app.url('/device_authorization'), {
    method: 'POST',
    body: new URLSearchParams({ client_id: DEMO.public.id, scope: 'profile' }),
  });
  assert.equal(authRes.status, 200);
  const auth = (await authRes.json()) as { device_code: string; user_code: string; verification_uri: string; interval: number };
  assert.equal(auth.verification_uri, app.url('/device'));
  assert.match(auth.user_code, /^[A-Z]{4}-[A-Z]{4}$/);
  const poll = () =>
    fetch(app.url('/token'), {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: auth.device_code,
        client_id: DEMO.public.id,
      }),
    });
  const pending = await poll();
  assert.equal(pending.status, 400);
  assert.equal(((await pending.json()) as { error: string }).error, 'authorization_pending');
  const polledAt = Date.now();

  const userDataDir = mkdtempSync(join(tmpdir(), 'oauth2orize-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 760, height: 520 },
  });
  t.after(async () => {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5 });
  });
  const page = context.pages()[0] ?? (await context.newPage());

  // Signed out, /device sends the user to the login page first, then back.
  await page.goto(auth.verification_uri);
  await page.waitForURL((url) => url.pathname === '/login');
  await page.getByLabel('Username').fill(DEMO.username);
  await page.getByLabel('Password').fill(DEMO.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/device');
  await page.getByRole('heading', { name: 'Connect a device' }).waitFor();

  // The user types the code the device shows (lower case, as people do) and continues.
  await page.getByLabel('Code shown on the device').fill(auth.user_code.toLowerCase());
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.pathname === '/device/verify');
  await page.getByRole('heading', { name: 'Allow this device?' }).waitFor();
  assert.equal(await page.locator('strong code').first().textContent(), auth.user_code, 'the consent page shows the code');
  assert.match((await page.textContent('body')) ?? '', new RegExp(`\\(${DEMO.public.id}\\) would like to`));

  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((url) => url.pathname === '/device/decision');
  await page.getByRole('heading', { name: 'Device connected' }).waitFor();
  assert.equal(await page.title(), 'Device connected');

  // The device, having waited its interval since its last poll, now gets tokens, once.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, auth.interval * 1000 + 200 - (Date.now() - polledAt))));
  const res = await poll();
  assert.equal(res.status, 200);
  const tokens = (await res.json()) as { access_token: string; token_type: string; scope: string };
  assert.equal(tokens.token_type, 'Bearer');
  assert.equal(tokens.scope, 'profile');
  const me = await fetch(app.url('/api/userinfo'), { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(me.status, 200);
  assert.equal(((await me.json()) as { username: string }).username, DEMO.username);
  const again = await poll();
  assert.equal(again.status, 400);
  assert.equal(((await again.json()) as { error: string }).error, 'invalid_grant');
});

test('verification_uri_complete leads, through sign-in, to the form with the code filled in', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    const reason = `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;
    if (process.env.CI) assert.fail(`${reason}; CI must provide it for this test`);
    t.skip(reason);
    return;
  }
  const app = await startExample();
  t.after(() => app.close());

  const authRes = await fetch(app.url('/device_authorization'), {
    method: 'POST',
    body: new URLSearchParams({ client_id: DEMO.public.id, scope: 'profile' }),
  });
  assert.equal(authRes.status, 200);
  const auth = (await authRes.json()) as { device_code: string; user_code: string; verification_uri_complete: string };
  assert.equal(auth.verification_uri_complete, app.url(`/device?user_code=${encodeURIComponent(auth.user_code)}`));

  const userDataDir = mkdtempSync(join(tmpdir(), 'oauth2orize-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 760, height: 520 },
  });
  t.after(async () => {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5 });
  });
  const page = context.pages()[0] ?? (await context.newPage());

  // The user scans the QR code (or follows the link) the device shows: signed out, so the
  // login page first, then back to the verification form, the code already in it.
  await page.goto(auth.verification_uri_complete);
  await page.waitForURL((url) => url.pathname === '/login');
  await page.getByLabel('Username').fill(DEMO.username);
  await page.getByLabel('Password').fill(DEMO.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/device');
  assert.equal(new URL(page.url()).searchParams.get('user_code'), auth.user_code);
  assert.equal(await page.getByLabel('Code shown on the device').inputValue(), auth.user_code);

  // Nothing to type: Continue shows the consent page for this device.
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.pathname === '/device/verify');
  await page.getByRole('heading', { name: 'Allow this device?' }).waitFor();
  assert.equal(await page.locator('strong code').first().textContent(), auth.user_code);
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.getByRole('heading', { name: 'Device connected' }).waitFor();
});
