/** The option table the bundled exchanges share (`lib/checkOptions.ts`); kept out of the public typings. */
import { STRING_OR_STRINGS, type OptionTable } from '../lib/checkOptions.js';
import type { ExchangeOptions } from '../types.js';

/** The options every bundled exchange shares, and what they accept. */
export const EXCHANGE_OPTIONS = {
  userProperty: 'string',
  scopeSeparator: STRING_OR_STRINGS,
} as const satisfies OptionTable<ExchangeOptions>;
