/**
 * A misused app callback is reported on `oauth2orize:callback_misuse`, naming the callback
 * and never the value it returned.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import oauth2orize, { createServer, EVENT_CHANNELS, type CallbackMisuseEvent } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';

function tokenRequest() {
  return mockRequest({ method: 'POST', body: { grant_type: 'client_credentials' }, user: { id: 'c1' } } as never);
}

describe('oauth2orize:callback_misuse', () => {
  it('is the name EVENT_CHANNELS gives', () => {
    assert.equal(EVENT_CHANNELS.callbackMisuse, 'oauth2orize:callback_misuse');
  });

  it('reports a positional issue that returns its token without calling done, and the token is used', async () => {
    const server = createServer();
    server.exchange(oauth2orize.exchange.clientCredentials(function issueSecretly(_client: unknown, _scope: unknown, _done: unknown) {
      return 'AT-SECRET-123';
    }));
    const seen: CallbackMisuseEvent[] = [];
    const listener = (message: unknown): void => { seen.push(message as CallbackMisuseEvent); };
    diagnostics.subscribe(EVENT_CHANNELS.callbackMisuse, listener);
    try {
      const { res } = await run(server.token(), tokenRequest());
      assert.equal(res.statusCode, 200);
      assert.match(String(res.body), /AT-SECRET-123/);
    } finally {
      diagnostics.unsubscribe(EVENT_CHANNELS.callbackMisuse, listener);
    }
    assert.equal(seen.length, 1, 'one event');
    assert.equal(seen[0]!.kind, 'returned');
    assert.equal(seen[0]!.callback, 'issueSecretly');
    assert.equal(seen[0]!.arity, 3);
    assert.doesNotMatch(JSON.stringify(seen[0]), /AT-SECRET-123/, 'the returned value is not published');
  });

  it('reports a result of the wrong shape, refused with server_error', async () => {
    const server = createServer();
    server.exchange(oauth2orize.exchange.clientCredentials(async () => ({ access_token: 'AT-1' })));
    const seen: CallbackMisuseEvent[] = [];
    const listener = (message: unknown): void => { seen.push(message as CallbackMisuseEvent); };
    diagnostics.subscribe(EVENT_CHANNELS.callbackMisuse, listener);
    try {
      const { err } = await run(server.token(), tokenRequest());
      assert.equal((err as { code?: string }).code, 'server_error');
    } finally {
      diagnostics.unsubscribe(EVENT_CHANNELS.callbackMisuse, listener);
    }
    assert.deepEqual(seen.map((e) => e.kind), ['shape']);
  });
});
