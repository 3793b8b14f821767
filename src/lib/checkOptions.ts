/**
 * The one runtime check of a factory's options, done once, at construction:
 * TypeScript checks them for TypeScript users, this checks them for
 * everyone else (most 1.x apps are JavaScript).
 *
 * Each factory declares a table, option name → what it accepts
 * ({@link OptionTable}), typed against its options interface so that an
 * option added to the interface without a table entry fails to compile.
 * {@link checkOptions} then throws a `TypeError` naming the option and what
 * it accepts for:
 * - a value of the wrong type (`hardened: 'false'`, `pkce: { required: 'yes' }`
 *   through the option's own check);
 * - an unknown key that is a near miss of a known one (`hardend`,
 *   `userproperty`): "did you mean hardened?".
 *
 * Other unknown keys are logged under `DEBUG=oauth2orize` only: 1.x ignored
 * them, and apps pass one shared configuration object to several factories.
 * `undefined` is accepted for every option (it means "not set").
 */
import { debug } from './debug.js';

/** The kinds of value an option may take. */
export type Kind = 'boolean' | 'string' | 'number' | 'function' | 'object' | 'array' | 'false';

/**
 * What one option accepts: a kind, several kinds, or kinds with a check of
 * the value that returns a complaint (completing "must ...") or nothing.
 */
export type Rule =
  | Kind
  | readonly Kind[]
  | {
      readonly kinds: readonly Kind[];
      /** Returns what is wrong (a phrase after "option X "), or `undefined` when the value is fine. */
      readonly check?: (value: unknown) => string | undefined;
    };

/** A factory's table: every option of `O`, and nothing else. */
export type OptionTable<O> = { readonly [K in keyof O]-?: Rule };

function kindOf(value: unknown): Kind | 'null' | 'other' {
  if (value === false) return 'false';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'number':
      return Number.isNaN(value) ? 'other' : 'number';
    case 'function':
      return 'function';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? 'array' : 'object';
    default:
      return 'other';
  }
}

function accepts(kinds: readonly Kind[], value: unknown): boolean {
  const kind = kindOf(value);
  if (kind === 'false') return kinds.includes('false') || kinds.includes('boolean');
  return (kinds as readonly string[]).includes(kind);
}

const ARTICLE: Record<Kind, string> = {
  boolean: 'a boolean',
  string: 'a string',
  number: 'a number',
  function: 'a function',
  object: 'an object',
  array: 'an array',
  false: 'false',
};

function describeKinds(kinds: readonly Kind[]): string {
  const words = kinds.map((k) => ARTICLE[k]);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words[0]!;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/**
 * The optimal string alignment distance (Levenshtein with adjacent
 * transpositions): `hardend`/`hardened` is 1, `pcke`/`pkce` is 1.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d[i] = [i];
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known option an unknown key most likely misspells, or `undefined`:
 * the same name in another case, or a name at distance 1 (2 for names of
 * eight letters or more). Names under four letters are never guessed.
 */
export function nearMiss(key: string, known: readonly string[]): string | undefined {
  if (key.length < 4) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    if (name.toLowerCase() === key.toLowerCase()) return name;
    const limit = Math.min(name.length, key.length) >= 8 ? 2 : 1;
    const distance = editDistance(key, name);
    if (distance <= limit && distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Check `options` against `table`; see the module comment. Throws a
 * `TypeError` whose message starts with `where` and names the option.
 *
 * @param where - The factory as an app names it: `oauth2orize.createServer`.
 * @param options - What the app passed (anything: JavaScript callers).
 * @param table - The factory's {@link OptionTable}.
 */
export function checkOptions(where: string, options: unknown, table: Readonly<Record<string, Rule>>): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    // 1.x factories take a function first, and read nothing from other values; only objects are checked.
    return;
  }
  const known = Object.keys(table);
  for (const key of Object.keys(options)) {
    const value = (options as Record<string, unknown>)[key];
    const rule = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
    if (rule === undefined) {
      const guess = nearMiss(key, known);
      if (guess !== undefined) throw new TypeError(`${where}: unknown option ${key}: did you mean ${guess}?`);
      if (debug.enabled) debug('%s: unknown option %s ignored (known: %s)', where, key, known.join(', '));
      continue;
    }
    if (value === undefined) continue;
    const kinds: readonly Kind[] = typeof rule === 'string' ? [rule] : 'kinds' in rule ? rule.kinds : (rule as readonly Kind[]);
    if (!accepts(kinds, value)) {
      throw new TypeError(`${where}: option ${key} must be ${describeKinds(kinds)}, got ${describeValue(value)}`);
    }
    const check = typeof rule === 'object' && 'kinds' in rule ? rule.check : undefined;
    const complaint = check ? check(value) : undefined;
    if (complaint !== undefined) throw new TypeError(`${where}: option ${key} ${complaint}`);
  }
}

/** A rule for an array of strings (`scopeSeparator`'s list form, `algorithms`, ...). */
export const STRINGS: Rule = {
  kinds: ['array'],
  check: (value) => ((value as unknown[]).every((v) => typeof v === 'string') ? undefined : 'must hold only strings'),
};

/** A rule for a string or an array of strings. */
export const STRING_OR_STRINGS: Rule = {
  kinds: ['string', 'array'],
  check: (value) => (typeof value === 'string' || (value as unknown[]).every((v) => typeof v === 'string') ? undefined : 'must be a string or an array of strings'),
};

/** A rule for a positive integer (a length, a count, seconds). */
export const POSITIVE_INTEGER: Rule = {
  kinds: ['number'],
  check: (value) => (Number.isInteger(value) && (value as number) > 0 ? undefined : `must be a positive integer, got ${String(value)}`),
};

/** A rule for a number above 0 (seconds, which may be fractional). */
export const POSITIVE: Rule = {
  kinds: ['number'],
  check: (value) => ((value as number) > 0 ? undefined : `must be a positive number, got ${String(value)}`),
};

/** A rule for a number of at least 0 (a tolerance, a TTL that may be 0). */
export const NON_NEGATIVE: Rule = {
  kinds: ['number'],
  check: (value) => ((value as number) >= 0 ? undefined : `must be 0 or more, got ${String(value)}`),
};

/** A rule for a replay store option: an object with `claimOnce`, or `false` to turn the check off. */
export const REPLAY_STORE: Rule = {
  kinds: ['object', 'false', 'boolean', 'string', 'number', 'array', 'function'],
  check: (value) => (value === false || (typeof value === 'object' && value !== null && typeof (value as { claimOnce?: unknown }).claimOnce === 'function')
    ? undefined
    : 'must be a ReplayStore (claimOnce) or false'),
};
