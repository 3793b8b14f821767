/** exchange.deviceCode: the polling rules of RFC 8628 §3.4–3.5, with mock requests. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceCode, deviceCodeError } from '../../src/exchange/deviceCode.js';
import { Server } from '../../src/server.js';
import { TokenError } from '../../src/errors/tokenerror.js';
import { mockRequest, run } from '../helpers/mock.js';

const GT = 'urn:ietf:params:oauth:grant-type:device_code';
const client = { id: 'tv' };
const T0 = 1_700_000_000_000;

function req(body: Record<string, unknown> = { grant_type: GT, device_code: 'dc' }, user: unknown = client) {
  return mockRequest({ method: 'POST', body, user });
}

/** Callbacks over one record, recording what they were asked. */
function store(record: any, clock = { t: T0 }) {
  const log: any[] = [];
  const callbacks = {
    load: ({ client: c, deviceCode: dc }: any) => { log.push(['load', c, dc]); return dc === 'dc' ? record : null; },
    update: ({ deviceCode: dc, changes }: any) => { log.push(['update', dc, changes]); record.lastPolledAt = changes.lastPolledAt; record.interval = changes.interval; },
    issue: ({ record: r }: any) => { log.push(['issue', r]); if (r.used) return false; r.used = true; return { accessToken: 'at', refreshToken: 'rt', params: { expires_in: 60 } }; },
  };
  const exchange = deviceCode({ now: () => clock.t }, callbacks);
  return { exchange, log, clock };
}

const errorOf = (r: { err: unknown }) => r.err as TokenError;

describe('exchange.deviceCode', () => {
  it('is named after the grant type, so server.exchange(fn) registers it', () => {
    const { exchange } = store({});
    assert.equal(exchange.name, GT);
    assert.equal(deviceCode(function (_c: any, _d: any, _done: any) {}).name, GT);
  });

  it('checks its callbacks at construction', () => {
    assert.throws(() => deviceCode(undefined as any), /requires an issue callback/);
    assert.throws(() => deviceCode({ load() {}, issue() {} } as any), /requires an update callback/);
    assert.throws(() => deviceCode({}, { load() {}, update() {} } as any), /requires an issue callback/);
  });

  it('answers authorization_pending and records the poll', async () => {
    const record: any = { status: 'pending', expiresAt: new Date(T0 + 600_000), interval: 5 };
    const { exchange, log } = store(record);
    const r = await run(exchange, req());
    assert.equal(errorOf(r).code, 'authorization_pending');
    assert.equal(errorOf(r).status, 400);
    assert.deepEqual(log[0], ['load', client, 'dc']);
    assert.equal(log[1][0], 'update');
    assert.equal(log[1][2].lastPolledAt.getTime(), T0);
    assert.equal(log[1][2].interval, 5);
  });

  it('answers slow_down to an early poll and grows the interval by 5 s each time', async () => {
    const record: any = { status: 'pending', expiresAt: T0 + 600_000, interval: 5, lastPolledAt: T0 - 4999 };
    const { exchange, clock } = store(record);
    let r = await run(exchange, req());
    assert.equal(errorOf(r).code, 'slow_down');
    assert.equal(record.interval, 10);
    clock.t += 9999;
    r = await run(exchange, req());
    assert.equal(errorOf(r).code, 'slow_down');
    assert.equal(record.interval, 15);
    clock.t += 15_000;
    r = await run(exchange, req());
    assert.equal(errorOf(r).code, 'authorization_pending');
    assert.equal(record.interval, 15, 'the interval stays grown');
  });

  it('uses the option interval for records without one, and reads ISO strings', async () => {
    const record: any = { status: 'pending', expiresAt: new Date(T0 + 600_000).toISOString(), lastPolledAt: new Date(T0 - 1000).toISOString() };
    const clock = { t: T0 };
    const exchange = deviceCode({ now: () => clock.t, interval: 0.5 }, {
      load: () => record,
      update: (_dc, changes, done) => { record.interval = changes.interval; done(); },
      issue: (_c, _d, _r, done) => done(null, 'x'),
    });
    const r = await run(exchange, req());
    assert.equal(errorOf(r).code, 'authorization_pending');
    assert.equal(record.interval, 0.5);
  });

  it('answers expired_token for expired records and status', async () => {
    for (const record of [{ status: 'pending', expiresAt: T0 }, { status: 'approved', expiresAt: T0 - 1 }, { status: 'expired' }, { status: 'pending', expiresAt: 'garbage' }]) {
      const { exchange, log } = store(record);
      const r = await run(exchange, req());
      assert.equal(errorOf(r).code, 'expired_token', JSON.stringify(record));
      assert.equal(errorOf(r).status, 400);
      assert.equal(log.some((l) => l[0] === 'issue'), false);
    }
  });

  it('answers access_denied when the user denied', async () => {
    const { exchange } = store({ status: 'denied', expiresAt: T0 + 1000 });
    const r = await run(exchange, req());
    assert.equal(errorOf(r).code, 'access_denied');
    assert.equal(errorOf(r).status, 400);
  });

  it('issues tokens for an approved record, once', async () => {
    const record = { status: 'approved', expiresAt: T0 + 1000, lastPolledAt: T0 - 1 };
    const { exchange } = store(record);
    const r = await run(exchange, req());
    assert.equal(r.nextCalled, false, 'an approved record is not slowed down');
    assert.deepEqual(JSON.parse(r.res.body!), { access_token: 'at', refresh_token: 'rt', expires_in: 60, token_type: 'Bearer' });
    assert.equal(r.res.headers['cache-control'], 'no-store');
    const again = await run(exchange, req());
    assert.equal(errorOf(again).code, 'invalid_grant');
  });

  it('takes positional callbacks with done', async () => {
    const record = { status: 'approved' as const, expiresAt: T0 + 1000 };
    const exchange = deviceCode({ now: () => T0 }, {
      load: (c, dc, done) => done(null, c === client && dc === 'dc' ? record : null),
      update: (_dc, _changes, done) => done(),
      issue: (_c, _dc, r, done) => done(null, 'at-' + r.status, { scope: 'read' }),
    });
    const r = await run(exchange, req());
    assert.deepEqual(JSON.parse(r.res.body!), { access_token: 'at-approved', scope: 'read', token_type: 'Bearer' });
  });

  const refusals: Array<[string, Record<string, unknown>, unknown, string]> = [
    ['no client', { grant_type: GT, device_code: 'dc' }, null, 'invalid_client'],
    ['no device_code', { grant_type: GT }, client, 'invalid_request'],
    ['an array device_code', { grant_type: GT, device_code: ['dc', 'dc'] }, client, 'invalid_request'],
    ['an object device_code', { grant_type: GT, device_code: { $ne: 1 } }, client, 'invalid_request'],
    ['an unknown device_code', { grant_type: GT, device_code: 'other' }, client, 'invalid_grant'],
  ];
  for (const [what, body, user, code] of refusals) {
    it(`refuses ${what} with ${code}`, async () => {
      const { exchange } = store({ status: 'approved', expiresAt: T0 + 1000 });
      const r = await run(exchange, req(body, user));
      assert.equal(errorOf(r).code, code);
    });
  }

  it('passes the app\'s errors on: load, update and issue', async () => {
    const boom = new Error('db');
    const cases = [
      { load: async () => { throw boom; }, update() {}, issue() {} },
      { load: () => ({ status: 'pending', expiresAt: T0 + 1000 }), update: async () => { throw boom; }, issue() {} },
      { load: () => ({ status: 'approved', expiresAt: T0 + 1000 }), update() {}, issue: (_c: any, _d: any, _r: any, done: any) => done(boom) },
      { load: () => ({ status: 'approved', expiresAt: T0 + 1000 }), update() {}, issue: (_c: any, _d: any, _r: any, _done: any) => { throw boom; } },
    ];
    for (const callbacks of cases) {
      const r = await run(deviceCode({ now: () => T0 }, callbacks as any), req());
      assert.equal(r.err, boom);
    }
  });

  it('with one function, behaves like oauth2orize-device-code\'s exchange', async () => {
    const seen: unknown[][] = [];
    const three = deviceCode((c: any, dc: string, done: any) => { seen.push([c, dc]); done(null, 'at3', 'rt3'); });
    let r = await run(three, req());
    assert.deepEqual(JSON.parse(r.res.body!), { access_token: 'at3', refresh_token: 'rt3', token_type: 'Bearer' });
    const five = deviceCode((c: any, dc: string, body: any, authInfo: any, done: any) => { seen.push([c, dc, body.grant_type, authInfo]); done(null, false); });
    r = await run(five, req());
    assert.equal(errorOf(r).code, 'invalid_grant');
    assert.equal(errorOf(r).message, 'Invalid device code');
    const pending = deviceCode(async () => { throw deviceCodeError('authorization_pending'); });
    r = await run(pending, req());
    assert.equal(errorOf(r).code, 'authorization_pending');
    assert.equal(errorOf(r).status, 400);
    assert.deepEqual(seen, [[client, 'dc'], [client, 'dc', GT, undefined]]);
  });
});

