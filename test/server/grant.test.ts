/** Server#grant: the four call forms and how each registers its phases. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';

function parse(_req: any) { return {}; }
function respond(_txn: any, _res: any, next: any) { next(); }
function fail(err: any, _txn: any, _res: any, next: any) { next(err); }

describe('Server#grant', () => {
  describe('grant(mod)', () => {
    it('registers every phase the module has, under mod.name', () => {
      const server: any = new Server();
      const ret = server.grant({ name: 'foo', request: parse, response: respond, error: fail });
      assert.equal(ret, server);
      assert.equal(server._reqParsers.length, 1);
      assert.equal(server._reqParsers[0].type.toString(), 'foo');
      assert.equal(server._reqParsers[0].handle, parse);
      assert.equal(server._resHandlers.length, 1);
      assert.equal(server._resHandlers[0].type.toString(), 'foo');
      assert.equal(server._resHandlers[0].handle, respond);
      assert.equal(server._errHandlers.length, 1);
      assert.equal(server._errHandlers[0].type.toString(), 'foo');
      assert.equal(server._errHandlers[0].handle, fail);
    });

    it('skips phases the module lacks', () => {
      const server: any = new Server();
      server.grant({ name: 'bar', response: respond });
      assert.equal(server._reqParsers.length, 0);
      assert.equal(server._resHandlers.length, 1);
      assert.equal(server._errHandlers.length, 0);
    });

    it('stores a module named * as type null', () => {
      const server: any = new Server();
      server.grant({ name: '*', request: parse });
      assert.equal(server._reqParsers.length, 1);
      assert.equal(server._reqParsers[0].type, null);
    });

    it('keeps a multi-value name as an unordered list', () => {
      const server: any = new Server();
      server.grant({ name: 'code id_token', response: respond });
      const type = server._resHandlers[0].type;
      assert.equal(type.toString(), 'code id_token');
      assert.equal(type.equalTo('id_token code'), true);
    });
  });

  describe('grant(type, mod)', () => {
    it('registers the phases under the given type, not mod.name', () => {
      const server: any = new Server();
      const ret = server.grant('baz', { name: 'ignored', request: parse, response: respond, error: fail });
      assert.equal(ret, server);
      assert.equal(server._reqParsers[0].type.toString(), 'baz');
      assert.equal(server._resHandlers[0].type.toString(), 'baz');
      assert.equal(server._errHandlers[0].type.toString(), 'baz');
    });

    it('accepts * as the type', () => {
      const server: any = new Server();
      server.grant('*', { request: parse, response: respond });
      assert.equal(server._reqParsers[0].type, null);
      assert.equal(server._resHandlers[0].type, null);
    });
  });

  describe('grant(type, phase, fn)', () => {
    it('registers a request parser', () => {
      const server: any = new Server();
      assert.equal(server.grant('foo', 'request', parse), server);
      assert.equal(server._reqParsers.length, 1);
      assert.equal(server._reqParsers[0].type.toString(), 'foo');
      assert.equal(server._reqParsers[0].handle, parse);
      assert.equal(server._resHandlers.length, 0);
      assert.equal(server._errHandlers.length, 0);
    });

    it('registers a response handler', () => {
      const server: any = new Server();
      assert.equal(server.grant('foo', 'response', respond), server);
      assert.equal(server._resHandlers.length, 1);
      assert.equal(server._resHandlers[0].type.toString(), 'foo');
      assert.equal(server._resHandlers[0].handle, respond);
      assert.equal(server._reqParsers.length, 0);
    });

    it('registers an error handler', () => {
      const server: any = new Server();
      assert.equal(server.grant('foo', 'error', fail), server);
      assert.equal(server._errHandlers.length, 1);
      assert.equal(server._errHandlers[0].type.toString(), 'foo');
      assert.equal(server._errHandlers[0].handle, fail);
      assert.equal(server._reqParsers.length, 0);
    });

    it('stores * as type null', () => {
      const server: any = new Server();
      server.grant('*', 'response', respond);
      assert.equal(server._resHandlers[0].type, null);
    });
  });

  describe('grant(type, fn)', () => {
    it("means the 'request' phase", () => {
      const server: any = new Server();
      assert.equal(server.grant('foo', parse), server);
      assert.equal(server._reqParsers.length, 1);
      assert.equal(server._reqParsers[0].type.toString(), 'foo');
      assert.equal(server._reqParsers[0].handle, parse);
      assert.equal(server._resHandlers.length, 0);
      assert.equal(server._errHandlers.length, 0);
    });

    it('stores * as type null', () => {
      const server: any = new Server();
      server.grant('*', parse);
      assert.equal(server._reqParsers[0].type, null);
      assert.equal(server._reqParsers[0].handle, parse);
    });
  });

  it('chains and keeps registration order', () => {
    const server: any = new Server();
    function a(_req: any) { return {}; }
    function b(_req: any) { return {}; }
    function c(_req: any) { return {}; }
    server.grant('x', a).grant('*', b).grant({ name: 'y', request: c });
    assert.deepEqual(server._reqParsers.map((l: any) => l.handle), [a, b, c]);
    assert.deepEqual(server._reqParsers.map((l: any) => (l.type === null ? null : l.type.toString())), ['x', null, 'y']);
  });
});
