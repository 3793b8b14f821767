/**
 * The endpoints' channels survive a subscriber that comes and goes before the endpoint is
 * created (Node 20's channel registry is weak, and a collected channel's late cleanup could
 * unregister the endpoint's newer channel of the same name).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import v8 from 'node:v8';
import vm from 'node:vm';
import oauth2orize, { createServer, TRACING_CHANNELS } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('diagnostics channel registry', () => {
  it('a token endpoint created after a subscriber left still reaches later subscribers', async () => {
    const name = `tracing:${TRACING_CHANNELS.token}:start`;
    const leave = (): void => {};
    diagnostics.subscribe(name, leave);
    diagnostics.unsubscribe(name, leave);
    gc();
    await pause(50);
    gc();

    const server = createServer();
    server.exchange(oauth2orize.exchange.clientCredentials((_client: unknown, done: (err: null, token: string) => void) => done(null, 'AT')));
    const token = server.token();
    gc();
    await pause(50);
    gc();
    await pause(50);

    let started = 0;
    const count = (): void => { started++; };
    diagnostics.subscribe(name, count);
    try {
      const { res } = await run(token, mockRequest({ method: 'POST', body: { grant_type: 'client_credentials' }, user: { id: 'c1' } } as never));
      assert.equal(res.statusCode, 200);
    } finally {
      diagnostics.unsubscribe(name, count);
    }
    assert.equal(started, 1, 'the subscriber saw the request start');
  });
});
