import { separatorsOf } from './params.js';

/** Options shared by the bundled exchanges. */
export interface ExchangeOptions {
  /**
   * The request property that holds the authenticated client. Passport puts
   * it on `req.user`, which is the default.
   */
  userProperty?: string;
  /**
   * Separator(s) used to split the `scope` parameter: a string, or a list
   * tried in order (the first that splits wins). Default `' '`. Ignored by
   * `authorizationCode`, which reads no scope.
   */
  scopeSeparator?: string | readonly string[];
}

/** Normalised factory arguments. */
export interface ExchangeSetup<F> {
  issue: F;
  userProperty: string;
  separators: readonly string[];
}

/**
 * Sort out the `(options?, issue)` arguments of an exchange factory, and fail
 * at construction, as 1.x does, when `issue` is missing.
 */
export function setupExchange<F>(name: string, options: ExchangeOptions | F | undefined, issue: F | undefined): ExchangeSetup<F> {
  if (typeof options === 'function') {
    issue = options as F;
    options = undefined;
  }
  if (!issue) throw new TypeError(`oauth2orize.${name} exchange requires an issue callback`);
  const opts = (options || {}) as ExchangeOptions;
  return {
    issue,
    userProperty: opts.userProperty || 'user',
    separators: separatorsOf(opts.scopeSeparator),
  };
}
