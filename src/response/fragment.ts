import { redirect, withFragment } from '../lib/redirect.js';
import { validateRedirect } from './query.js';
import { addIssuer, redirectStatusOf } from '../settings/profile.js';
import type { OAuth2ServerResponse, OAuth2Transaction, ResponseMode } from '../types.js';

/**
 * The `fragment` response mode: redirect to `txn.redirectURI` with `params`
 * in the fragment, which the user agent keeps from the server. Used by the
 * implicit grant, whose tokens must not reach the client's server logs.
 * `iss` is added when the server has an issuer (RFC 9207).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.2.2
 */
export const fragment: ResponseMode = function fragment(txn: OAuth2Transaction<any, any>, res: OAuth2ServerResponse, params: Record<string, unknown>): void {
  redirect(res, withFragment(txn.redirectURI as string, addIssuer(txn, params)), redirectStatusOf(txn));
};
fragment.validate = validateRedirect;
