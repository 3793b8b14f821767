import { catchRejection, once as guard, settle } from './async.js';

/**
 * Call an application callback of the newer endpoints (device flow, PAR) by
 * the package's arity rule: arity 1 is the context form, whose returned value
 * (or Promise) is the result; any other arity gets the positional `args`
 * followed by `done(err, result)`. These callbacks have no 1.x form, so
 * arity 0 (`async () => value`, or a function using `arguments`) is read as
 * the context form too: it could never call a `done` it does not declare. `done` runs at most once, and a throw
 * before it ran is routed to it.
 */
export function invoke<T>(
  fn: Function,
  context: object,
  args: readonly unknown[],
  done: (err: unknown, result?: T) => void,
): void {
  const once = guard((err: unknown, result?: T): void => done(err, result));
  try {
    if (fn.length <= 1) return settle(fn(context), (value: T) => once(null, value), once);
    // An async positional callback that resolves a value without calling
    // `done` gives that value, as the bundled callbacks do.
    catchRejection(fn(...args, once), once, fn, (value) => once(null, value as T));
  } catch (err) {
    if (once.called) throw err;
    once(err);
  }
}

/** Milliseconds since the epoch from a `Date`, a number, or an ISO string; `NaN` otherwise. */
export function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  return NaN;
}
