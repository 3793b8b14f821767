/** Server#serializeClient / #deserializeClient: registering links and walking the chain. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';

const SERIALIZE_FAIL = 'Failed to serialize client. Register serialization function using serializeClient().';
const DESERIALIZE_FAIL = 'Failed to deserialize client. Register deserialization function using deserializeClient().';

function serialize(server: any, client: unknown): Promise<{ err: any; obj: any; args: number }> {
  return new Promise((resolve) => {
    server.serializeClient(client, function (...args: any[]) {
      resolve({ err: args[0], obj: args[1], args: args.length });
    });
  });
}

function deserialize(server: any, id: unknown): Promise<{ err: any; client: any; args: number }> {
  return new Promise((resolve) => {
    server.deserializeClient(id, function (...args: any[]) {
      resolve({ err: args[0], client: args[1], args: args.length });
    });
  });
}

describe('Server#serializeClient', () => {
  it('registers a link', () => {
    const server: any = new Server();
    const fn = (_c: any, done: any) => done(null, '1');
    server.serializeClient(fn);
    assert.equal(server._serializers.length, 1);
    assert.equal(server._serializers[0], fn);
  });

  it('fails when nothing is registered', async () => {
    const server: any = new Server();
    const { err, obj } = await serialize(server, { id: '1' });
    assert.ok(err instanceof Error);
    assert.equal(err.message, SERIALIZE_FAIL);
    assert.equal(obj, undefined);
  });

  it('gives what the first link produces and receives the client', async () => {
    const server: any = new Server();
    let seen: unknown;
    server.serializeClient((client: any, done: any) => { seen = client; done(null, client.id); });
    server.serializeClient((_c: any, done: any) => done(null, 'second'));
    const client = { id: '1' };
    const { err, obj } = await serialize(server, client);
    assert.equal(err, null);
    assert.equal(obj, '1');
    assert.equal(seen, client);
  });

  it("skips a link that answers 'pass'", async () => {
    const server: any = new Server();
    server.serializeClient((_c: any, done: any) => done('pass'));
    server.serializeClient((c: any, done: any) => done(null, '#' + c.id));
    const { err, obj } = await serialize(server, { id: '7' });
    assert.ok(!err);
    assert.equal(obj, '#7');
  });

  it('moves on when a link produces nothing', async () => {
    const server: any = new Server();
    server.serializeClient((_c: any, done: any) => done());
    server.serializeClient((_c: any, done: any) => done(null, 'x'));
    const { err, obj } = await serialize(server, { id: '1' });
    assert.ok(!err);
    assert.equal(obj, 'x');
  });

  it("fails when every link passes", async () => {
    const server: any = new Server();
    server.serializeClient((_c: any, done: any) => done('pass'));
    server.serializeClient((_c: any, done: any) => done('pass'));
    const { err } = await serialize(server, { id: '1' });
    assert.ok(err instanceof Error);
    assert.equal(err.message, SERIALIZE_FAIL);
  });

  it('stops at an error', async () => {
    const server: any = new Server();
    const boom = new Error('boom');
    let secondCalled = false;
    server.serializeClient((_c: any, done: any) => done(boom));
    server.serializeClient((_c: any, done: any) => { secondCalled = true; done(null, 'x'); });
    const { err } = await serialize(server, { id: '1' });
    assert.equal(err, boom);
    assert.equal(secondCalled, false);
  });

  it('fails the chain when a link throws', async () => {
    const server: any = new Server();
    server.serializeClient(() => { throw new Error('thrown in serializer'); });
    server.serializeClient((_c: any, done: any) => done(null, 'x'));
    const { err } = await serialize(server, { id: '1' });
    assert.ok(err instanceof Error);
    assert.equal(err.message, 'thrown in serializer');
  });
});

describe('Server#deserializeClient', () => {
  it('registers a link', () => {
    const server: any = new Server();
    const fn = (_id: any, done: any) => done(null, {});
    server.deserializeClient(fn);
    assert.equal(server._deserializers.length, 1);
    assert.equal(server._deserializers[0], fn);
  });

  it('fails when nothing is registered', async () => {
    const server: any = new Server();
    const { err } = await deserialize(server, '1');
    assert.ok(err instanceof Error);
    assert.equal(err.message, DESERIALIZE_FAIL);
  });

  it('gives the client the first link produces and receives the id', async () => {
    const server: any = new Server();
    let seen: unknown;
    server.deserializeClient((id: any, done: any) => { seen = id; done(null, { id, name: 'Example' }); });
    const { err, client } = await deserialize(server, '42');
    assert.equal(err, null);
    assert.deepEqual(client, { id: '42', name: 'Example' });
    assert.equal(seen, '42');
  });

  it("skips a link that answers 'pass'", async () => {
    const server: any = new Server();
    server.deserializeClient((_id: any, done: any) => done('pass'));
    server.deserializeClient((id: any, done: any) => done(null, { id }));
    const { err, client } = await deserialize(server, '3');
    assert.ok(!err);
    assert.deepEqual(client, { id: '3' });
  });

  it('moves on when a link answers undefined', async () => {
    const server: any = new Server();
    server.deserializeClient((_id: any, done: any) => done(null, undefined));
    server.deserializeClient((id: any, done: any) => done(null, { id }));
    const { client } = await deserialize(server, '3');
    assert.deepEqual(client, { id: '3' });
  });

  for (const gone of [null, false]) {
    it(`treats ${gone} as a client that is gone: done(null, false), later links not called`, async () => {
      const server: any = new Server();
      let secondCalled = false;
      server.deserializeClient((_id: any, done: any) => done(null, gone));
      server.deserializeClient((id: any, done: any) => { secondCalled = true; done(null, { id }); });
      const { err, client } = await deserialize(server, '3');
      assert.equal(err, null);
      assert.equal(client, false);
      assert.equal(secondCalled, false);
    });
  }

  it('fails when every link passes', async () => {
    const server: any = new Server();
    server.deserializeClient((_id: any, done: any) => done('pass'));
    const { err } = await deserialize(server, '1');
    assert.ok(err instanceof Error);
    assert.equal(err.message, DESERIALIZE_FAIL);
  });

  it('stops at an error', async () => {
    const server: any = new Server();
    const boom = new Error('db');
    server.deserializeClient((_id: any, done: any) => done(boom));
    server.deserializeClient((id: any, done: any) => done(null, { id }));
    const { err, client } = await deserialize(server, '1');
    assert.equal(err, boom);
    assert.equal(client, undefined);
  });

  it('fails the chain when a link throws', async () => {
    const server: any = new Server();
    server.deserializeClient(() => { throw new Error('thrown in deserializer'); });
    const { err } = await deserialize(server, '1');
    assert.ok(err instanceof Error);
    assert.equal(err.message, 'thrown in deserializer');
  });
});
