import { AuthorizationError } from '../errors/authorizationerror.js';
import { redirect, withQuery } from '../lib/redirect.js';
import { addIssuer, redirectStatusOf } from '../settings/profile.js';
import type { OAuth2ServerResponse, OAuth2Transaction, ResponseMode } from '../types.js';

/**
 * The `query` response mode: redirect to `txn.redirectURI` with `params`
 * added to its query string, keeping the parameters already there. `iss`
 * is added when the server has an issuer (RFC 9207).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export const query: ResponseMode = function query(txn: OAuth2Transaction<any, any>, res: OAuth2ServerResponse, params: Record<string, unknown>): void {
  redirect(res, withQuery(txn.redirectURI as string, addIssuer(txn, params)), redirectStatusOf(txn));
};
query.validate = validateRedirect;

/** Throws unless the transaction has a redirect URI to send the response to. */
export function validateRedirect(txn: OAuth2Transaction<any, any>): void {
  if (!txn.redirectURI) {
    throw new AuthorizationError('Unable to issue redirect for OAuth 2.0 transaction', 'server_error');
  }
}
