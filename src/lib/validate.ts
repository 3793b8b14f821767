import { catchRejection, settle } from './async.js';
import type { AuthorizationRequest } from '../types.js';

/** What a context-form `validate` resolves to; falsy means no client. */
interface ValidateValue {
  client: unknown;
  redirectURI?: string;
  webOrigin?: string;
}

/**
 * Call an `authorize`-style `validate` callback by its arity, as the
 * authorization endpoint does: `(areq, done)`, `(clientID, redirectURI,
 * done)`, adding `scope` (4) and `type` (5), or the arity-1 context form.
 * The pushed authorization request endpoint uses it so that one `validate`
 * serves both endpoints. A throw before `done` goes to `next`; an async
 * positional `validate` that resolves a value without calling `done` gives
 * that value, read like the context form's. `validated` should be a `once`
 * guard.
 */
export function callValidate(
  check: Function,
  areq: AuthorizationRequest,
  validated: (err?: unknown, client?: unknown, redirectURI?: string, webOrigin?: string) => void,
  next: (err?: unknown) => void,
): void {
  const resolved = (value: unknown): void => {
    const v = value as ValidateValue | null | undefined | false;
    if (!v) return validated(null, false);
    validated(null, v.client, v.redirectURI, v.webOrigin);
  };
  try {
    let returned: unknown;
    switch (check.length) {
      case 5: returned = check(areq.clientID, areq.redirectURI, areq.scope, areq.type, validated); break;
      case 4: returned = check(areq.clientID, areq.redirectURI, areq.scope, validated); break;
      case 3: returned = check(areq.clientID, areq.redirectURI, validated); break;
      case 1: {
        const context = { clientID: areq.clientID, redirectURI: areq.redirectURI, scope: areq.scope, type: areq.type, areq };
        return settle(check(context), resolved, validated);
      }
      default: returned = check(areq, validated);
    }
    catchRejection(returned, validated, check, resolved);
  } catch (err) {
    next(err);
  }
}
