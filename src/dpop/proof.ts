/**
 * DPoP proof validation (RFC 9449 §4.3): the one check the token endpoint,
 * the PAR endpoint and resource servers run on a `DPoP` header.
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TokenError } from '../errors/tokenerror.js';
import { ASYMMETRIC_ALGS, verifyJwsSignature } from '../lib/jws.js';
import { safeEqual } from '../lib/safeEqual.js';
import { isObserved, publishEvent, type EndpointName } from '../diagnostics/channels.js';
import { systemClock } from '../settings/clock.js';
import { MemoryReplayStore, type ReplayStore } from '../stores/replay.js';
import { importPublicJwk, jwkThumbprint, publicJwkProblem, type PublicJwk } from './jwk.js';
import type { DpopNonces } from './nonce.js';

/**
 * The algs a proof may use unless told otherwise: asymmetric, with keys
 * every client library can make. `Ed25519` is the fully-specified name of
 * EdDSA with an Ed25519 key (RFC 9864), which newer clients sign with.
 */
export const DEFAULT_DPOP_ALGS: readonly string[] = Object.freeze(['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256']);

/** Longest `DPoP` header read, in characters (an RSA-4096 proof is about 1.5 KB). */
const MAX_PROOF_LENGTH = 8 * 1024;
/** Longest `jti` accepted. */
const MAX_JTI_LENGTH = 256;

/**
 * Options of {@link verifyDpopProof}.
 *
 * @group DPoP
 */
export interface VerifyDpopProofOptions {
  /** The algs accepted (asymmetric only). Default `['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256']`. */
  algs?: readonly string[];
  /**
   * Where each proof's `jti` is claimed once. Default: one in-memory store
   * shared by every call in this process without this option. Several
   * instances must share a `RedisReplayStore`.
   */
  replay?: ReplayStore;
  /** Require a `nonce` issued by these nonces; absent: nonces are not checked. */
  nonces?: DpopNonces;
  /**
   * The access token the request presents (resource side): the proof must
   * carry its hash in `ath` (RFC 9449 §4.3 item 12).
   */
  accessToken?: string;
  /** How old `iat` may be, in seconds. Default 300. */
  maxAge?: number;
  /** How far `iat` may be ahead of the clock, in seconds. Default 10. */
  clockSkew?: number;
  /**
   * The external URL of the app's root (scheme, host, and any path prefix a
   * proxy strips), e.g. `'https://as.example.com'`: `htu` must be this plus
   * the request's path. Default: the URL Express sees (`req.protocol` and
   * `req.host`, which honour the `trust proxy` setting), else the `Host`
   * header and the socket's TLS.
   */
  baseUrl?: string;
  /** The exact URL `htu` must name (query and fragment ignored), in place of the request's. */
  htu?: string;
  /** The method `htm` must name. Default `req.method`. */
  htm?: string;
  /** The clock, in milliseconds since the epoch. Default `Date.now()`. */
  now?: () => number;
  /** The endpoint named in the `dpopRejected` event. */
  endpoint?: EndpointName;
}

/**
 * A DPoP proof that passed every check.
 *
 * @group DPoP
 */
export interface DpopProof {
  /** The JWK SHA-256 thumbprint of the proof's key (RFC 7638): what `cnf.jkt` and `dpop_jkt` hold. */
  jkt: string;
  /** The proof's public key, as sent. */
  jwk: PublicJwk;
  /** The proof's `alg`. */
  alg: string;
  /** The proof's claims (`jti`, `htm`, `htu`, `iat`, and `nonce`, `ath` when present). */
  claims: Readonly<Record<string, unknown>>;
}

/** The store of calls given no `replay` option. */
let defaultReplay: MemoryReplayStore | undefined;

/** An `invalid_dpop_proof` error (RFC 9449 §5, §7.1), and the event that tells of it. */
function refuse(reason: string, endpoint: EndpointName | undefined): TokenError {
  if (isObserved('dpopRejected')) publishEvent('dpopRejected', endpoint ? { endpoint, reason } : { reason });
  return new TokenError('Invalid DPoP proof: ' + reason, 'invalid_dpop_proof', null, 400);
}

/**
 * The error that asks the client to retry with a server-provided nonce
 * (RFC 9449 §8): `use_dpop_nonce`, with the nonce to use as `dpopNonce`
 * (the token endpoint sends it as the `DPoP-Nonce` header).
 */
export interface UseDpopNonceError extends TokenError {
  /** The nonce the client must put in its next proof. */
  readonly dpopNonce: string;
}

