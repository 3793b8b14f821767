import utilsMerge from 'utils-merge';

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Copy the enumerable properties of `source` onto `target`, as 1.x does with
 * `utils-merge` (own and inherited keys, later values win), so extension
 * parsers see the same merge semantics, except for one key: `__proto__`.
 * A parser that returns `JSON.parse('{"__proto__": {...}}')` has an own
 * `__proto__` key, and assigning it would replace the prototype of the
 * target (the authorization request); it is skipped.
 */
export function merge<T extends object>(target: T, source: unknown): T {
  if (!source) return target;
  const src = source as Record<string, unknown>;
  const proto = Object.getPrototypeOf(src);
  // Plain objects without an own `__proto__` key take utils-merge as before.
  if ((proto === Object.prototype || proto === null) && !hasOwn.call(src, '__proto__')) {
    utilsMerge(target, src);
    return target;
  }
  for (const key in src) {
    if (key === '__proto__') continue;
    (target as Record<string, unknown>)[key] = src[key];
  }
  return target;
}
