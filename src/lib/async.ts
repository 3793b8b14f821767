/**
 * Support for Promise-returning callbacks.
 *
 * 1.x chooses a callback's calling convention from its arity. No 1.x form has
 * arity 1 with a `done` to call (such a function could never finish), so
 * arity 1 is free: a callback of arity exactly 1 receives one named context
 * object and its returned value (or Promise) is the result. Every other arity
 * keeps its 1.x meaning; if such a callback also returns a Promise (an
 * `async function`), see {@link catchRejection} for how it is followed so
 * that no natural mistake leaves a request hanging.
 */
import { debug, nameOf } from './debug.js';

/** True for Promises and other thenables. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Deliver the result of a context-form callback: immediately for a plain
 * value, or when a Promise settles. `onError` gets rejections, and also
 * errors thrown while handling the value of a settled Promise.
 */
export function settle<T>(value: unknown, onValue: (value: T) => void, onError: (err: unknown) => void): void {
  if (!isThenable(value)) return onValue(value as T);
  value.then(
    (resolved) => {
      try {
        onValue(resolved as T);
      } catch (err) {
        onError(err);
      }
    },
    (err) => onError(rejection(err)),
  );
}

/** A callback guarded by {@link once}: it knows whether it has been called. */
export interface Once<A extends unknown[]> {
  (...args: A): void;
  /** True once the callback has been called. */
  readonly called: boolean;
}

/** Guard a callback so that only its first call has effect, and record that call. */
export function once<A extends unknown[]>(fn: (...args: A) => void): Once<A> {
  const guarded = ((...args: A): void => {
    if (guarded.called) return;
    (guarded as { called: boolean }).called = true;
    fn(...args);
  }) as Once<A>;
  (guarded as { called: boolean }).called = false;
  return guarded;
}

/**
 * Follow what a callback called in a 1.x (positional) form returned, when it
 * is a Promise (an `async function`), so that no natural mistake hangs:
 *
 * - a rejection is passed to `done(err)`, unless `done` was already called;
 * - a resolved value other than `undefined`, while `done` has not been
 *   called, is the result: `onValue(value)` reads it the way the callback's
 *   one-argument (context) form reads its return value. So
 *   `async (client, scope) => token` answers with `token`;
 * - `undefined` while `done` has not been called is logged under
 *   `DEBUG=oauth2orize` with the callback's name and arity, and the request
 *   keeps waiting: the callback may still call `done` later, from a timer
 *   or an event.
 *
 * `done` should be a {@link once} guard, so that "has not been called" can
 * be told; an unguarded `done` is treated as not called.
 *
 * @param returned - What the callback returned.
 * @param done - The callback's `done`.
 * @param fn - The callback itself, named in the log line.
 * @param onValue - Delivers a resolved value as the result, called as
 *   `onValue(value, done)` (so a shared reader such as `deliverTokens` needs
 *   no closure per call); without it a resolved value is only logged (the
 *   callback has no result to give).
 */
export function catchRejection<D extends (err: unknown) => void>(
  returned: unknown,
  done: D,
  fn?: Function,
  onValue?: (value: unknown, done: D) => void,
): void {
  if (!isThenable(returned)) return;
  const settled = (): boolean => (done as { called?: unknown }).called === true;
  returned.then(
    (value) => {
      if (settled()) return;
      if (value !== undefined && onValue) {
        if (debug.enabled) debug('callback %s (arity %d) resolved a value without calling done: using it as the result', fn ? nameOf(fn) : 'anonymous', fn ? fn.length : -1);
        try {
          onValue(value, done);
        } catch (err) {
          done(err);
        }
        return;
      }
      debug(
        'callback %s (arity %d) returned a Promise that resolved to %s without calling done; the request waits for done',
        fn ? nameOf(fn) : 'anonymous',
        fn ? fn.length : -1,
        value === undefined ? 'undefined' : 'a value',
      );
    },
    (err) => {
      if (!settled()) done(rejection(err));
    },
  );
}

/** A rejection reason that is certain to be truthy, so it reads as an error. */
function rejection(err: unknown): unknown {
  return err || new Error('Callback rejected without a reason');
}
