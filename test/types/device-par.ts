/**
 * The device flow and PAR callbacks, written without annotations in both
 * forms: parameters get their types from the server's generics. Compile-only.
 */
import { createServer, exchange, grant, type DeviceCodeState, type PushedRequestRecord } from '../../src/index.js';
import { expectTrue, type Equal } from './assert.js';

interface MyClient { id: string }
interface MyUser { uid: number }
interface Row extends DeviceCodeState { deviceCode: string; userId?: number }
declare const rows: Map<string, Row>;

const server = createServer<MyClient, MyUser>();

server.deviceAuthorization({ verificationURI: 'https://as.example/device' }, (record) => {
  expectTrue<Equal<typeof record.client, MyClient>>();
  expectTrue<Equal<typeof record.scope, string[] | undefined>>();
  expectTrue<Equal<typeof record.expiresAt, Date>>();
});
server.deviceAuthorization({ verificationURI: 'https://as.example/device' }, (record, done) => {
  expectTrue<Equal<typeof record.userCode, string>>();
  done(null, { message: 'hi' });
});

server.deviceVerification({ maxAttempts: 5, attempt: ({ req, userCode }) => !!req && userCode.length < 20 }, async ({ userCode }) => {
  expectTrue<Equal<typeof userCode, string>>();
  return null;
});
server.deviceVerification((userCode, done) => done(null, { client: { id: userCode }, expiresAt: Date.now(), status: 'pending' }));

server.grant(grant.deviceCode<MyClient, MyUser>(({ userCode, allow, user, client }) => {
  expectTrue<Equal<typeof allow, boolean>>();
  expectTrue<Equal<typeof user, MyUser>>();
  expectTrue<Equal<typeof client, MyClient>>();
  return userCode.length > 0;
}));
server.grant(grant.deviceCode((txn, done) => done(null, !!txn.res)));

server.exchange(exchange.deviceCode<MyClient, Row>({
  load: ({ client, deviceCode }) => {
    expectTrue<Equal<typeof client, MyClient>>();
    return rows.get(deviceCode) ?? null;
  },
  update: ({ changes }) => {
    expectTrue<Equal<typeof changes.lastPolledAt, Date>>();
  },
  issue: ({ record }) => {
    expectTrue<Equal<typeof record, Row>>();
    return record.userId ? 'token' : false;
  },
}));
server.exchange(exchange.deviceCode<MyClient, Row>({ interval: 5 }, {
  load: (client, deviceCode, done) => done(null, client.id ? rows.get(deviceCode) : null),
  update: (_deviceCode, changes, done) => done(changes.interval > 0 ? null : new Error('x')),
  issue: (_client, _deviceCode, record, done) => done(null, 'at-' + record.deviceCode),
}));
// The oauth2orize-device-code shape.
server.exchange('urn:ietf:params:oauth:grant-type:device_code', exchange.deviceCode((client, deviceCode, done) => done(null, deviceCode + client)));

server.pushedAuthorization({ expiresIn: 30 }, ({ clientID }) => ({ client: { id: clientID } }), (record) => {
  expectTrue<Equal<typeof record, PushedRequestRecord<MyClient>>>();
});
server.authorize({ loadPushedRequest: ({ requestURI, clientID }) => (requestURI && clientID ? null : null), requirePushedRequests: true },
  (clientID, redirectURI, done) => done(null, { id: clientID }, redirectURI));
