import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UnorderedList } from '../src/unorderedlist.js';

describe('UnorderedList', () => {
  describe('built from a space-separated string', () => {
    const list = new UnorderedList('code id_token');

    it('splits on spaces', () => {
      assert.equal(list.length, 2);
      assert.equal(list.toString(), 'code id_token');
    });

    it('contains each item and nothing else', () => {
      assert.equal(list.contains('code'), true);
      assert.equal(list.contains('id_token'), true);
      assert.equal(list.contains('token'), false);
      assert.equal(list.contains('code id_token'), false);
    });

    it('containsAny is true when one of the values is present', () => {
      assert.equal(list.containsAny(['token', 'id_token']), true);
      assert.equal(list.containsAny(['code']), true);
      assert.equal(list.containsAny(['token', 'none']), false);
      assert.equal(list.containsAny([]), false);
    });

    it('equalTo ignores order', () => {
      assert.equal(list.equalTo(new UnorderedList('id_token code')), true);
      assert.equal(list.equalTo(new UnorderedList('code id_token')), true);
      assert.equal(list.equalTo('id_token code' as any), true);
      assert.equal(list.equalTo(['id_token', 'code'] as any), true);
    });

    it('equalTo is false for a different length or different members', () => {
      assert.equal(list.equalTo(new UnorderedList('code')), false);
      assert.equal(list.equalTo(new UnorderedList('code id_token token')), false);
      assert.equal(list.equalTo(new UnorderedList('code token')), false);
    });
  });

  describe('built from a single word', () => {
    const list = new UnorderedList('token');
    it('has one item', () => {
      assert.equal(list.length, 1);
      assert.equal(list.toString(), 'token');
      assert.equal(list.contains('token'), true);
      assert.equal(list.equalTo(new UnorderedList('token')), true);
      assert.equal(list.equalTo(new UnorderedList('code')), false);
    });
  });

  describe('built from an array', () => {
    const list = new UnorderedList(['a', 'b', 'c']);
    it('keeps the items', () => {
      assert.equal(list.length, 3);
      assert.equal(list.toString(), 'a b c');
      assert.equal(list.equalTo(new UnorderedList('c b a')), true);
    });
  });

  describe('built from nothing', () => {
    const list = new UnorderedList(undefined as any);
    it('is empty', () => {
      assert.equal(list.length, 0);
      assert.equal(list.toString(), '');
      assert.equal(list.contains('code'), false);
      assert.equal(list.containsAny(['code']), false);
      assert.equal(list.equalTo(new UnorderedList(undefined as any)), true);
      assert.equal(list.equalTo(new UnorderedList('code')), false);
    });
  });
});
