/**
 * The one calling convention for application callbacks, and the one reading
 * of a factory's `(options?, ...callbacks)` arguments.
 *
 * 1.x chooses how to call a callback from its arity: `(client, done)`,
 * `(client, scope, done)`, `(client, scope, body, done)`... Each family of
 * callbacks is described here once, by a {@link Shape}: the values its
 * shortest positional form receives before `done`, the values longer forms
 * add, and what any other arity receives. No 1.x form has arity 1 with a
 * `done` to call (such a function could never finish), so arity 1 is free: a
 * callback of arity exactly 1 receives one named context object, and its
 * returned value (or Promise) is the result. Callbacks of the newer
 * endpoints, which have no 1.x form, read arity 0 as the context form too
 * (`async () => value`, or a function using `arguments`, could never call a
 * `done` it does not declare).
 *
 * A shape turns every arity into a {@link Form} when the module loads. A
 * factory picks its callback's form once, with {@link prepare} (a function's
 * arity cannot change); each request then calls it through {@link call}, which
 * builds nothing the form does not use: the context object only in the
 * context form, and no argument list at all.
 *
 * The Promise rules, the same for every callback:
 * - context form: the returned value, or what its Promise resolves to, is the
 *   result; a rejection is the error ({@link settle});
 * - positional form returning a Promise (an `async function`): a rejection is
 *   the error unless `done` was called first, and a value it resolves without
 *   having called `done` is the result ({@link catchRejection});
 * - a rejection without a reason (`undefined`, `null`, `false`...) still reads
 *   as an error.
 */
import { debug, nameOf } from './debug.js';
import { throwIfRouterCall } from './misuse.js';
import { OAuth2Error } from '../errors/oauth2error.js';
import { checkOptions, type Rule } from './checkOptions.js';

// ---------------------------------------------------------------------------
// Promise support

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
 * errors thrown while handling the value of a settled Promise. `onValue` is
 * called as `onValue(value, onError)`, so that a shared reader (such as
 * `deliverTokens(value, done)`) needs no closure per call.
 */
