import { separatorsOf } from './params.js';
import { misuseError } from './misuse.js';
import { USER_PROPERTY } from '../settings/settings.js';

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
  // `server.exchange(oauth2orize.exchange.password)`, the factory itself registered:
  // the token endpoint calls it with (req, res, next). The throw reaches `next`.
  if (looksLikeRouterCall(options, issue)) throw misuseError(`oauth2orize.exchange.${name}`);
  if (typeof options === 'function') {
    issue = options as F;
    options = undefined;
  }
  if (!issue) throw new TypeError(`oauth2orize.${name} exchange requires an issue callback`);
  const opts = (options || {}) as ExchangeOptions;
  return {
    issue,
    userProperty: opts.userProperty || USER_PROPERTY,
    separators: separatorsOf(opts.scopeSeparator),
  };
}

/** `(req, res)` where `(options, issue)` were expected. */
function looksLikeRouterCall(options: unknown, issue: unknown): boolean {
  const req = options as { method?: unknown; headers?: unknown } | null;
  const res = issue as { setHeader?: unknown; end?: unknown } | null;
  return typeof req === 'object' && req !== null && typeof req.method === 'string' && typeof req.headers === 'object'
    && typeof res === 'object' && res !== null && typeof res.setHeader === 'function' && typeof res.end === 'function';
}
