/**
 * What a request presents to authenticate its client, read before anything
 * is checked: which method, which client identifier (it keys the throttle),
 * and the secrets to try. RFC 6749 §2.3 allows one method per request.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
import { TokenError } from '../errors/tokenerror.js';
import { tokenError } from '../lib/endpoint.js';
import { parseCompactJws } from '../lib/jws.js';
import { stringParam } from '../lib/params.js';
import type { OAuth2IncomingMessage, ParamBag } from '../types.js';
import { isBasic, MAX_CREDENTIAL, parseBasic, type SecretPair } from './basic.js';
import type { Config } from './config.js';
import { assertionMethodOf, type ClientAuthMethod } from './methods.js';

/** What the request presents, before anything is checked. */
export type Presented =
  | { readonly kind: 'secret'; readonly method: ClientAuthMethod; readonly clientId: string; readonly pairs: readonly SecretPair[] }
  | { readonly kind: 'assertion'; readonly method: ClientAuthMethod; readonly clientId: string | undefined }
  | { readonly kind: 'bare'; readonly clientId: string }
  | { readonly kind: 'refused'; readonly clientId: string | undefined; readonly method: ClientAuthMethod | undefined; readonly error: TokenError };

/**
 * Why an authentication failed, for the `oauth2orize:client_auth_failed`
 * diagnostics event: a short, fixed word, never a credential.
 */
export type FailureReason =
  | 'missing_credentials'
  | 'malformed_credentials'
  | 'method_not_accepted'
  | 'unknown_client'
  | 'bad_secret'
  | 'method_not_registered'
  | 'bad_assertion'
  | 'no_certificate'
  | 'bad_certificate';

const reasons = new WeakMap<object, { reason: FailureReason; method: ClientAuthMethod | undefined }>();

/** An `invalid_client` failure (401), with its reason and, when known here, the method tried. */
export function failed(message: string, reason: FailureReason, method?: ClientAuthMethod): TokenError {
  const err = tokenError(message, 'invalid_client', 401);
  reasons.set(err, { reason, method });
  return err;
}

/**
 * The reason and method of a failure made by {@link failed}; an assertion
 * refused by `clientAssertion` is `bad_assertion`, its method unknown here.
 */
export function reasonOf(err: object): { reason: FailureReason; method: ClientAuthMethod | undefined } {
  return reasons.get(err) || { reason: 'bad_assertion', method: undefined };
}

/**
 * Read what the request presents. Throws `invalid_request` for a request
 * that is malformed as a whole (two methods, repeated parameters, a
 * `client_id` that contradicts the Basic one); credentials that cannot
 * authenticate anyone are `refused` (invalid_client, counted as a failure).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export function present(req: OAuth2IncomingMessage, body: ParamBag, cfg: Config): Presented {
  const header = req.headers.authorization;
  const hasHeader = header !== undefined;
  const hasSecret = body.client_secret !== undefined;
  const hasAssertion = body.client_assertion !== undefined || body.client_assertion_type !== undefined;
  // RFC 6749 §2.3: "The client MUST NOT use more than one authentication
  // method in each request"; §5.2 makes that invalid_request.
  if (Number(hasHeader) + Number(hasSecret) + Number(hasAssertion) > 1) {
    throw tokenError('Client authenticated with more than one method', 'invalid_request');
  }
  let clientId = stringParam(body, 'client_id', TokenError) || undefined;
  if (clientId !== undefined && clientId.length > MAX_CREDENTIAL) clientId = undefined;
  const refused = (message: string, reason: FailureReason, method?: ClientAuthMethod, id = clientId): Presented =>
    ({ kind: 'refused', clientId: id, method, error: failed(message, reason) });

  if (hasHeader) {
    if (typeof header !== 'string' || !isBasic(header)) return refused('Unsupported authentication scheme', 'method_not_accepted');
    if (!cfg.methods.has('client_secret_basic')) return refused('client_secret_basic is not accepted here', 'method_not_accepted', 'client_secret_basic');
    const basic = parseBasic(header, cfg.legacyBasic);
    if (basic.reason !== undefined) return refused(basic.reason, 'malformed_credentials', 'client_secret_basic');
    if (clientId !== undefined && !basic.pairs.some((p) => p.id === clientId)) {
      throw tokenError('client_id does not match the client of the Authorization header', 'invalid_request');
    }
    return { kind: 'secret', method: 'client_secret_basic', clientId: basic.pairs[0]!.id, pairs: basic.pairs };
  }
  if (hasSecret) {
    const secret = stringParam(body, 'client_secret', TokenError);
    if (!cfg.methods.has('client_secret_post')) return refused('client_secret_post is not accepted here', 'method_not_accepted', 'client_secret_post');
    if (clientId === undefined) return refused('Missing client_id', 'malformed_credentials', 'client_secret_post');
    if (!secret || secret.length > MAX_CREDENTIAL) return refused('Empty or oversized client_secret', 'malformed_credentials', 'client_secret_post');
    return { kind: 'secret', method: 'client_secret_post', clientId, pairs: [{ id: clientId, secret }] };
  }
  if (hasAssertion) {
    // The assertion's own claims name the client when the body does not; not
    // verified yet, it only keys the throttle and picks the method by `alg`.
    const assertion = body.client_assertion;
    const parsed = typeof assertion === 'string' ? parseCompactJws(assertion) : undefined;
    const jws = typeof parsed === 'object' ? parsed : undefined;
    const sub = jws && typeof jws.claims.sub === 'string' && jws.claims.sub.length <= MAX_CREDENTIAL ? jws.claims.sub : undefined;
    const method = assertionMethodOf(jws && jws.header.alg);
    if (!cfg.assertion || (jws && !cfg.methods.has(method))) return refused(`${jws ? method : 'Client assertions'} not accepted here`, 'method_not_accepted', jws ? method : undefined, clientId ?? sub);
    return { kind: 'assertion', method, clientId: clientId ?? sub };
  }
  if (clientId !== undefined) return { kind: 'bare', clientId };
  return refused('Client authentication required', 'missing_credentials', undefined, undefined);
}

