import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advertise, advertised } from '../../src/settings/settings.js';

test('advertise merges arrays as sets and keeps the last scalar', () => {
  const server = {};
  assert.deepEqual(advertised(server), {});
  advertise(server, { grant_types_supported: ['authorization_code'], issuer: 'a' });
  advertise(server, { grant_types_supported: ['refresh_token', 'authorization_code'], issuer: 'b' });
  assert.deepEqual(advertised(server), { grant_types_supported: ['authorization_code', 'refresh_token'], issuer: 'b' });
});

test('advertised returns a copy, and servers do not share fields', () => {
  const one = {};
  const two = {};
  advertise(one, { scopes_supported: ['read'] });
  const copy = advertised(one);
  (copy.scopes_supported as string[]).push('write');
  assert.deepEqual(advertised(one), { scopes_supported: ['read'] });
  assert.deepEqual(advertised(two), {});
});
