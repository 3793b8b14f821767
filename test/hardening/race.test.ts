/**
 * A transaction must be decided at most once, even when the decision is
 * posted twice at the same time (a double click, a replayed request). Real
 * HTTP, Express 5, express-session with its MemoryStore: one transaction is
 * opened, then two decision POSTs for it are sent concurrently with the same
 * session cookie. Exactly one code may be issued; the other request must be
 * refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authApp, body, CLIENT_ID, REDIRECT_URI } from './app.js';
import { listen, send, cookieOf, type Listening, type Reply } from '../fuzz/harness.js';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

async function open(target: Listening): Promise<{ tid: string; cookie: string }> {
  const reply = await send(target, { method: 'GET', path: `/authorize?response_type=code&client_id=${CLIENT_ID}&state=s` });
  assert.equal(reply.status, 200, reply.text);
  return { tid: body(reply).transactionID, cookie: cookieOf(reply)! };
}

function decide(target: Listening, cookie: string, tid: string): Promise<Reply> {
  return send(target, { method: 'POST', path: '/decision', headers: { ...FORM, Cookie: cookie }, body: 'transaction_id=' + tid });
}

function outcome(replies: Reply[]): string {
  return replies.map((r) => `${r.status} ${r.headers.location ?? r.text}`).join(' | ');
}

/** Both requests race; exactly one grant, one redirect with it, one refusal. */
function assertDecidedOnce(replies: Reply[], issued: string[]): void {
  assert.equal(issued.length, 1, `codes issued: ${issued.join(', ')}; replies: ${outcome(replies)}`);
  const granted = replies.filter((r) => r.status === 302);
  const refused = replies.filter((r) => r.status >= 400 && r.status < 500);
  assert.equal(granted.length, 1, outcome(replies));
  assert.equal(granted[0]!.headers.location, `${REDIRECT_URI}?code=${issued[0]}&state=s`);
  assert.equal(refused.length, 1, outcome(replies));
}

describe('decision race: two concurrent decisions for one transaction', () => {
  it('issues one code when issuing takes a while (a database write)', async () => {
    const app = authApp({ issueDelay: 25 });
    const target = await listen(app.app);
    try {
      const { tid, cookie } = await open(target);
      const replies = await Promise.all([decide(target, cookie, tid), decide(target, cookie, tid)]);
      assertDecidedOnce(replies, app.issued);
    } finally {
      await target.close();
    }
  });

  it('issues one code when issuing is immediate (20 transactions, each raced)', async () => {
    const app = authApp();
    const target = await listen(app.app);
    try {
      const doubles: string[] = [];
      for (let i = 0; i < 20; i++) {
        const { tid, cookie } = await open(target);
        const before = app.issued.length;
        const replies = await Promise.all([decide(target, cookie, tid), decide(target, cookie, tid)]);
        if (app.issued.length - before !== 1) doubles.push(`${tid}: ${app.issued.length - before} codes; ${outcome(replies)}`);
      }
      assert.deepEqual(doubles, [], 'transactions decided more than once');
    } finally {
      await target.close();
    }
  });

  it('refuses a replay that comes after the first decision finished (sequential control case)', async () => {
    const app = authApp();
    const target = await listen(app.app);
    try {
      const { tid, cookie } = await open(target);
      const first = await decide(target, cookie, tid);
      assert.equal(first.status, 302, first.text);
      const second = await decide(target, cookie, tid);
      assert.equal(second.status, 403, second.text);
      assert.equal(body(second).message, 'Unable to load OAuth 2.0 transaction: ' + tid);
      assert.equal(app.issued.length, 1);
    } finally {
      await target.close();
    }
  });
});
