/** The option table the bundled grants share (`lib/checkOptions.ts`); kept out of the public typings. */
import { STRING_OR_STRINGS, STRINGS, type OptionTable } from '../lib/checkOptions.js';
import type { GrantOptions } from './authorizationResponse.js';

/** What each option shared by the bundled grants accepts. */
export const GRANT_OPTIONS = {
  scopeSeparator: STRING_OR_STRINGS,
  modes: 'object',
  responseModes: STRINGS,
} as const satisfies OptionTable<GrantOptions>;
