import { call, prepare, shape, type Callback } from './callback.js';
import type { AuthorizationRequest } from '../types.js';

/** What a context-form `validate` resolves to; falsy means no client. */
interface ValidateValue {
  client: unknown;
  redirectURI?: string;
  webOrigin?: string;
}

/**
 * `validate` of the authorization endpoint, as 1.x calls it:
 * `(clientID, redirectURI, done)`, adding `scope` (4) and `type` (5),
 * `(areq, done)` for any other arity, or the arity-1 context form
 * `{ clientID, redirectURI, scope, type, areq }`.
 */
const VALIDATE = shape({
  positional: ['clientID', 'redirectURI'],
  extras: ['scope', 'type'],
  otherwise: ['areq'],
  result(value: ValidateValue | null | undefined | false, validated: ValidatedCallback) {
    if (!value) return validated(null, false);
    validated(null, value.client, value.redirectURI, value.webOrigin);
  },
});

type ValidatedCallback = (err?: unknown, client?: unknown, redirectURI?: string, webOrigin?: string) => void;

/** Choose once how an app's `validate` is called; give the result to {@link callValidate}. */
export function prepareValidate(validate: Function): Callback {
  return prepare(VALIDATE, validate);
}

/**
 * Call an `authorize`-style `validate` callback (see {@link prepareValidate}),
 * as the authorization endpoint does. The pushed authorization request
 * endpoint uses it too, so that one `validate` serves both endpoints. A
 * throw goes to `next`; an async positional `validate` that resolves a value
 * without calling `done` gives that value, read like the context form's.
 * `validated` should be a `once` guard.
 */
export function callValidate(check: Callback, areq: AuthorizationRequest, validated: ValidatedCallback, next: (err?: unknown) => void): void {
  call(check, validated, next, areq.clientID, areq.redirectURI, areq.scope, areq.type, areq);
}
