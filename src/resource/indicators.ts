/**
 * Helpers for apps that issue audience-bound tokens (RFC 8707): the checked
 * `resource` list of a request, and the down-scoping check of a token request
 * against what was granted.
 */
import { TokenError } from '../errors/tokenerror.js';
import { resourcesOf } from '../lib/resource.js';
import type { ParamBag } from '../types.js';

/**
 * The `resource` values of a token request body (or a device authorization
 * body), checked as the exchanges check them: each an absolute URI without
 * fragment, duplicates removed, in request order; `[]` when none. The
 * positional forms of an exchange's `issue` keep 1.x's arguments, so they
 * read the list with this from the `body` they get (the context form has it
 * as `resource`). Throws a `TokenError` `invalid_target` (400) for a bad
 * value, which an exchange has refused before `issue` runs.
 *
 * @example
 * ```ts
 * // fragment
 * server.exchange(oauth2orize.exchange.refreshToken((client, refreshToken, scope, body, done) => {
 *   const resource = oauth2orize.requestedResources(body);
 *   // ...
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 * @param body the parsed request body the exchange was given
 * @returns the requested resources, possibly empty
 * @group Resource servers
 */
export function requestedResources(body: ParamBag | undefined | null): string[] {
  return resourcesOf(body, TokenError).slice();
}

/**
 * Whether every requested resource is one of the granted ones: the check of
 * a token request (a code exchange, a refresh) that narrows the audience of
 * the original grant (RFC 8707 §2.2). An empty request asks for nothing more
 * and is a subset. Answer `invalid_target` when it is not, e.g. with
 * {@link invalidTarget}.
 *
 * @example
 * ```ts
 * // fragment
 * if (!oauth2orize.isSubsetOf(resource, grant.resource)) throw oauth2orize.invalidTarget();
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 * @param requested the resources of the token request
 * @param granted the resources the user approved (at authorize, PAR or device authorization)
 * @group Resource servers
 */
export function isSubsetOf(requested: readonly string[], granted: readonly string[] | undefined | null): boolean {
  const allowed = granted || [];
  return requested.every((r) => allowed.includes(r));
}

/**
 * The `invalid_target` error (400) for a callback to fail with: the
 * requested resource is unknown, not allowed for the client, or not part of
 * the original grant.
 *
 * @example
 * ```ts
 * // fragment
 * return done(oauth2orize.invalidTarget('The token cannot be issued for that resource'));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @param message the `error_description`
 * @group Resource servers
 */
export function invalidTarget(message = 'The requested resource is invalid, unknown or not allowed'): TokenError {
  return new TokenError(message, 'invalid_target', null, 400);
}
