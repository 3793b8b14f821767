/** The option table of the session store's middleware options, shared by every 1.x endpoint (`lib/checkOptions.ts`); kept out of the public typings. */
import { POSITIVE_INTEGER, type OptionTable } from '../lib/checkOptions.js';
import type { SessionStoreOptions } from './session.js';

/** What each option of the session store's middleware accepts (shared by every 1.x endpoint). */
export const SESSION_STORE_OPTIONS = {
  sessionKey: 'string',
  transactionField: 'string',
  idLength: POSITIVE_INTEGER,
} as const satisfies OptionTable<SessionStoreOptions>;
