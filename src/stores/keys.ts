/**
 * Keys and windows as the stores take them. A key is any string; one
 * longer than {@link MAX_PLAIN_KEY} characters (or one that starts with the
 * hash marker) is replaced by its SHA-256, so that a caller-supplied value
 * (a client ID, a `jti`) cannot grow a Redis key or a Map key without bound.
 */
import { createHash } from 'node:crypto';

/** Longest key kept as it is. */
export const MAX_PLAIN_KEY = 200;

/** The key a store keeps for `key`. */
export function storeKey(owner: string, key: unknown): string {
  if (typeof key !== 'string') throw new TypeError(`${owner} keys must be strings`);
  if (key.length <= MAX_PLAIN_KEY && key[0] !== '#') return key;
  return '#' + createHash('sha256').update(key, 'utf8').digest('base64url');
}

/** Milliseconds of a positive, finite number of seconds (at least 1 ms). */
export function windowMs(owner: string, what: string, seconds: unknown): number {
  if (typeof seconds !== 'number' || !(seconds > 0) || !Number.isFinite(seconds)) {
    throw new TypeError(`${owner} ${what} must be a positive number of seconds`);
  }
  return Math.max(1, Math.round(seconds * 1000));
}

/** Whole seconds left of `ms` milliseconds, rounded up; 0 when nothing is left. */
export function secondsLeft(ms: number): number {
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/** Check the `maxKeys` option of a memory store. */
export function maxKeysOption(owner: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`${owner} maxKeys must be a positive integer`);
  }
  return value;
}

/** Check the `now` option of a memory store. */
export function clockOption(owner: string, value: unknown): (() => number) | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${owner} now must be a function returning milliseconds`);
  return value as (() => number) | undefined;
}

/** Check the `prefix` option of a Redis store. */
export function prefixOption(owner: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new TypeError(`${owner} prefix must be a string`);
  return value;
}

/** Run `fn` and turn a synchronous throw into a rejection. */
export function settle<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}
