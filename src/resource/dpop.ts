/**
 * The `DPoP` authorization scheme at a protected resource (RFC 9449 §7):
 * the options of `bearer({ dpop })`, resolved once, and the proof check the
 * middleware runs beside the app's `verify`.
 */
import type { IncomingMessage } from 'node:http';
import { checkDpopAlgs, DEFAULT_DPOP_ALGS, verifyDpopProof, type DpopProof } from '../dpop/proof.js';
import type { DpopNonces } from '../dpop/nonce.js';
import { MemoryReplayStore, type ReplayStore } from '../stores/replay.js';

/**
 * The `dpop` option of {@link bearer}: accept DPoP-bound access tokens
 * (`Authorization: DPoP <token>` with a `DPoP` proof header).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 * @group Resource servers
 */
export interface BearerDpopOptions {
  /**
   * Accept only the `DPoP` scheme: a token presented as `Bearer` is refused
   * (`invalid_token`), and challenges name `DPoP` alone. Default `false`:
   * both schemes, but a DPoP-bound token (one whose info has `cnf.jkt`) is
   * refused as `Bearer` either way.
   */
  required?: boolean;
  /** The algs accepted for proofs, asymmetric only; sent as `algs` in challenges. Default `['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256']`. */
  algs?: readonly string[];
  /** Where proofs' `jti` are claimed once. Default: an in-memory store of this middleware; share a `RedisReplayStore` between instances. */
  replay?: ReplayStore;
  /** Require nonces issued by these (`use_dpop_nonce` with a `DPoP-Nonce` header, RFC 9449 §9). Default: none. */
  nonces?: DpopNonces;
  /** How old a proof's `iat` may be, in seconds. Default 300. */
  maxAge?: number;
  /** How far a proof's `iat` may be ahead of the clock, in seconds. Default 10. */
  clockSkew?: number;
  /** The external URL of the app's root when proxies hide it (see `VerifyDpopProofOptions.baseUrl`). */
  baseUrl?: string;
}

/** A middleware's resolved DPoP settings. */
export interface ResourceDpop {
  readonly required: boolean;
  readonly algs: readonly string[];
  readonly replay: ReplayStore;
  readonly nonces: DpopNonces | undefined;
  readonly maxAge: number | undefined;
  readonly clockSkew: number | undefined;
  readonly baseUrl: string | undefined;
}

const KEYS = ['required', 'algs', 'replay', 'nonces', 'maxAge', 'clockSkew', 'baseUrl'];

function seconds(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`oauth2orize.bearer: dpop.${name} must be a number of seconds, at least 0`);
  return value;
}

/** Resolve the `dpop` option of `bearer`; `undefined` when off. Throws a `TypeError` for a bad value. */
export function resolveResourceDpop(option: unknown, now: () => number): ResourceDpop | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (!option || typeof option !== 'object' || Array.isArray(option))) throw new TypeError('oauth2orize.bearer: dpop must be true, false or an object');
  const o = (option === true ? {} : option) as BearerDpopOptions & Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KEYS.includes(key)) throw new TypeError(`oauth2orize.bearer: unknown dpop option ${key}`);
  if (o.required !== undefined && typeof o.required !== 'boolean') throw new TypeError('oauth2orize.bearer: dpop.required must be a boolean');
  const replay = o.replay;
  if (replay !== undefined && (!replay || typeof replay.claimOnce !== 'function')) throw new TypeError('oauth2orize.bearer: dpop.replay must be a ReplayStore (claimOnce)');
  const nonces = o.nonces as (DpopNonces & { check?: unknown; current?: unknown }) | undefined;
  if (nonces !== undefined && (!nonces || typeof nonces.check !== 'function' || typeof nonces.current !== 'function')) throw new TypeError('oauth2orize.bearer: dpop.nonces must be a DpopNonces');
  if (o.baseUrl !== undefined && typeof o.baseUrl !== 'string') throw new TypeError('oauth2orize.bearer: dpop.baseUrl must be a URL string');
  return {
    required: o.required === true,
    algs: o.algs === undefined ? DEFAULT_DPOP_ALGS : checkDpopAlgs(o.algs, 'oauth2orize.bearer: dpop'),
    replay: replay || new MemoryReplayStore({ now }),
    nonces,
    maxAge: seconds(o.maxAge, 'maxAge'),
    clockSkew: seconds(o.clockSkew, 'clockSkew'),
    baseUrl: o.baseUrl,
  };
}

/**
 * What the proof check found: the proof, or the code of the challenge to
 * answer with (`bearer` sends it with 401, RFC 9449 §7.1, §9), its
 * description, and the nonce to send.
 */
export type ProofOutcome = { proof: DpopProof } | { refused: 'invalid_dpop_proof' | 'use_dpop_nonce'; description: string; nonce?: string };

/** Check the request's proof for `token` (with `ath`); never rejects. */
export function checkResourceProof(req: IncomingMessage, token: string, dpop: ResourceDpop, now: () => number): Promise<ProofOutcome> {
  return verifyDpopProof(req, {
    accessToken: token,
    algs: dpop.algs,
    replay: dpop.replay,
    nonces: dpop.nonces,
    maxAge: dpop.maxAge,
    clockSkew: dpop.clockSkew,
    baseUrl: dpop.baseUrl,
    now,
  }).then(
    (proof): ProofOutcome => ({ proof }),
    (err: unknown): ProofOutcome => {
      const e = (err && typeof err === 'object' ? err : {}) as { code?: unknown; message?: unknown; dpopNonce?: unknown };
      if (e.code === 'use_dpop_nonce' && typeof e.dpopNonce === 'string') {
        return { refused: 'use_dpop_nonce', description: 'Resource server requires nonce in DPoP proof', nonce: e.dpopNonce };
      }
      return { refused: 'invalid_dpop_proof', description: typeof e.message === 'string' ? e.message : 'Invalid DPoP proof' };
    },
  );
}

/** The `jkt` a token's info binds it to (`cnf.jkt`), if any. */
export function boundJkt(info: Record<string, unknown>): string | undefined {
  const cnf = info.cnf;
  const jkt = cnf && typeof cnf === 'object' ? (cnf as Record<string, unknown>).jkt : undefined;
  return typeof jkt === 'string' && jkt !== '' ? jkt : undefined;
}
