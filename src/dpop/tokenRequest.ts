/**
 * DPoP at the token endpoint (RFC 9449 §5): the step the token middleware
 * runs before the exchange, and how exchanges read what it found.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenError } from '../errors/tokenerror.js';
import { isObserved, publishEvent } from '../diagnostics/channels.js';
import type { Settings } from '../settings/settings.js';
import type { DpopSettings } from '../settings/dpop.js';
import { MemoryReplayStore, type ReplayStore } from '../stores/replay.js';
import { dpopHeaderOf, verifyDpopProof, type DpopProof } from './proof.js';

/** The proofs validated on each request. */
const proofs = new WeakMap<object, DpopProof>();

/**
 * Whether a proof was ever recorded in this process. Until then no request
 * carries one, and the lookups below answer without touching the WeakMap:
 * servers without the `dpop` option pay nothing per token request.
 */
let recordedAny = false;

/** The replay stores made for servers whose `dpop` option names none. */
const ownStores = new WeakMap<DpopSettings, ReplayStore>();

/**
 * The DPoP proof the token endpoint (or PAR endpoint) validated on this
 * request, if any: exchanges of the app's own and plugins read the key's
 * thumbprint from it (`dpopProofOf(req)?.jkt`). The bundled exchanges hand
 * it to `issue` as `dpop` in the context object.
 *
 * @param req the request
 * @returns the proof, or `undefined` when the request had none
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 *
 * @group DPoP
 */
export function dpopProofOf(req: unknown): DpopProof | undefined {
  if (!recordedAny) return undefined;
  return req && typeof req === 'object' ? proofs.get(req) : undefined;
}

/**
 * Validate the request's proof with the server's DPoP settings, then call
 * `next()`: with no proof (unless required), or with the proof recorded for
 * {@link dpopProofOf}. A refused proof is `next(err)`; a missing or stale
 * nonce also sets the `DPoP-Nonce` header. With nonces on, every answer
 * carries a fresh nonce. `required` overrides the setting's (the PAR
 * endpoint never requires a proof).
 */
export function checkRequestProof(
  settings: Settings,
  endpoint: 'token' | 'par',
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
  required?: boolean,
): void {
  const dpop = settings.dpop;
  if (!dpop) return next();
  if (dpopHeaderOf(req) === undefined) {
    if (!(required ?? dpop.required)) return next();
    if (isObserved('dpopRejected')) publishEvent('dpopRejected', { endpoint, reason: 'no DPoP header' });
    return next(new TokenError('DPoP proof required', 'invalid_dpop_proof', null, 400));
  }
  let replay = dpop.replay || ownStores.get(dpop);
  if (!replay) ownStores.set(dpop, (replay = new MemoryReplayStore({ now: settings.clock })));
  const nonces = dpop.nonce;
  verifyDpopProof(req, {
    algs: dpop.algs,
    replay,
    nonces,
    maxAge: dpop.maxAge,
    clockSkew: dpop.clockSkew,
    baseUrl: dpop.baseUrl,
    now: settings.clock,
    endpoint,
  }).then(
    (proof) => {
      recordedAny = true;
      proofs.set(req, proof);
      if (nonces) res.setHeader('DPoP-Nonce', nonces.current());
      next();
    },
    (err: unknown) => {
      const nonce = err && typeof err === 'object' ? (err as { dpopNonce?: unknown }).dpopNonce : undefined;
      if (typeof nonce === 'string' && !res.headersSent) res.setHeader('DPoP-Nonce', nonce);
      next(err);
    },
  );
}

/**
 * Check that the request's proof is made with the key a code or refresh
 * token is bound to (`bound`, a `jkt`; anything but a non-empty string
 * means not bound).
 *
 * @returns the `invalid_grant` error to answer with, or `undefined`
 */
export function bindingError(req: unknown, bound: unknown, what: string): TokenError | undefined {
  if (typeof bound !== 'string' || bound === '') return undefined;
  const proof = dpopProofOf(req);
  if (!proof) {
    if (isObserved('dpopRejected')) publishEvent('dpopRejected', { endpoint: 'token', reason: `no proof for a DPoP-bound ${what}` });
    return new TokenError(`DPoP proof required: the ${what} is bound to a key`, 'invalid_grant');
  }
  if (proof.jkt !== bound) {
    if (isObserved('dpopRejected')) publishEvent('dpopRejected', { endpoint: 'token', reason: `proof key is not the ${what}'s key` });
    return new TokenError(`DPoP proof key does not match the key the ${what} is bound to`, 'invalid_grant');
  }
  return undefined;
}
