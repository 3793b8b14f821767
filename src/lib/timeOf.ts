/** Milliseconds since the epoch from a `Date`, a number, or an ISO string; `NaN` otherwise. */
export function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  return NaN;
}
