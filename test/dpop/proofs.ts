/**
 * DPoP proofs for the tests, signed with node:crypto: a key per alg, and a
 * proof builder whose header, claims and signature can each be spoiled.
 */
import { createHash, generateKeyPairSync, randomUUID, sign, constants, type KeyObject } from 'node:crypto';

export interface TestKey {
  alg: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
  privateJwk: Record<string, unknown>;
}

const cache = new Map<string, TestKey>();

/** A key pair for `alg` (cached: RSA generation is slow); `fresh` makes a new one. */
export function keyFor(alg = 'ES256', fresh = false): TestKey {
  const cached = cache.get(alg);
  if (cached && !fresh) return cached;
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (alg.startsWith('ES')) pair = generateKeyPairSync('ec', { namedCurve: { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg]! });
  else if (alg === 'EdDSA' || alg === 'Ed25519') pair = generateKeyPairSync('ed25519');
  else pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = {
    alg,
    privateKey: pair.privateKey,
    publicJwk: pair.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    privateJwk: pair.privateKey.export({ format: 'jwk' }) as Record<string, unknown>,
  };
  if (!fresh) cache.set(alg, key);
  return key;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Sign `input` as a JWS with `alg` (the JWS forms: r||s for ECDSA, PSS salt = hash length). */
export function signJws(alg: string, key: KeyObject, input: string): string {
  const data = Buffer.from(input);
  const hash = ({ '256': 'sha256', '384': 'sha384', '512': 'sha512' } as Record<string, string>)[alg.slice(2)];
  if (alg.startsWith('ES')) return sign(hash!, data, { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  if (alg.startsWith('PS')) return sign(hash!, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }).toString('base64url');
  if (alg.startsWith('RS')) return sign(hash!, data, key).toString('base64url');
  return sign(null, data, key).toString('base64url');
}

export interface ProofSpec {
  key?: TestKey;
  htm?: string;
  htu?: string;
  /** Claims merged over the defaults (`undefined` removes one). */
  claims?: Record<string, unknown>;
  /** Header members merged over the defaults (`undefined` removes one). */
  header?: Record<string, unknown>;
  /** Replace the signature. */
  signature?: string;
  accessToken?: string;
  nonce?: string;
  now?: number;
}

function strip(obj: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k];
  return obj;
}

/** A DPoP proof for `htm` `htu`. */
export function proof(spec: ProofSpec = {}): string {
  const key = spec.key || keyFor('ES256');
  const header = strip({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...spec.header });
  const claims = strip({
    jti: randomUUID(),
    htm: spec.htm || 'POST',
    htu: spec.htu || 'http://127.0.0.1/token',
    iat: Math.floor((spec.now ?? Date.now()) / 1000),
    ...(spec.nonce !== undefined ? { nonce: spec.nonce } : {}),
    ...(spec.accessToken !== undefined ? { ath: createHash('sha256').update(spec.accessToken).digest('base64url') } : {}),
    ...spec.claims,
  });
  const input = b64(header) + '.' + b64(claims);
  return input + '.' + (spec.signature ?? signJws(String(header.alg ?? key.alg), key.privateKey, input));
}
