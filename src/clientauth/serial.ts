/**
 * One attempt at a time per client and address, in this process.
 *
 * A throttle counts a failure once the credentials were checked. Without
 * more, a burst of parallel guesses for one client from one address would
 * all pass `check` before the first of them failed, and each would be
 * checked: a hundred parallel requests, a hundred guesses. Queuing the
 * attempts of one (client, address) pair makes each `check` see the
 * failures of the ones before it, so a burst is cut off at the limit like a
 * sequence. Attempts of other pairs run in parallel, and so do those of one
 * pair on other instances (each instance queues its own).
 *
 * A turn that does not end (an app callback that never answers) holds the
 * next ones back for at most `maxWait` milliseconds, so one hung request
 * cannot lock its pair out.
 */

/** Runs tasks one after the other per key. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** @param maxWait longest time a task waits for the one before it, in milliseconds */
  constructor(private readonly maxWait: number) {}

  /** Number of keys with a task running or waiting (for tests: it falls back to 0). */
  get size(): number {
    return this.tails.size;
  }

  /**
   * Run `task` once the tasks queued before it under `key` have ended (or
   * waited `maxWait`). `task` gets `release`, to call when its turn ends;
   * calls after the first do nothing.
   */
  run(key: string, task: (release: () => void) => void): void {
    const before = this.tails.get(key);
    let release!: () => void;
    const ended = new Promise<void>((resolve) => { release = resolve; });
    // The next task waits for this one only: this one starts after the one before it (or
    // after waiting for it), so the order holds, and a hung task delays one turn, not all.
    this.tails.set(key, ended);
    void ended.then(() => {
      if (this.tails.get(key) === ended) this.tails.delete(key);
    });
    if (!before) return task(release);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.maxWait);
      if (typeof timer === 'object' && typeof timer.unref === 'function') timer.unref();
    });
    void Promise.race([before, waited]).then(() => {
      clearTimeout(timer);
      task(release);
    });
  }
}
