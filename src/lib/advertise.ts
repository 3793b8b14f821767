/**
 * What a server advertises in its RFC 8414 authorization server metadata.
 *
 * Grants, exchanges and endpoint factories call {@link advertise} when they
 * are registered on (or created from) a server; the metadata middleware reads
 * the result with {@link advertised}. Array fields are merged as sets in
 * first-seen order; other fields keep the last value given.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */

const contributions = new WeakMap<object, Record<string, unknown>>();

/** Record metadata fields that `server` supports. */
export function advertise(server: object, fields: Readonly<Record<string, unknown>>): void {
  let into = contributions.get(server);
  if (!into) {
    into = Object.create(null) as Record<string, unknown>;
    contributions.set(server, into);
  }
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    const had = into[key];
    if (Array.isArray(value)) {
      const list = Array.isArray(had) ? had.slice() : [];
      for (const item of value) if (!list.includes(item)) list.push(item);
      into[key] = list;
    } else if (value !== undefined) {
      into[key] = value;
    }
  }
}

/** A copy of the fields recorded for `server` (an empty object if none). */
export function advertised(server: object): Record<string, unknown> {
  const from = contributions.get(server);
  const out: Record<string, unknown> = {};
  if (!from) return out;
  for (const key of Object.keys(from)) {
    const value = from[key];
    out[key] = Array.isArray(value) ? value.slice() : value;
  }
  return out;
}
