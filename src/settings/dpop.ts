/**
 * The server's DPoP settings (RFC 9449), resolved once from its `dpop`
 * option: the token endpoint validates proofs with them, `grant.code` reads
 * `dpop_jkt` when they are set, and the metadata advertises their algs.
 */
import { ASYMMETRIC_ALGS } from '../lib/jws.js';
import type { DpopNonces } from '../dpop/nonce.js';
import type { ReplayStore } from '../stores/replay.js';

/**
 * The server option `dpop`: DPoP at the token endpoint, for every grant
 * type. A request with a `DPoP` header has its proof validated before the
 * exchange runs; the exchange's `issue` gets the key's thumbprint (context
 * form: `dpop.jkt`), and the token response says `token_type: DPoP`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 * @group DPoP
 */
export interface DpopOptions {
  /** Refuse token requests without a proof (`invalid_dpop_proof`). Default `false`. */
  required?: boolean;
  /** The algs accepted, asymmetric only. Default `['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256']`. */
  algs?: readonly string[];
  /** Where proofs' `jti` are claimed once. Default: an in-memory store of this server; share a `RedisReplayStore` between instances. */
  replay?: ReplayStore;
  /** Require server-provided nonces (`use_dpop_nonce`, RFC 9449 §8): a {@link DpopNonces}. Default: none. */
  nonce?: DpopNonces;
  /** How old a proof's `iat` may be, in seconds. Default 300. */
  maxAge?: number;
  /** How far a proof's `iat` may be ahead of the server's clock, in seconds. Default 10. */
  clockSkew?: number;
  /**
   * The external URL of the app's root, when proxies hide it (see
   * `VerifyDpopProofOptions.baseUrl`). Default: what Express sees, with its
   * `trust proxy` setting.
   */
  baseUrl?: string;
}

/** A server's resolved DPoP settings. `required` is a plain field that a profile may set. */
export interface DpopSettings {
  /** Refuse token requests without a proof. */
  required: boolean;
  /** The algs accepted. */
  readonly algs: readonly string[];
  /** The replay store, when the app gave one (else the token endpoint makes one per server). */
  readonly replay: ReplayStore | undefined;
  /** The nonces, when required. */
  readonly nonce: DpopNonces | undefined;
  /** Seconds back `iat` may be. */
  readonly maxAge: number;
  /** Seconds ahead `iat` may be. */
  readonly clockSkew: number;
  /** The app's base URL, if given. */
  readonly baseUrl: string | undefined;
}

/** The algs accepted when the option names none. */
export const DEFAULT_ALGS: readonly string[] = Object.freeze(['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256']);

function seconds(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`oauth2orize: dpop.${name} must be a number of seconds, at least 0`);
  return value;
}

/** Resolve the `dpop` server option; `undefined` when DPoP is off. Throws a `TypeError` for a bad value. */
export function resolveDpop(option: unknown): DpopSettings | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (!option || typeof option !== 'object' || Array.isArray(option))) throw new TypeError('oauth2orize: dpop must be true, false or an object');
  const o = (option === true ? {} : option) as DpopOptions;
  if (o.required !== undefined && typeof o.required !== 'boolean') throw new TypeError('oauth2orize: dpop.required must be a boolean');
  let algs = DEFAULT_ALGS;
  if (o.algs !== undefined) {
    if (!Array.isArray(o.algs) || o.algs.length === 0) throw new TypeError('oauth2orize: dpop.algs must be a non-empty array');
    for (const alg of o.algs) {
      if (typeof alg !== 'string' || !ASYMMETRIC_ALGS.includes(alg)) throw new TypeError(`oauth2orize: dpop.algs: ${String(alg)} is not an asymmetric JWS alg (${ASYMMETRIC_ALGS.join(', ')})`);
    }
    algs = [...o.algs];
  }
  if (o.replay !== undefined && (!o.replay || typeof (o.replay as ReplayStore).claimOnce !== 'function')) throw new TypeError('oauth2orize: dpop.replay must be a ReplayStore (claimOnce)');
  const nonce = o.nonce as (DpopNonces & { check?: unknown; current?: unknown }) | undefined;
  if (nonce !== undefined && (!nonce || typeof nonce.check !== 'function' || typeof nonce.current !== 'function')) throw new TypeError('oauth2orize: dpop.nonce must be a DpopNonces');
  if (o.baseUrl !== undefined) {
    let ok = typeof o.baseUrl === 'string';
    try {
      ok = ok && /^https?:$/.test(new URL(o.baseUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new TypeError('oauth2orize: dpop.baseUrl must be an http or https URL');
  }
  return {
    required: o.required === true,
    algs: Object.freeze(algs),
    replay: o.replay,
    nonce,
    maxAge: seconds(o.maxAge, 'maxAge', 300),
    clockSkew: seconds(o.clockSkew, 'clockSkew', 10),
    baseUrl: o.baseUrl,
  };
}
