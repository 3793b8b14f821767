/**
 * src/clientauth/serial.ts: tasks run one after the other per key, in parallel across keys;
 * a task that never ends holds the next one back for `maxWait` only; no key is kept once
 * its tasks ended.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedQueue } from '../../src/clientauth/serial.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('clientauth/serial KeyedQueue', () => {
  it('runs the tasks of one key in order, each after the previous released', async () => {
    const queue = new KeyedQueue(10_000);
    const log: string[] = [];
    const releases: Array<() => void> = [];
    for (const name of ['a1', 'a2', 'a3']) queue.run('a', (release) => { log.push(name); releases.push(release); });
    queue.run('b', (release) => { log.push('b1'); release(); });
    await tick();
    assert.deepEqual(log, ['a1', 'b1'], 'a2 waits for a1; b runs at once');
    releases[0]!();
    await tick();
    assert.deepEqual(log, ['a1', 'b1', 'a2']);
    releases[1]!();
    releases[1]!();
    await tick();
    assert.deepEqual(log, ['a1', 'b1', 'a2', 'a3']);
    releases[2]!();
    await tick();
    assert.equal(queue.size, 0, 'no key kept once its tasks ended');
  });

  it('a task that never releases holds the next one back for maxWait, then the queue moves on', async () => {
    const queue = new KeyedQueue(30);
    const log: string[] = [];
    // The queue's timer does not hold the process open (a server's sockets do); this does.
    const alive = setTimeout(() => {}, 5000);
    try {
      queue.run('k', () => { log.push('hung'); });
      const started = Date.now();
      await new Promise<void>((resolve) => queue.run('k', (release) => { log.push('next'); release(); resolve(); }));
      assert.ok(Date.now() - started >= 25, 'waited about maxWait');
      await new Promise<void>((resolve) => queue.run('k', (release) => { log.push('third'); release(); resolve(); }));
    } finally {
      clearTimeout(alive);
    }
    assert.deepEqual(log, ['hung', 'next', 'third']);
    await tick();
    assert.equal(queue.size, 0);
  });
});
