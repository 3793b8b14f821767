/**
 * What the exchange helpers of the stores share: calling an application
 * callback (either form, through lib/callback.ts) as a Promise, and reading
 * an `issue` result into `done`'s positions.
 */
import { call, type Callback } from '../lib/callback.js';

/** Call a prepared callback with two values; resolves the arguments it passed to `done` after the error. */
export function promised(cb: Callback, a: unknown, b: unknown): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    call(cb, (err?: unknown, ...results: unknown[]) => (err ? reject(err) : resolve(results)), 'done', a, b);
  });
}

/**
 * Read what a context-form `issue` answers: a string (the access token),
 * falsy, or `{ accessToken, refreshToken?, params?, issued? }`, into
 * `done(null, accessToken, refreshToken, params, issued)`.
 */
export function tokensResult(value: unknown, done: (...a: unknown[]) => void): void {
  if (value && typeof value === 'object') {
    const t = value as { accessToken?: unknown; refreshToken?: unknown; params?: unknown; issued?: unknown };
    return done(null, t.accessToken, t.refreshToken, t.params, t.issued);
  }
  done(null, value);
}
