/**
 * Support for Promise-returning callbacks.
 *
 * 1.x chooses a callback's calling convention from its arity. No 1.x form has
 * arity 1 with a `done` to call (such a function could never finish), so
 * arity 1 is free: a callback of arity exactly 1 receives one named context
 * object and its returned value (or Promise) is the result. Every other arity
 * keeps its 1.x meaning; if such a callback also returns a Promise (it is an
 * `async function` that calls `done`), only a rejection is used, and it is
 * routed to `done(err)` unless `done` was already called.
 */

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

/**
 * For a callback called in a 1.x form: when it returned a Promise, route a
 * rejection to `done`. The resolved value is ignored; `done` gives the result.
 */
export function catchRejection(returned: unknown, done: (err: unknown) => void): void {
  if (isThenable(returned)) returned.then(undefined, (err) => done(rejection(err)));
}

/** A rejection reason that is certain to be truthy, so it reads as an error. */
function rejection(err: unknown): unknown {
  return err || new Error('Callback rejected without a reason');
}
