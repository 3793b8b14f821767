/** The device authorization endpoint on the server's clock: the `expiresAt` it stores. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { mockRequest, run } from '../helpers/mock.js';

const T0 = 1_700_000_000_000;

describe('server.deviceAuthorization on the clock', () => {
  it('stores expiresAt = now + expiresIn, on the server clock unless its now option is given', async () => {
    const server = new Server({ clock: () => T0 });
    const stored: any[] = [];
    const save = (record: any) => { stored.push(record); };
    const options = { verificationURI: 'https://as.example/device', expiresIn: 900 };
    await run(server.deviceAuthorization(options, save), mockRequest({ method: 'POST', body: {}, user: { id: 'tv' } }));
    await run(server.deviceAuthorization({ ...options, now: () => T0 + 1 }, save), mockRequest({ method: 'POST', body: {}, user: { id: 'tv' } }));
    assert.deepEqual(stored.map((r) => r.expiresAt.getTime()), [T0 + 900_000, T0 + 900_001]);
  });
});
