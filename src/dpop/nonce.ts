/**
 * Stateless DPoP nonces (RFC 9449 §8): a nonce is an HMAC of the current
 * time step under a server secret, so every instance that shares the
 * secrets issues and accepts the same nonces without shared state. A nonce
 * is accepted during its own step and the next one, so it lives between one
 * and two steps; several secrets let a secret be rotated (the first one
 * issues, every one is accepted).
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../lib/safeEqual.js';
import { systemClock } from '../settings/clock.js';

/**
 * Options of {@link DpopNonces}.
 *
 * @group DPoP
 */
export interface DpopNonceOptions {
  /**
   * The secrets, newest first: the first signs new nonces, every one is
   * accepted (keep an old secret listed for one step after rotating). Each
   * at least 32 bytes (a string's UTF-8 bytes or a Buffer).
   */
  secrets: readonly (string | Uint8Array)[];
  /** The length of a time step in seconds. Default 300. */
  step?: number;
  /** The clock, in milliseconds since the epoch. Default `Date.now()` (pass the server's `clock` to share it). */
  now?: () => number;
}

const LABEL = 'oauth2orize dpop nonce ';

/**
 * Issues and checks stateless DPoP nonces. A server with the `dpop.nonce`
 * option requires a nonce in every proof at the token endpoint and answers a
 * proof without one, or with a stale one, with `use_dpop_nonce` and a fresh
 * nonce in the `DPoP-Nonce` header.
 *
 * @example
 * ```ts
 * const nonces = new DpopNonces({ secrets: [process.env.DPOP_NONCE_SECRET!] });
 * const server = oauth2orize.createServer({ dpop: { nonce: nonces } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
 *
 * @group DPoP
 */
export class DpopNonces {
  private readonly keys: readonly Buffer[];
  private readonly stepMs: number;
  private readonly now: () => number;

  /**
   * @param options `secrets` (newest first), `step` (seconds), `now`
   */
  constructor(options: DpopNonceOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('DpopNonces requires options with secrets');
    const secrets = options.secrets;
    if (!Array.isArray(secrets) || secrets.length === 0) throw new TypeError('DpopNonces: secrets must be a non-empty array');
    this.keys = secrets.map((secret: unknown) => {
      const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret instanceof Uint8Array ? Buffer.from(secret) : undefined;
      if (!key || key.length < 32) throw new TypeError('DpopNonces: each secret must be a string or bytes of at least 32 bytes');
      return key;
    });
    const step = options.step === undefined ? 300 : options.step;
    if (typeof step !== 'number' || !Number.isFinite(step) || step < 1) throw new TypeError('DpopNonces: step must be a number of seconds, at least 1');
    this.stepMs = step * 1000;
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('DpopNonces: now must be a function');
    this.now = options.now || systemClock;
  }

  private stepOf(): number {
    return Math.floor(this.now() / this.stepMs);
  }

  private sign(key: Buffer, step: number): Buffer {
    return createHmac('sha256', key).update(LABEL + step).digest();
  }

  /** The nonce to hand out now (`DPoP-Nonce`). */
  current(): string {
    return this.sign(this.keys[0]!, this.stepOf()).toString('base64url');
  }

  /**
   * Whether `nonce` was issued in this step or the previous one, under any
   * of the secrets.
   * @param nonce the proof's `nonce` claim
   */
  check(nonce: unknown): boolean {
    if (typeof nonce !== 'string' || nonce.length !== 43 || !/^[A-Za-z0-9_-]+$/.test(nonce)) return false;
    const given = Buffer.from(nonce, 'base64url');
    const step = this.stepOf();
    let ok = false;
    // Every candidate is compared, so the time taken says nothing of which one matched.
    for (const key of this.keys) {
      if (safeEqual(given, this.sign(key, step))) ok = true;
      if (safeEqual(given, this.sign(key, step - 1))) ok = true;
    }
    return ok;
  }
}