describe('a third-party device-code exchange on the server', () => {
  // Shaped like oauth2orize-device-code 0.1's exchange: a function named
  // `device_code`, registered under the URN, reading req.body and req.user.
  function pluginExchange(issue: (client: any, deviceCode: string, done: any) => void) {
    return function device_code(req: any, res: any, next: any) {
      if (!req.body.device_code) return next(new TokenError('Missing required parameter: device_code', 'invalid_request'));
      issue(req.user, req.body.device_code, (err: unknown, at: string) => {
        if (err) return next(err);
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ access_token: at, token_type: 'Bearer' }));
      });
    };
  }

  it('runs under the URN through server.token()', async () => {
    const server = new Server();
    server.exchange(GT, pluginExchange((_c, dc, done) => done(null, 'plugin-' + dc)));
    const r = await run(server.token(), req());
    assert.deepEqual(JSON.parse(r.res.body!), { access_token: 'plugin-dc', token_type: 'Bearer' });
  });

  it('and the one registered first answers when both are registered', async () => {
    const server = new Server();
    server.exchange(GT, pluginExchange((_c, dc, done) => done(null, 'plugin-' + dc)));
    server.exchange(deviceCode(() => 'bundled'));
    const r = await run(server.token(), req());
    assert.equal(JSON.parse(r.res.body!).access_token, 'plugin-dc');
    const other = new Server();
    other.exchange(deviceCode(() => 'bundled'));
    other.exchange(GT, pluginExchange((_c, dc, done) => done(null, 'plugin-' + dc)));
    const r2 = await run(other.token(), req());
    assert.equal(JSON.parse(r2.res.body!).access_token, 'bundled');
  });
});

describe('factories handed over uncalled', () => {
  it('exchange.deviceCode registered itself answers with a clear error, not a hang', async () => {
    const server = new Server();
    server.exchange(GT, deviceCode as any);
    const r = await run(server.token(), req());
    assert.match(String((r.err as Error).message), /exchange\.deviceCode is a factory, not a middleware/);
  });

  it('server.deviceAuthorization used as middleware passes a clear error', async () => {
    const server = new Server();
    const r = await run((rq: any, rs: any, nx: any) => (server.deviceAuthorization as any)(rq, rs, nx), req());
    assert.match(String((r.err as Error).message), /server\.deviceAuthorization is a factory/);
  });
});
