import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPolicy, checkVerifier, challengeRequired, methodsOf, parseChallenge } from '../src/pkce.js';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

function throwsCode(fn: () => unknown, code: string, name: string): void {
  assert.throws(fn, (err: any) => {
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    assert.equal(err.name, name, 'error class');
    return true;
  });
}

describe('lib/pkce', () => {
  describe('parseChallenge', () => {
    it('reads an S256 challenge', () => {
      assert.deepEqual(parseChallenge({ code_challenge: CHALLENGE, code_challenge_method: 'S256' }, {}), { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' });
    });
    it('no challenge: no fields, unless required', () => {
      assert.deepEqual(parseChallenge({}, {}), {});
      assert.deepEqual(parseChallenge({}, { required: 'public', isPublic: () => true }), {}, 'public requirement is checked later, with the client');
      throwsCode(() => parseChallenge({}, { required: true }), 'invalid_request', 'AuthorizationError');
    });
    it('a method without a challenge is invalid_request', () => {
      throwsCode(() => parseChallenge({ code_challenge_method: 'S256' }, {}), 'invalid_request', 'AuthorizationError');
    });
    it('plain (explicit or by default) is refused unless allowed', () => {
      throwsCode(() => parseChallenge({ code_challenge: VERIFIER }, {}), 'invalid_request', 'AuthorizationError');
      throwsCode(() => parseChallenge({ code_challenge: VERIFIER, code_challenge_method: 'plain' }, {}), 'invalid_request', 'AuthorizationError');
      assert.deepEqual(parseChallenge({ code_challenge: VERIFIER }, { allowPlain: true }), { codeChallenge: VERIFIER, codeChallengeMethod: 'plain' });
    });
    it('unknown methods are invalid_request', () => {
      throwsCode(() => parseChallenge({ code_challenge: CHALLENGE, code_challenge_method: 'S512' }, { allowPlain: true }), 'invalid_request', 'AuthorizationError');
      throwsCode(() => parseChallenge({ code_challenge: CHALLENGE, code_challenge_method: 's256' }, {}), 'invalid_request', 'AuthorizationError');
    });
    it('malformed challenges are invalid_request (RFC 7636 §4.2)', () => {
      for (const bad of [CHALLENGE.slice(1), CHALLENGE + 'A', CHALLENGE.slice(0, 42) + '=', CHALLENGE.slice(0, 42) + '+', 'x'.repeat(5000)]) {
        throwsCode(() => parseChallenge({ code_challenge: bad, code_challenge_method: 'S256' }, {}), 'invalid_request', 'AuthorizationError');
      }
      for (const bad of ['a'.repeat(42), 'a'.repeat(129), 'a'.repeat(42) + ' ', 'a'.repeat(42) + 'é']) {
        throwsCode(() => parseChallenge({ code_challenge: bad, code_challenge_method: 'plain' }, { allowPlain: true }), 'invalid_request', 'AuthorizationError');
      }
      assert.equal(parseChallenge({ code_challenge: 'a~._-'.repeat(25) + 'abc', code_challenge_method: 'plain' }, { allowPlain: true }).codeChallenge?.length, 128);
    });
    it('arrays and objects are invalid_request', () => {
      throwsCode(() => parseChallenge({ code_challenge: [CHALLENGE, CHALLENGE] }, {}), 'invalid_request', 'AuthorizationError');
      throwsCode(() => parseChallenge({ code_challenge: { $ne: 1 } }, {}), 'invalid_request', 'AuthorizationError');
      throwsCode(() => parseChallenge({ code_challenge: CHALLENGE, code_challenge_method: ['S256'] }, {}), 'invalid_request', 'AuthorizationError');
    });
  });

  describe('checkVerifier', () => {
    const s256 = { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' };
    it('accepts the RFC 7636 Appendix B pair', () => {
      assert.doesNotThrow(() => checkVerifier(VERIFIER, s256, {}, {}));
    });
    it('a wrong verifier is invalid_grant', () => {
      throwsCode(() => checkVerifier(VERIFIER.replace('d', 'e'), s256, {}, {}), 'invalid_grant', 'TokenError');
    });
    it('a missing verifier for a code with a challenge is invalid_grant', () => {
      throwsCode(() => checkVerifier(undefined, s256, {}, {}), 'invalid_grant', 'TokenError');
    });
    it('a malformed verifier is invalid_request', () => {
      for (const bad of ['short', 'a'.repeat(129), VERIFIER + ' ', VERIFIER.slice(0, 42) + '/']) {
        throwsCode(() => checkVerifier(bad, s256, {}, {}), 'invalid_request', 'TokenError');
      }
    });
    it('a verifier for a code issued without a challenge is invalid_grant (downgrade)', () => {
      throwsCode(() => checkVerifier(VERIFIER, {}, {}, {}), 'invalid_grant', 'TokenError');
      throwsCode(() => checkVerifier(VERIFIER, { codeChallenge: null }, {}, {}), 'invalid_grant', 'TokenError');
    });
    it('no verifier and no challenge passes unless the policy requires one', () => {
      assert.doesNotThrow(() => checkVerifier(undefined, {}, {}, {}));
      throwsCode(() => checkVerifier(undefined, {}, { required: true }, {}), 'invalid_grant', 'TokenError');
      const policy = { required: 'public' as const, isPublic: (c: any) => c.public === true };
      throwsCode(() => checkVerifier(undefined, {}, policy, { public: true }), 'invalid_grant', 'TokenError');
      assert.doesNotThrow(() => checkVerifier(undefined, {}, policy, { public: false }));
    });
    it('plain: verified only when the policy allows plain', () => {
      const plain = { codeChallenge: VERIFIER, codeChallengeMethod: 'plain' };
      assert.doesNotThrow(() => checkVerifier(VERIFIER, plain, { allowPlain: true }, {}));
      assert.doesNotThrow(() => checkVerifier(VERIFIER, { codeChallenge: VERIFIER }, { allowPlain: true }, {}), 'method defaults to plain');
      throwsCode(() => checkVerifier(VERIFIER, plain, {}, {}), 'invalid_grant', 'TokenError');
      throwsCode(() => checkVerifier(VERIFIER.toUpperCase(), plain, { allowPlain: true }, {}), 'invalid_grant', 'TokenError');
    });
    it('an S256 challenge compared against its own text (plain confusion) fails', () => {
      throwsCode(() => checkVerifier(CHALLENGE, s256, {}, {}), 'invalid_grant', 'TokenError');
    });
    it('an unknown stored method fails', () => {
      throwsCode(() => checkVerifier(VERIFIER, { codeChallenge: CHALLENGE, codeChallengeMethod: 'S512' }, { allowPlain: true }, {}), 'invalid_grant', 'TokenError');
    });
  });

  describe('policy', () => {
    it('checkPolicy refuses bad settings at construction', () => {
      assert.throws(() => checkPolicy({ required: 'public' }, 'x'), /isPublic/);
      assert.throws(() => checkPolicy({ required: 'yes' as any }, 'x'), /required/);
      assert.doesNotThrow(() => checkPolicy({ required: true }, 'x'));
      assert.doesNotThrow(() => checkPolicy(undefined, 'x'));
    });
    it('challengeRequired and methodsOf', () => {
      assert.equal(challengeRequired({}, {}), false);
      assert.equal(challengeRequired({ required: true }, {}), true);
      assert.equal(challengeRequired({ required: 'public', isPublic: (c: any) => !c.secret }, { secret: 'x' }), false);
      assert.equal(challengeRequired({ required: 'public', isPublic: (c: any) => !c.secret }, {}), true);
      assert.deepEqual(methodsOf({}), ['S256']);
      assert.deepEqual(methodsOf({ allowPlain: true }), ['S256', 'plain']);
    });
  });
});