export function settle<T, E extends (err: unknown) => void>(value: unknown, onValue: (value: T, onError: E) => void, onError: E): void {
  if (!isThenable(value)) return onValue(value as T, onError);
  value.then(
    (resolved) => {
      try {
        onValue(resolved as T, onError);
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
 * What the package reports when an application callback is used in a way
 * that would otherwise hang or mislead: see {@link reportMisuse}.
 */
export interface CallbackMisuse {
  /**
   * - `'returned'`: a positional callback returned a result synchronously
   *   without calling `done`; the value is used as the result.
   * - `'resolved'`: its Promise resolved a value without `done`; the value is
   *   used as the result.
   * - `'unsettled'`: its Promise resolved `undefined`, and `done` was still
   *   not called {@link pendingLimit}`.ms` later; the request fails with
   *   `server_error`.
   * - `'shape'`: a result in the wrong shape (`{ access_token }` where
   *   `{ accessToken }` is read); the request fails with `server_error`.
   */
  readonly kind: 'returned' | 'resolved' | 'unsettled' | 'shape';
  /** The callback's name (`anonymous` when it has none). */
  readonly name: string;
  /** The callback's arity, `-1` when unknown. */
  readonly arity: number;
  /** The sentence logged under `DEBUG=oauth2orize`. */
  readonly message: string;
}

/**
 * The hook point for the diagnostics channel: when set, it receives every
 * {@link CallbackMisuse} after the debug line is written. Nothing in the
 * package sets it; the observability module publishes from here.
 */
export const callbackDiagnostics: { onMisuse: ((event: CallbackMisuse) => void) | undefined } = { onMisuse: undefined };

/**
 * Report a callback misuse: a `DEBUG=oauth2orize` line, then the
 * diagnostics hook ({@link callbackDiagnostics}). A hook that throws is
 * ignored: reporting never changes the answer.
 */
export function reportMisuse(kind: CallbackMisuse['kind'], fn: Function | undefined, message: string): void {
  const name = fn ? nameOf(fn) : 'anonymous';
  const arity = fn ? fn.length : -1;
  debug('callback %s (arity %d): %s', name, arity, message);
  const hook = callbackDiagnostics.onMisuse;
  if (hook) {
    try {
      hook({ kind, name, arity, message });
    } catch {
      // A faulty subscriber must not break the request.
    }
  }
}

/**
 * How long a positional callback whose Promise resolved `undefined` without
 * calling `done` may still call it (from a timer, an event, a callback API
 * inside an `async function`) before the request fails with `server_error`.
 * Default 10 seconds; tests lower it.
 */
export const pendingLimit: { ms: number } = { ms: 10_000 };

/**
 * Whether a value a positional callback returned synchronously, without
 * calling `done`, reads as its result: a non-empty string, or a plain
 * object or array. Numbers, booleans and class instances are what callback
 * APIs return while they run (a Redis client's `true`, a query object, a
 * timer), so they never count.
 */
function isSyncResult(value: unknown): boolean {
  if (typeof value === 'string') return value !== '';
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The error a request fails with when a callback misuses `done`. */
function misuseError(message: string): OAuth2Error {
  return new OAuth2Error(message, 'server_error', null, 500);
}

/**
 * Follow what a callback called in a positional form returned, so that no
 * natural mistake hangs or misleads.
 *
 * A Promise (an `async function`):
 * - a rejection is passed to `done(err)`, unless `done` was already called;
 * - a resolved value other than `undefined`, while `done` has not been
 *   called, is the result: `onValue(value, done)` reads it the way the
 *   callback's context form reads its return value. So
 *   `async (client, scope) => token` answers with `token`;
 * - `undefined` while `done` has not been called is logged under
 *   `DEBUG=oauth2orize` with the callback's name and arity; the callback may
 *   still call `done` (from a timer, or a callback API it started), for
 *   {@link pendingLimit}`.ms`, after which the request fails with
 *   `server_error` (a `done` called later is ignored).
 *
 * Any other value (the callback is not `async`), when `done` was not called
 * before the callback returned and `done` is a {@link once} guard:
 * - a non-empty string, a plain object or an array is the result, as if it
 *   had been resolved: `(client, scope, done) => 'tok'` answers with `tok`
 *   (a `done` called later is ignored);
 * - `undefined`, numbers, booleans and other objects (a query handle, a
 *   timer, a Redis client's `true`) are what a callback API returns while it
 *   runs: the request waits for `done`, as in 1.x.
 *
 * `done` should be a {@link once} guard, so that "has not been called" can
 * be told; with an unguarded `done` only rejections are followed.
 *
 * @param returned - What the callback returned.
 * @param done - The callback's `done`.
 * @param fn - The callback itself, named in the log line.
 * @param onValue - Delivers a resolved value as the result, called as
 *   `onValue(value, done)`; without it a resolved value is only logged (the
 *   callback has no result to give).
 */
export function catchRejection<D extends (err: unknown) => void>(
  returned: unknown,
  done: D,
  fn?: Function,
  onValue?: (value: unknown, done: D) => void,
): void {
  const called = (done as { called?: unknown }).called;
  if (!isThenable(returned)) {
    // Only a guarded `done` tells whether it was called; only a result
    // reader knows what the value means.
    if (returned === undefined || called !== false || !onValue || !isSyncResult(returned)) return;
    reportMisuse('returned', fn, `returned ${typeof returned === 'string' ? 'a string' : 'an object'} without calling done: using it as the result (call done, or declare no done, to silence this)`);
    // Exceptions propagate to call(), which passes them to done or rethrows.
    return onValue(returned, done);
  }
  const settled = (): boolean => (done as { called?: unknown }).called === true;
  returned.then(
    (value) => {
      if (settled()) return;
      if (value !== undefined && onValue) {
        if (debug.enabled) reportMisuse('resolved', fn, 'resolved a value without calling done: using it as the result');
        return deliver(onValue, value, done);
      }
      reportMisuse(
        'unsettled',
        fn,
        `returned a Promise that resolved to ${value === undefined ? 'undefined' : 'a value'} without calling done; the request waits ${pendingLimit.ms} ms for done`,
      );
      if (called === undefined) return;
      const timer = setTimeout(() => {
        if (settled()) return;
        const message = `callback ${fn ? nameOf(fn) : 'anonymous'} (arity ${fn ? fn.length : -1}) resolved without calling done, and did not call it within ${pendingLimit.ms} ms: return the result, or call done`;
        reportMisuse('unsettled', fn, message);
        done(misuseError(message));
      }, pendingLimit.ms);
      if (typeof timer === 'object' && timer && typeof timer.unref === 'function') timer.unref();
    },
    (err) => {
      if (!settled()) done(rejection(err));
    },
  );
}

function deliver<D extends (err: unknown) => void>(onValue: (value: unknown, done: D) => void, value: unknown, done: D): void {
  try {
    onValue(value, done);
  } catch (err) {
    if ((done as { called?: unknown }).called !== true) done(err);
  }
}

/** A rejection reason that is certain to be truthy, so it reads as an error. */
function rejection(err: unknown): unknown {
  return err || new Error('Callback rejected without a reason');
}

// ---------------------------------------------------------------------------
// Shapes: which arguments each arity receives

/** A callback's `done`, or any function a result is delivered to. */
type Done = (err?: unknown, ...results: any[]) => void;

/** Reads a callback's result (a returned or resolved value) into its `done`. */
export type ResultReader = (value: any, done: any) => void;

/** Builds the one argument of the context form from the values of a call. */
export type ContextBuilder = (...values: any[]) => unknown;

/** How a family of callbacks is called, by arity. */
export interface ShapeSpec {
  /**
   * The values the shortest positional form receives before `done`, by the
   * names the context object gives them: `['client', 'username', 'password']`
   * for `(client, username, password, done)`.
   */
  readonly positional: readonly string[];
  /**
   * The values longer positional forms add before `done`, in order: the form
   * of arity `positional.length + 1 + k` receives the first `k` of them.
   */
  readonly extras?: readonly string[];
  /**
   * What every arity that names no form receives before `done`. Default: the
   * shortest form (`positional`), 1.x's fallback. `validate` falls back to
   * `['areq']`, `immediate` to `['txn']`.
   */
  readonly otherwise?: readonly string[];
  /**
   * `'longest'`: an arity above the longest form gets the longest form, not
   * `otherwise` (the rule of a newer callback; 1.x falls back).
   */
  readonly beyond?: 'longest';
  /**
   * The arities of the context form. Default `[1]`, 1.x's free arity; the
   * newer endpoints' callbacks use `[0, 1]`; `[]` for handlers that always
   * take `next`.
   */
  readonly contextArities?: readonly number[];
  /**
   * The values a call site passes, in this order. Default: the names of
   * `positional`, `extras` and `otherwise`, in that order, each once.
   * List them to add values that only the context object holds.
   */
  readonly values?: readonly (string | undefined)[];
  /**
   * The argument of the context form, from the values of a call. Default: an
   * object with each value under its name. `false`: the context form is
   * called with the positional values themselves, without `done`, and
   * returns its result (the Promise form of a store method).
   */
  readonly context?: ContextBuilder | false;
  /**
   * Reads the result (the context form's returned value, or what a
   * positional form's Promise resolves to) into `done`. Default:
   * `done(null, value)`.
   */
  readonly result?: ResultReader;
  /**
   * `false`: a value that a positional form's Promise resolves is not a
   * result (it is only logged), for callbacks whose `done` carries nothing a
   * value could stand for.
   */
  readonly resolvedIsResult?: false;
}

/**
 * The context arities of the newer endpoints' callbacks (device flow, PAR):
 * 0 as well as 1, since they have no 1.x form that arity 0 could mean.
 */
export const ZERO_OR_ONE: readonly number[] = [0, 1];

/** Where `done` stands in a {@link Form}'s argument list. */
const DONE = -1;

/** How a callback of one arity is called: made by {@link shape}, shared by every callback of that arity and shape. */
export interface Form {
  /** The shape this form belongs to. */
  readonly shape: Shape;
  /** The result is what the callback returns (context form, or a store method's Promise form). */
  readonly returns: boolean;
  /** Called with the shape's context object (built from the values) as its one argument. */
  readonly context: boolean;
  /** The arguments, as indexes into the call's values; `-1` stands for `done`. */
  readonly args: readonly number[];
  /** `args` is the first values in order, then `done`: the common case, called without lookups. */
  readonly prefix: boolean;
  /** With `prefix`: how many values come before `done`. */
  readonly count: number;
  /** Reads what a positional form's Promise resolves (the shape's reader), or nothing. */
  readonly onValue: ResultReader | undefined;
}

/** A family of callbacks, from {@link shape}: a {@link Form} for every arity. */
export interface Shape {
  /** The form of each arity up to the longest named one. */
  readonly forms: readonly Form[];
  /** The form of any higher arity. */
  readonly beyond: Form;
  /** The number of values before `done` in the shortest positional form. */
  readonly shortest: number;
  /** Builds the context form's argument. */
  readonly build: ContextBuilder;
  /** Reads a result into `done`. */
  readonly result: ResultReader;
  /** Whether a positional form's resolved value is its result. */
  readonly resolvedIsResult: boolean;
}

/** The default result reader: the value is `done`'s one result. */
function valueResult(value: unknown, done: Done): void {
  done(null, value);
}

/** At most seven values reach a callback, plus `done`. */
const MAX_VALUES = 7;

/** Describe a family of callbacks; see {@link ShapeSpec}. Done once, when a module loads. */
export function shape(spec: ShapeSpec): Shape {
  const positional = spec.positional;
  const extras = spec.extras || [];
  const otherwise = spec.otherwise || positional;
  const values = spec.values || [...new Set([...positional, ...extras, ...otherwise])];
  if (values.length > MAX_VALUES) throw new Error(`callback shape: at most ${MAX_VALUES} values`);
  const indexOf = (name: string): number => {
    const i = values.indexOf(name);
    if (i < 0) throw new Error(`callback shape: ${name} is not one of the values (${values.join(', ')})`);
    return i;
  };
  const contextArities = spec.contextArities || [1];
  const built = spec.context === false ? undefined : spec.context || byName(values);
  const result: Shape = {
    forms: [],
    beyond: undefined as unknown as Form,
    shortest: positional.length,
    build: built || (() => undefined),
    result: spec.result || valueResult,
    resolvedIsResult: spec.resolvedIsResult !== false,
  };
  const form = (returns: boolean, context: boolean, args: number[]): Form => ({
    shape: result,
    returns,
    context,
    args,
    prefix: !returns && args.every((v, i) => (i === args.length - 1 ? v === DONE : v === i)),
    count: args.length - 1,
    onValue: result.resolvedIsResult ? result.result : undefined,
  });
  const withDone = (names: readonly string[]): Form => form(false, false, [...names.map(indexOf), DONE]);
  const contextForm = built ? form(true, true, []) : form(true, false, positional.map(indexOf));
  const fallback = withDone(otherwise);
  const shortest = positional.length + 1;
  const longest = shortest + extras.length;
  const top = Math.max(longest, ...contextArities);
  const forms = result.forms as Form[];
  for (let arity = 0; arity <= top; arity++) {
    if (contextArities.includes(arity)) forms.push(contextForm);
    else if (arity >= shortest && arity <= longest) forms.push(withDone([...positional, ...extras.slice(0, arity - shortest)]));
    else if (arity > longest && spec.beyond === 'longest') forms.push(forms[longest]!);
    else forms.push(fallback);
  }
  (result as { beyond: Form }).beyond = spec.beyond === 'longest' ? forms[longest]! : fallback;
  return result;
}

/** The default context object: each value under its name (a value without a name is left out). */
function byName(names: readonly (string | undefined)[]): ContextBuilder {
  const [n0, n1, n2, n3, n4, n5, n6] = names;
  return function context(a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown, g?: unknown): object {
    const ctx: Record<string, unknown> = {};
    if (n0 !== undefined) ctx[n0] = a;
    if (n1 !== undefined) ctx[n1] = b;
    if (n2 !== undefined) ctx[n2] = c;
    if (n3 !== undefined) ctx[n3] = d;
    if (n4 !== undefined) ctx[n4] = e;
    if (n5 !== undefined) ctx[n5] = f;
    if (n6 !== undefined) ctx[n6] = g;
    return ctx;
  };
}

/** The form `fn`'s arity asks for. */
export function formOf(s: Shape, fn: Function): Form {
  const forms = s.forms;
  const arity = fn.length;
  return arity < forms.length ? forms[arity]! : s.beyond;
}

/** Whether `fn`, by its arity, is called in a form whose result is its return value (no `done`). */
export function returnsResult(s: Shape, fn: Function): boolean {
  return formOf(s, fn).returns;
}

/**
 * Whether `fn` declares the `done` (or `next`) of the shortest positional
 * form. A handler that does not is in the Promise form: what its Promise
 * does is its answer.
 */
export function declaresDone(s: Shape, fn: Function): boolean {
  return fn.length > s.shortest;
}

/** An application callback with its form, chosen once by {@link prepare}. */
export interface Callback<F extends Function = Function> {
  /** The application's function. */
  readonly fn: F;
  /** How it is called. */
  readonly form: Form;
}

/** Choose once, from its arity, how `fn` is called. */
export function prepare<F extends Function>(s: Shape, fn: F): Callback<F> {
  return { fn, form: formOf(s, fn) };
}

/**
 * What becomes of an exception thrown while a callback is called (by the
 * callback, or by code its `done` ran synchronously):
 * - a function: it gets the exception (typically `next`);
 * - `'done'`: `done(err)`, unless `done` was already called, when the
 *   exception propagates (it is not the callback's failure);
 * - `'throw'`: it propagates to the caller.
 */
export type Thrown = ((err: unknown) => void) | 'done' | 'throw';

/**
 * Call a prepared callback with the values of this call, in the order its
 * shape names them. `done` gets the result (through the shape's result
 * reader, in the context form and for a resolved value) or the error.
 */
export function call(cb: Callback, done: Done, thrown: Thrown, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown, g?: unknown): void {
  // run() does the same; written out here, as this is the path of every request.
  const form = cb.form;
  try {
    if (!form.prefix) return run(undefined, cb.fn, form, done, a, b, c, d, e, f, g);
    const fn = cb.fn;
    catchRejection(leading(fn, form.count, done, a, b, c, d, e, f, g), done, fn, form.onValue);
  } catch (err) {
    caught(err, done, thrown);
  }
}

/** {@link call} for a callback whose form is not known in advance (a registered handler): its arity is read now. */
export function callAs(s: Shape, fn: Function, done: Done, thrown: Thrown, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown, g?: unknown): void {
  try {
    run(undefined, fn, formOf(s, fn), done, a, b, c, d, e, f, g);
  } catch (err) {
    caught(err, done, thrown);
  }
}

/** {@link callAs} for a method: `fn` is called with `self` as `this` (a store's `load`, `store`, ...). */
export function callMethod(s: Shape, self: object, fn: Function, done: Done, thrown: Thrown, a?: unknown, b?: unknown, c?: unknown): void {
  try {
    run(self, fn, formOf(s, fn), done, a, b, c);
  } catch (err) {
    caught(err, done, thrown);
  }
}

/**
 * Call `fn` with the arguments its form names and return what it returns,
 * without the Promise rules: for handlers whose Promise has rules of its own
 * (response and error handlers).
 */
export function callRaw(
  s: Shape,
  fn: Function,
  done: Done,
  a?: unknown, b?: unknown, c?: unknown, d?: unknown,
): unknown {
  const form = formOf(s, fn);
  return form.prefix ? leading(fn, form.count, done, a, b, c, d) : apply(undefined, fn, form, done, a, b, c, d);
}

function caught(err: unknown, done: Done, thrown: Thrown): void {
  if (typeof thrown === 'function') return thrown(err);
  if (thrown === 'throw' || (done as { called?: unknown }).called === true) throw err;
  done(err);
}

function run(self: unknown, fn: Function, form: Form, done: Done, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown, g?: unknown): void {
  const s = form.shape;
  if (form.prefix && self === undefined) return catchRejection(leading(fn, form.count, done, a, b, c, d, e, f, g), done, fn, form.onValue);
  if (form.returns) {
    const value = form.context ? fn.call(self, s.build(a, b, c, d, e, f, g)) : apply(self, fn, form, done, a, b, c, d, e, f, g);
    return settle(value, s.result, done);
  }
  catchRejection(apply(self, fn, form, done, a, b, c, d, e, f, g), done, fn, form.onValue);
}

/**
 * The common case: a positional form that takes the first `count` values,
 * then `done`. Called directly, without looking the arguments up.
 */
function leading(fn: Function, count: number, done: Done, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown, g?: unknown): unknown {
  const direct = fn as (...args: unknown[]) => unknown;
  switch (count) {
    case 0: return direct(done);
    case 1: return direct(a, done);
    case 2: return direct(a, b, done);
    case 3: return direct(a, b, c, done);
    case 4: return direct(a, b, c, d, done);
    case 5: return direct(a, b, c, d, e, done);
    case 6: return direct(a, b, c, d, e, f, done);
    default: return direct(a, b, c, d, e, f, g, done);
  }
}

/** Call `fn` with the arguments of `form`. A fixed switch, so that no argument list is built. */
function apply(self: unknown, fn: Function, form: Form, done: Done, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown, g?: unknown): unknown {
  const x = form.args;
  switch (x.length) {
    case 0: return fn.call(self);
    case 1: return fn.call(self, pick(x[0]!, done, a, b, c, d, e, f, g));
    case 2: return fn.call(self, pick(x[0]!, done, a, b, c, d, e, f, g), pick(x[1]!, done, a, b, c, d, e, f, g));
    case 3: return fn.call(self, pick(x[0]!, done, a, b, c, d, e, f, g), pick(x[1]!, done, a, b, c, d, e, f, g), pick(x[2]!, done, a, b, c, d, e, f, g));
    case 4: return fn.call(self, pick(x[0]!, done, a, b, c, d, e, f, g), pick(x[1]!, done, a, b, c, d, e, f, g), pick(x[2]!, done, a, b, c, d, e, f, g), pick(x[3]!, done, a, b, c, d, e, f, g));
    case 5: return fn.call(self, pick(x[0]!, done, a, b, c, d, e, f, g), pick(x[1]!, done, a, b, c, d, e, f, g), pick(x[2]!, done, a, b, c, d, e, f, g), pick(x[3]!, done, a, b, c, d, e, f, g), pick(x[4]!, done, a, b, c, d, e, f, g));
    case 6: return fn.call(self, pick(x[0]!, done, a, b, c, d, e, f, g), pick(x[1]!, done, a, b, c, d, e, f, g), pick(x[2]!, done, a, b, c, d, e, f, g), pick(x[3]!, done, a, b, c, d, e, f, g), pick(x[4]!, done, a, b, c, d, e, f, g), pick(x[5]!, done, a, b, c, d, e, f, g));
    case 7: return fn.call(self, pick(x[0]!, done, a, b, c, d, e, f, g), pick(x[1]!, done, a, b, c, d, e, f, g), pick(x[2]!, done, a, b, c, d, e, f, g), pick(x[3]!, done, a, b, c, d, e, f, g), pick(x[4]!, done, a, b, c, d, e, f, g), pick(x[5]!, done, a, b, c, d, e, f, g), pick(x[6]!, done, a, b, c, d, e, f, g));
    default: return fn.call(self, pick(x[0]!, done, a, b, c, d, e, f, g), pick(x[1]!, done, a, b, c, d, e, f, g), pick(x[2]!, done, a, b, c, d, e, f, g), pick(x[3]!, done, a, b, c, d, e, f, g), pick(x[4]!, done, a, b, c, d, e, f, g), pick(x[5]!, done, a, b, c, d, e, f, g), pick(x[6]!, done, a, b, c, d, e, f, g), pick(x[7]!, done, a, b, c, d, e, f, g));
  }
}

/** The value at index `i` of a call (or `done`, at `-1`). */
function pick(i: number, done: Done, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown, g: unknown): unknown {
  switch (i) {
    case 0: return a;
    case 1: return b;
    case 2: return c;
    case 3: return d;
    case 4: return e;
    case 5: return f;
    case 6: return g;
    default: return done;
  }
}

// ---------------------------------------------------------------------------
// Factory arguments: `factory(options?, ...callbacks)`

/** How a factory's `(options?, ...callbacks)` arguments are read; see {@link optionsFirst}. */
export interface FactoryArgs {
  /**
   * The factory as an app names it (`oauth2orize.exchange.password`): when
   * its arguments are a router's `(req, res, next)` (the factory itself was
   * registered, `server.exchange(oauth2orize.exchange.password)`), it throws
   * a `TypeError` saying so instead of building a middleware nobody runs.
   */
  readonly misuse?: string;
  /** The `TypeError` message when the leading server argument is missing; the options come after it. */
  readonly server?: string;
  /**
   * The callbacks after the options, in order: for each, the `TypeError`
   * message thrown at construction when it is missing, or `undefined` when
   * it is optional.
   */
  readonly callbacks: readonly (string | undefined)[];
  /**
   * What counts as missing: `'falsy'` (1.x's `if (!issue)`, the default) or
   * `'function'` (anything but a function, the newer factories).
   */
  readonly missing?: 'falsy' | 'function';
  /** Whether the first argument is the first callback, not options. Default: it is a function. */
  readonly leading?: (first: unknown, second: unknown) => boolean;
  /**
   * The factory's option table, checked once the options are read
   * ({@link checkOptions}); `name` is the factory as an app names it, in the
   * `TypeError`.
   */
  readonly options?: { readonly name: string; readonly table: Readonly<Record<string, Rule>> };
}

/**
 * Read a factory's `(options?, ...callbacks)` arguments (after the server,
 * for a middleware factory that takes one): when the first is a callback,
 * there are no options and every callback moves one place left. Throws the
 * factory's `TypeError` when the server or a required callback is missing.
 *
 * @param spec - How this factory's arguments read.
 * @param args - The factory's arguments, in order (the server first, when it takes one).
 * @returns `[options, ...callbacks]`, `options` defaulting to `{}`.
 */
export function optionsFirst<O extends object = Record<string, any>>(spec: FactoryArgs, args: ArrayLike<unknown>): [O, ...any[]] {
  const at = spec.server === undefined ? 0 : 1;
  if (spec.misuse !== undefined) throwIfRouterCall(spec.misuse, args[at], args[at + 1]);
  const shift = (spec.leading || isFunction)(args[at], args[at + 1]) ? 1 : 0;
  const options = shift ? undefined : args[at];
  if (spec.options !== undefined) checkOptions(spec.options.name, options, spec.options.table);
  const out: [O, ...any[]] = [(options || {}) as O];
  for (let i = 0; i < spec.callbacks.length; i++) out.push(args[at + 1 + i - shift]);
  if (spec.server !== undefined && !args[0]) throw new TypeError(spec.server);
  for (let i = 0; i < spec.callbacks.length; i++) {
    const message = spec.callbacks[i];
    const cb = out[i + 1];
    if (message !== undefined && (spec.missing === 'function' ? typeof cb !== 'function' : !cb)) throw new TypeError(message);
  }
  return out;
}

function isFunction(first: unknown): boolean {
  return typeof first === 'function';
}
