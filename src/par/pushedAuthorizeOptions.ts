/** The option table of the pushed-request options `authorize` takes (`lib/checkOptions.ts`); kept out of the public typings. */
import type { OptionTable } from '../lib/checkOptions.js';
import type { PushedAuthorizeOptions } from './loadPushedRequest.js';

/** What each of the options `authorize` takes for pushed requests accepts. */
export const PUSHED_AUTHORIZE_OPTIONS = {
  loadPushedRequest: 'function',
  requirePushedRequests: 'boolean',
  now: 'function',
} as const satisfies OptionTable<PushedAuthorizeOptions>;
