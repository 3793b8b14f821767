import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import utilsMerge from 'utils-merge';
import { merge } from '../../src/lib/merge.js';

describe('lib/merge', () => {
  it('keeps utils-merge semantics for ordinary objects', () => {
    const a = merge({ x: 1, y: 2 } as Record<string, unknown>, { y: 3, z: [1] });
    assert.deepEqual(a, { x: 1, y: 3, z: [1] });
    const inherited = Object.create({ fromProto: 'p' });
    inherited.own = 'o';
    assert.deepEqual(merge({}, inherited), utilsMerge({}, inherited), 'inherited enumerable keys are copied, as utils-merge does');
    assert.deepEqual(merge({ a: 1 }, undefined), { a: 1 });
    assert.deepEqual(merge({ a: 1 }, null), { a: 1 });
  });

  it('a parsed {"__proto__": ...} does not change the prototype of the target', () => {
    const evil = JSON.parse('{"__proto__": {"isAdmin": true, "type": "token"}, "clientID": "c1"}');
    const areq: Record<string, unknown> = { type: 'code' };
    merge(areq, evil);
    assert.equal(Object.getPrototypeOf(areq), Object.prototype, 'prototype unchanged');
    assert.equal(areq.isAdmin, undefined);
    assert.equal(areq.clientID, 'c1', 'other keys still merged');
    assert.equal(areq.type, 'code');
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined, 'Object.prototype untouched');
  });

  it('an inherited enumerable __proto__ key is skipped too', () => {
    const base = JSON.parse('{"__proto__": {"polluted": 1}}');
    const src = Object.create(base);
    src.ok = 1;
    const target: Record<string, unknown> = {};
    merge(target, src);
    assert.equal(Object.getPrototypeOf(target), Object.prototype);
    assert.equal(target.polluted, undefined);
    assert.equal(target.ok, 1);
  });

  it('null-prototype sources merge', () => {
    const src = Object.assign(Object.create(null), { a: 1 });
    assert.deepEqual(merge({}, src), { a: 1 });
  });
});