function askForNonce(nonces: DpopNonces, reason: string, endpoint: EndpointName | undefined): UseDpopNonceError {
  if (isObserved('dpopRejected')) publishEvent('dpopRejected', endpoint ? { endpoint, reason } : { reason });
  const err = new TokenError('Authorization server requires nonce in DPoP proof', 'use_dpop_nonce', null, 400);
  return Object.assign(err, { dpopNonce: nonces.current() });
}

/** The one `DPoP` header of a request; a string reason when there is none or more than one. */
export function dpopHeaderOf(req: IncomingMessage): string | undefined | { problem: string } {
  const raw = req.rawHeaders;
  let count = 0;
  if (Array.isArray(raw)) {
    for (let i = 0; i < raw.length; i += 2) if (typeof raw[i] === 'string' && raw[i]!.toLowerCase() === 'dpop') count++;
  }
  const value = req.headers ? req.headers.dpop : undefined;
  if (count > 1 || Array.isArray(value)) return { problem: 'more than one DPoP header' };
  if (value === undefined) return count === 0 ? undefined : { problem: 'empty DPoP header' };
  if (typeof value !== 'string' || value === '') return { problem: 'empty DPoP header' };
  return value;
}

/** The URL a proof's `htu` must name: scheme, host and path of the request. */
function expectedUrl(req: IncomingMessage, options: VerifyDpopProofOptions): URL | undefined {
  const express = req as IncomingMessage & { originalUrl?: string; protocol?: unknown; host?: unknown };
  try {
    if (options.htu !== undefined) return new URL(options.htu);
    const target = express.originalUrl || req.url || '/';
    const path = target.split(/[?#]/, 1)[0] || '/';
    if (options.baseUrl !== undefined) {
      const base = new URL(options.baseUrl);
      return new URL(base.origin + base.pathname.replace(/\/+$/, '') + (path[0] === '/' ? path : '/' + path));
    }
    const header = typeof req.headers.host === 'string' ? req.headers.host : undefined;
    let host = typeof express.host === 'string' && express.host ? express.host : header;
    // Express 4's `req.host` is the host name without the port.
    if (host && header && header.startsWith(host + ':')) host = header;
    if (!host) return undefined;
    const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted;
    const scheme = typeof express.protocol === 'string' && express.protocol ? express.protocol : encrypted ? 'https' : 'http';
    return new URL(`${scheme}://${host}${path[0] === '/' ? path : '/' + path}`);
  } catch {
    return undefined;
  }
}

/** Whether `htu` names `expected`, ignoring query and fragment (RFC 9449 §4.3 item 9). */
function sameUrl(htu: string, expected: URL): boolean {
  let given: URL;
  try {
    given = new URL(htu);
  } catch {
    return false;
  }
  return given.protocol === expected.protocol && given.host === expected.host && given.pathname === expected.pathname;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

function jsonObject(segment: string): Record<string, unknown> | undefined {
  if (segment.length % 4 === 1) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `alg` is one a proof may use: listed and asymmetric (never `none` nor an HMAC). */
function allowed(alg: unknown, algs: readonly string[]): alg is string {
  return typeof alg === 'string' && algs.includes(alg) && ASYMMETRIC_ALGS.includes(alg);
}

/**
 * Check that `algs` lists only asymmetric algs this package verifies.
 * @throws TypeError naming the first that is not
 */
export function checkDpopAlgs(algs: unknown, owner: string): readonly string[] {
  if (!Array.isArray(algs) || algs.length === 0) throw new TypeError(`${owner}: algs must be a non-empty array`);
  for (const alg of algs) {
    if (typeof alg !== 'string' || !ASYMMETRIC_ALGS.includes(alg)) {
      throw new TypeError(`${owner}: ${String(alg)} is not an asymmetric JWS alg (one of ${ASYMMETRIC_ALGS.join(', ')})`);
    }
  }
  return Object.freeze([...algs] as string[]);
}

/**
 * Validate the DPoP proof of a request (RFC 9449 §4.3): exactly one `DPoP`
 * header holding a compact JWS with `typ` `dpop+jwt`, an allowed asymmetric
 * `alg` and a public `jwk`, whose signature verifies with that key; claims
 * `htm` and `htu` naming this request (scheme, host and path; query and
 * fragment ignored), `iat` within `maxAge` seconds back and `clockSkew`
 * ahead, `ath` the hash of `accessToken` when one is given, `nonce` one of
 * `nonces` when given, and a `jti` not seen before (claimed in `replay`).
 *
 * Every failure rejects with a `TokenError` `invalid_dpop_proof` (400), and
 * publishes a `dpopRejected` event with a fixed reason; a missing or stale
 * nonce rejects with `use_dpop_nonce` (400) carrying the nonce to use as
 * `dpopNonce`. A request without a `DPoP` header rejects with
 * `invalid_dpop_proof` too: call it only when DPoP is expected.
 *
 * @param req the request (an Express request, or any `IncomingMessage`)
 * @param options see {@link VerifyDpopProofOptions}
 * @returns the proof, with the key's thumbprint `jkt`
 * @example Resource side
 * ```ts
 * const proof = await oauth2orize.verifyDpopProof(req, { accessToken, replay });
 * if (proof.jkt !== tokenRecord.cnf.jkt) throw new Error('token not bound to this key');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 *
 * @group DPoP
 */
export async function verifyDpopProof(req: IncomingMessage, options: VerifyDpopProofOptions = {}): Promise<DpopProof> {
  const endpoint = options.endpoint;
  const header = req && req.headers ? dpopHeaderOf(req) : undefined;
  if (header === undefined) throw refuse('no DPoP header', endpoint);
  if (typeof header !== 'string') throw refuse(header.problem, endpoint);
  if (header.length > MAX_PROOF_LENGTH) throw refuse('proof is too long', endpoint);
  const parts = header.split('.');
  if (parts.length !== 3) throw refuse('not a compact JWS', endpoint);
  const [h, p, s] = parts as [string, string, string];
  if (!SEGMENT.test(h) || !SEGMENT.test(p) || !SEGMENT.test(s)) throw refuse('not a compact JWS', endpoint);
  const jose = jsonObject(h);
  if (!jose) throw refuse('header is not a JSON object', endpoint);
  if (jose.typ !== 'dpop+jwt') throw refuse('typ is not dpop+jwt', endpoint);
  const algs = options.algs || DEFAULT_DPOP_ALGS;
  if (!allowed(jose.alg, algs)) throw refuse('alg not allowed', endpoint);
  if (jose.crit !== undefined) throw refuse('unsupported crit header', endpoint);
  const jwkProblem = publicJwkProblem(jose.jwk);
  if (jwkProblem) throw refuse(jwkProblem, endpoint);
  const jwk = jose.jwk as PublicJwk;
  const key: KeyObject | undefined = importPublicJwk(jwk);
  if (!key) throw refuse('jwk is not a usable public key', endpoint);
  if (!verifyJwsSignature(jose.alg, key, h + '.' + p, s)) throw refuse('signature does not verify', endpoint);
  const claims = jsonObject(p);
  if (!claims) throw refuse('payload is not a JSON object', endpoint);

  const jti = claims.jti;
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw refuse('no usable jti', endpoint);
  const htm = options.htm !== undefined ? options.htm : req.method;
  if (typeof claims.htm !== 'string' || claims.htm !== htm) throw refuse('htm does not match the request method', endpoint);
  const expected = expectedUrl(req, options);
  if (!expected || typeof claims.htu !== 'string' || !sameUrl(claims.htu, expected)) throw refuse('htu does not match the request URL', endpoint);
  const iat = claims.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw refuse('no usable iat', endpoint);
  const now = (options.now || systemClock)() / 1000;
  const maxAge = options.maxAge === undefined ? 300 : options.maxAge;
  const skew = options.clockSkew === undefined ? 10 : options.clockSkew;
  if (iat < now - maxAge) throw refuse('iat is too old', endpoint);
  if (iat > now + skew) throw refuse('iat is in the future', endpoint);
  if (options.accessToken !== undefined) {
    const ath = claims.ath;
    const hash = createHash('sha256').update(options.accessToken, 'utf8').digest();
    if (typeof ath !== 'string' || !SEGMENT.test(ath) || !safeEqual(Buffer.from(ath, 'base64url'), hash)) {
      throw refuse('ath does not match the access token', endpoint);
    }
  }
  const nonces = options.nonces;
  if (nonces) {
    if (claims.nonce === undefined) throw askForNonce(nonces, 'no nonce', endpoint);
    if (!nonces.check(claims.nonce)) throw askForNonce(nonces, 'stale nonce', endpoint);
  }
  const jkt = jwkThumbprint(jwk);
  const replay = options.replay || (defaultReplay ||= new MemoryReplayStore());
  // Claimed last, so that a proof refused for another reason does not use up its jti.
  if (!(await replay.claimOnce(`dpop|${jkt}|${jti}`, maxAge + skew))) throw refuse('jti was used before', endpoint);
  return { jkt, jwk, alg: jose.alg, claims };
}
