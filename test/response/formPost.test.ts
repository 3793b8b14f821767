import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { formPost } from '../../src/response/formPost.js';
import { resolveProfile } from '../../src/settings/profile.js';
import { attachProfile } from '../../src/settings/settings.js';
import { MockResponse } from '../helpers/mock.js';

/** name/value pairs of the hidden inputs, entity-decoded. */
function inputs(html: string): Array<[string, string]> {
  const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" } as Record<string, string>)[e]!);
  return [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [decode(m[1]!), decode(m[2]!)]);
}

describe('response/formPost', () => {
  it('posts every parameter to the redirect URI with safe headers', () => {
    const res = new MockResponse();
    formPost({ redirectURI: 'https://rp.example.com/cb?x=1&y=2' } as any, res as any, { code: 'abc', state: 'xyz', expires_in: 3600 });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['pragma'], 'no-cache');
    const html = res.body!;
    assert.ok(html.includes('<form method="post" action="https://rp.example.com/cb?x=1&amp;y=2">'), html);
    assert.deepEqual(inputs(html), [['code', 'abc'], ['state', 'xyz'], ['expires_in', '3600']]);
    assert.equal(Number(res.headers['content-length']), Buffer.byteLength(html));
  });

  it('the CSP allows exactly the inline script in the page, by hash, and nothing else', () => {
    const res = new MockResponse();
    formPost({ redirectURI: 'https://rp.example.com/cb' } as any, res as any, { code: 'abc' });
    const csp = String(res.headers['content-security-policy']);
    const scripts = [...res.body!.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    assert.equal(scripts.length, 1, 'one inline script');
    const hash = createHash('sha256').update(scripts[0]!).digest('base64');
    assert.ok(csp.includes(`script-src 'sha256-${hash}'`), csp);
    assert.ok(csp.includes("default-src 'none'"), csp);
    assert.ok(!csp.includes('unsafe-inline'), csp);
    assert.ok(csp.includes("frame-ancestors 'none'"), csp);
    assert.ok(!/on\w+=/.test(res.body!), 'no inline event handlers (they would need unsafe-inline)');
  });

  it('escapes names, values and the action', () => {
    const res = new MockResponse();
    const evil = `"><script>alert(1)</script><x a='`;
    formPost({ redirectURI: `https://rp.example.com/cb?q="><script>` } as any, res as any, { state: evil, [evil]: 'v&<>' });
    const html = res.body!;
    assert.equal((html.match(/<script>/g) || []).length, 1, 'only the page\'s own script tag');
    assert.ok(!html.includes(evil));
    assert.ok(html.includes('action="https://rp.example.com/cb?q=&quot;&gt;&lt;script&gt;"'), html);
    assert.deepEqual(inputs(html), [['state', evil], [evil, 'v&<>']]);
  });

  it('arrays become repeated inputs; null and undefined become empty', () => {
    const res = new MockResponse();
    formPost({ redirectURI: 'https://rp.example.com/cb' } as any, res as any, { a: ['1', '2'], b: null, c: undefined });
    assert.deepEqual(inputs(res.body!), [['a', '1'], ['a', '2'], ['b', ''], ['c', '']]);
  });

  it('adds iss when the transaction carries a server issuer, without touching the caller\'s params', () => {
    const res = new MockResponse();
    const txn: any = { redirectURI: 'https://rp.example.com/cb' };
    attachProfile(txn, resolveProfile({ issuer: 'https://as.example.com' }));
    const params = { code: 'abc' };
    formPost(txn, res as any, params);
    assert.deepEqual(inputs(res.body!), [['code', 'abc'], ['iss', 'https://as.example.com']]);
    assert.deepEqual(params, { code: 'abc' });
  });

  it('validate refuses a transaction without a redirect URI', () => {
    assert.throws(() => formPost.validate!({} as any), (err: any) => err.code === 'server_error');
    assert.doesNotThrow(() => formPost.validate!({ redirectURI: 'https://rp.example.com/cb' } as any));
  });
});
