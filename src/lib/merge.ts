import utilsMerge from 'utils-merge';

/**
 * Copy the enumerable properties of `source` onto `target`, as 1.x does with
 * `utils-merge`, so extension parsers see the same merge semantics.
 */
export function merge<T extends object>(target: T, source: unknown): T {
  if (source) utilsMerge(target, source as object);
  return target;
}
