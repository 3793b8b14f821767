import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addIssuer, profileOf, resolveProfile, HARDENED_ID_LENGTH } from '../../src/settings/profile.js';
import { attachProfile } from '../../src/settings/settings.js';

describe('lib/profile', () => {
  it('no issue-11 option: no profile (1.x paths)', () => {
    assert.equal(resolveProfile({}), undefined);
    assert.equal(resolveProfile({ store: {} } as any), undefined);
  });

  it('issuer alone only sets the issuer', () => {
    const p = resolveProfile({ issuer: 'https://as.example.com' })!;
    assert.equal(p.issuer, 'https://as.example.com');
    assert.equal(p.exposeErrors, true);
    assert.equal(p.rfcStatus, false);
    assert.equal(p.requireGrantType, false);
    assert.equal(p.requireClient, false);
    assert.equal(p.allowImplicit, true);
    assert.equal(p.allowPassword, true);
    assert.equal(p.pkce, undefined);
    assert.equal(p.idLength, 0);
  });

  it('hardened turns every setting on, and each can be overridden', () => {
    const p = resolveProfile({ issuer: 'https://as.example.com', hardened: true })!;
    assert.deepEqual(p.pkce, { required: true, allowPlain: false });
    assert.equal(p.exposeErrors, false);
    assert.equal(p.rfcStatus, true);
    assert.equal(p.requireGrantType, true);
    assert.equal(p.requireClient, true);
    assert.equal(p.allowImplicit, false);
    assert.equal(p.allowPassword, false);
    assert.ok(HARDENED_ID_LENGTH * 6 >= 128, 'transaction IDs carry at least 128 bits');
    assert.equal(p.idLength, HARDENED_ID_LENGTH);
    const q = resolveProfile({ issuer: 'https://as.example.com', hardened: { allowPassword: true }, exposeErrors: true, pkce: { required: 'public', isPublic: () => true } })!;
    assert.equal(q.allowPassword, true);
    assert.equal(q.allowImplicit, false);
    assert.equal(q.exposeErrors, true);
    assert.equal(q.pkce!.required, 'public');
    assert.equal(q.pkce!.allowPlain, false);
  });

  it('hardened requires an issuer; the issuer must be an https URL without query or fragment', () => {
    assert.throws(() => resolveProfile({ hardened: true }), /issuer/);
    for (const bad of ['as.example.com', 'http://as.example.com', 'https://as.example.com/?a=1', 'https://as.example.com/#x', 'https://as.example.com/?', 42 as any]) {
      assert.throws(() => resolveProfile({ issuer: bad }), /issuer/, String(bad));
    }
    assert.doesNotThrow(() => resolveProfile({ issuer: 'http://localhost:3000' }));
    assert.doesNotThrow(() => resolveProfile({ issuer: 'http://127.0.0.1:8080/tenant' }));
  });

  it('attach/profileOf/addIssuer: hidden from enumeration and serialization', () => {
    const p = resolveProfile({ issuer: 'https://as.example.com' })!;
    const txn: Record<string, unknown> = { a: 1 };
    attachProfile(txn, p);
    assert.equal(profileOf(txn), p);
    assert.deepEqual(Object.keys(txn), ['a']);
    assert.equal(JSON.stringify(txn), '{"a":1}');
    assert.deepEqual({ ...txn }, { a: 1 }, 'spread copies no symbol-keyed non-enumerable property');
    assert.deepEqual(addIssuer(txn, { code: 'x' }), { code: 'x', iss: 'https://as.example.com' });
    assert.deepEqual(addIssuer(txn, { iss: 'mine' }), { iss: 'mine' }, 'an existing iss is kept');
    assert.deepEqual(addIssuer({}, { code: 'x' }), { code: 'x' }, 'no profile, no iss');
    attachProfile(txn, undefined);
    assert.equal(profileOf(txn), p);
  });
});
