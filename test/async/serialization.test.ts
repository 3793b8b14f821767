/**
 * `serializeClient(async (client) => id)` and `deserializeClient(async (id) =>
 * client | false)` (arity 1: the input itself, not a context object), used by
 * the session store between GET /authorize and POST /decision.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import oauth2orize from '../../src/index.js';
import {
  CLIENTS,
  authorizationApp,
  authorizeQuery,
  ctx,
  redirectParams,
  settleDown,
  trackUnhandledRejections,
  type Client,
  type CodeContext,
  type User,
} from './helpers.js';

const rejections = trackUnhandledRejections();
afterEach(() => rejections.assertNone());

interface Links {
  serialize: Array<(client: Client) => unknown>;
  deserialize: Array<(id: any) => unknown>;
}

function appWith(links: Links, issued: CodeContext[] = []) {
  const server = oauth2orize.createServer<Client, User>();
  for (const fn of links.serialize) server.serializeClient(fn as any);
  for (const fn of links.deserialize) server.deserializeClient(fn as any);
  server.grant(oauth2orize.grant.code(ctx<CodeContext>(async (c) => {
    issued.push(c);
    return 'code-for-' + c.client.id;
  })));
  return authorizationApp(server);
}

async function authorizeThenDecide(app: Parameters<typeof request.agent>[0]) {
  const agent = request.agent(app);
  const first = await agent.get('/authorize').query(authorizeQuery());
  if (first.status !== 200) return { first, decision: undefined };
  const decision = await agent.post('/decision').type('form').send({ transaction_id: first.body.transactionID });
  return { first, decision };
}

describe('async serializeClient / deserializeClient', () => {
  it('store the resolved id in the session and restore the resolved client', async () => {
    const serialized: Client[] = [];
    const deserialized: unknown[] = [];
    const issued: CodeContext[] = [];
    const { app, log } = appWith({
      serialize: [async (client) => {
        serialized.push(client);
        await settleDown(5);
        return 'id:' + client.id;
      }],
      deserialize: [async (id: string) => {
        deserialized.push(id);
        await settleDown(5);
        return { ...CLIENTS[id.slice(3)], restored: true };
      }],
    }, issued);
    const { first, decision } = await authorizeThenDecide(app);
    assert.equal(first.status, 200);
    assert.deepEqual(serialized, [CLIENTS.c1]);
    assert.deepEqual(deserialized, ['id:c1']);
    assert.equal(decision!.status, 302);
    assert.deepEqual(redirectParams(decision!.headers.location), { code: 'code-for-c1', state: 'xyz' });
    assert.deepEqual(issued[0]!.client, { ...CLIENTS.c1, restored: true });
    assert.deepEqual(log.ends, ['GET /authorize 200', 'POST /decision 302']);
  });

  it("an async link resolving undefined lets the next link try; async and 1.x links mix in one chain", async () => {
    const order: string[] = [];
    const { app } = appWith({
      serialize: [
        async (_client) => {
          order.push('s1');
          return undefined;
        },
        (client: Client, done?: any) => {
          order.push('s2');
          done(null, client.id);
        },
      ],
      deserialize: [
        (_id: string, done?: any) => {
          order.push('d1');
          done('pass');
        },
        async (id: string) => {
          order.push('d2');
          return CLIENTS[id];
        },
      ],
    });
    const { decision } = await authorizeThenDecide(app);
    assert.equal(decision!.status, 302);
    assert.equal(redirectParams(decision!.headers.location).code, 'code-for-c1');
    assert.deepEqual(order, ['s1', 's2', 'd1', 'd2']);
  });

  it('deserializeClient resolving false means the client is gone: 403 unauthorized_client', async () => {
    const issued: CodeContext[] = [];
    const { app } = appWith({
      serialize: [async (client) => client.id],
      deserialize: [async (_id) => false],
    }, issued);
    const { decision } = await authorizeThenDecide(app);
    assert.equal(decision!.status, 403);
    assert.deepEqual(decision!.body, { error: 'unauthorized_client', error_description: 'Unauthorized client' });
    assert.equal(issued.length, 0);
  });

  it('serializeClient: a rejection reaches next(err): 500 server_error', async () => {
    const { app, log } = appWith({
      serialize: [async (_client) => {
        throw new Error('cannot serialize');
      }],
      deserialize: [],
    });
    const { first } = await authorizeThenDecide(app);
    assert.equal(first.status, 500);
    assert.deepEqual(first.body, { error: 'server_error', error_description: 'cannot serialize' });
    assert.deepEqual(log.errors, ['cannot serialize']);
  });

  it('deserializeClient: a rejection reaches next(err): 500 server_error', async () => {
    const { app } = appWith({
      serialize: [async (client) => client.id],
      deserialize: [async (_id) => {
        throw new Error('client table offline');
      }],
    });
    const { decision } = await authorizeThenDecide(app);
    assert.equal(decision!.status, 500);
    assert.deepEqual(decision!.body, { error: 'server_error', error_description: 'client table offline' });
  });

  it('a throw inside an async 1.x-form link (client, done) reaches next(err)', async () => {
    const { app } = appWith({
      serialize: [async (_client: Client, _done?: unknown) => {
        throw new Error('boom in serializer');
      }],
      deserialize: [],
    });
    const { first } = await authorizeThenDecide(app);
    assert.equal(first.status, 500);
    assert.equal(first.body.error_description, 'boom in serializer');
  });

  it('with no link answering, the 1.x failure message is rendered', async () => {
    const { app } = appWith({ serialize: [async (_client) => undefined], deserialize: [] });
    const { first } = await authorizeThenDecide(app);
    assert.equal(first.status, 500);
    assert.equal(first.body.error_description, 'Failed to serialize client. Register serialization function using serializeClient().');
  });
});
