/**
 * Secrets are compared in one place, in constant time: every comparison
 * the package makes of a secret (the PKCE verifier against the stored
 * challenge) calls `crypto.timingSafeEqual` through `lib/safeEqual.ts`, and
 * no other file compares bytes or secret-named values another way.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { safeEqual } from '../../src/lib/safeEqual.js';
import { checkVerifier } from '../../src/pkce.js';
import { authorizationCode } from '../../src/exchange/authorizationCode.js';
import { mockRequest, run } from '../helpers/mock.js';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** Run `fn` with `crypto.timingSafeEqual` wrapped by a counter (also in ES module namespaces); answer the count. */
async function countingTimingSafeEqual(fn: () => unknown): Promise<number> {
  const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const original = crypto.timingSafeEqual;
  let calls = 0;
  crypto.timingSafeEqual = function counted(a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean {
    calls++;
    return original(a, b);
  };
  syncBuiltinESMExports();
  try {
    await fn();
  } finally {
    crypto.timingSafeEqual = original;
    syncBuiltinESMExports();
  }
  return calls;
}

describe('lib/safeEqual', () => {
  it('compares bytes', () => {
    assert.equal(safeEqual(Buffer.from('abc'), Buffer.from('abc')), true);
    assert.equal(safeEqual(Buffer.from('abc'), Buffer.from('abd')), false);
    assert.equal(safeEqual(Buffer.from('abc'), Buffer.from('abcd')), false, 'different lengths');
    assert.equal(safeEqual(new Uint8Array(0), new Uint8Array(0)), true);
  });

  it('goes through crypto.timingSafeEqual', async () => {
    assert.equal(await countingTimingSafeEqual(() => safeEqual(Buffer.from('abc'), Buffer.from('abd'))), 1);
  });

  it('PKCE verification compares through crypto.timingSafeEqual, matching or not, S256 or plain', async () => {
    const s256 = { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' };
    const plain = { codeChallenge: VERIFIER, codeChallengeMethod: 'plain' };
    assert.equal(await countingTimingSafeEqual(() => checkVerifier(VERIFIER, s256, {}, {})), 1, 'S256, right verifier');
    assert.equal(await countingTimingSafeEqual(() => assert.throws(() => checkVerifier(VERIFIER.replace('d', 'e'), s256, {}, {}))), 1, 'S256, wrong verifier');
    assert.equal(await countingTimingSafeEqual(() => checkVerifier(VERIFIER, plain, { allowPlain: true }, {})), 1, 'plain, right verifier');
    assert.equal(await countingTimingSafeEqual(() => assert.throws(() => checkVerifier(VERIFIER + 'x', plain, { allowPlain: true }, {}))), 1, 'plain, wrong verifier');
  });

  it('the code exchange with PKCE compares the verifier through crypto.timingSafeEqual', async () => {
    const record = { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' };
    const mw = authorizationCode({ pkce: { lookup: async () => record } }, async () => 'at');
    const body = { grant_type: 'authorization_code', code: 'c1', code_verifier: VERIFIER };
    let status = 0;
    const calls = await countingTimingSafeEqual(async () => {
      status = (await run(mw, mockRequest({ method: 'POST', body, user: { id: 'c' } }))).res.statusCode;
    });
    assert.equal(status, 200);
    assert.equal(calls, 1);
  });

  describe('the sources', () => {
    const root = fileURLToPath(new URL('../../src/', import.meta.url));
    const files: Array<[string, string]> = [];
    (function walk(dir: string): void {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts')) files.push([relative(root, path), readFileSync(path, 'utf8')]);
      }
    })(root);
    /** The code of a file without its comments, so prose does not count. */
    const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

    it('name timingSafeEqual only in lib/safeEqual.ts', () => {
      const users = files.filter(([, text]) => /timingSafeEqual/.test(code(text))).map(([file]) => file);
      assert.deepEqual(users, ['lib/safeEqual.ts']);
    });

    it('never compare bytes with Buffer#equals or Buffer.compare', () => {
      const users = files.filter(([, text]) => /\.equals\(|Buffer\.compare\(|\.compare\(\s*Buffer/.test(code(text))).map(([file]) => file);
      assert.deepEqual(users, []);
    });

    it('never compare a secret-named value with == or ===, other than to undefined or null', () => {
      const secret = '(?:[A-Za-z_$.]*\\.)?(?:verifier|codeVerifier|code_verifier|challenge|codeChallenge|code_challenge|secret|clientSecret|client_secret|password|deviceCode|device_code|userCode|user_code|assertion|client_assertion)';
      // The whole operator, then anything but undefined or null; `typeof x === ...` compares a type name.
      const op = '[!=]==?(?!=)';
      const other = '(?!\\s*(?:undefined|null)\\b)';
      const left = new RegExp(`(?<!typeof\\s+)(?<![\\w$.])${secret}\\s*${op}${other}`);
      const right = new RegExp(`(?<![!=<>])${op}\\s*${secret}\\b(?!\\s*[!=]==?(?!=)\\s*(?:undefined|null)\\b)`);
      const found: string[] = [];
      for (const [file, text] of files) {
        code(text).split('\n').forEach((line, i) => {
          if (left.test(line) || right.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
        });
      }
      assert.deepEqual(found, []);
    });
  });
});
