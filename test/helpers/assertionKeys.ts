/**
 * Keys and signing for the tests of the assertion defaults (client assertions
 * and the JWT bearer grant): an EC key the client registered, an RSA key it
 * did not (for key-type mismatches), an HMAC secret, and a signer that takes
 * any header and claims (jose's CompactSign), so that tests can build every
 * kind of bad assertion with a real signature.
 */
import { CompactSign, generateKeyPair, type CryptoKey } from 'jose';

export interface Keys {
  ec: { privateKey: CryptoKey; publicKey: CryptoKey };
  rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  secret: Uint8Array;
}

export async function makeKeys(): Promise<Keys> {
  return {
    ec: await generateKeyPair('ES256'),
    rsa: await generateKeyPair('RS256'),
    secret: new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'),
  };
}

/** Sign `claims` under `header` with `key`; `crit` names header parameters jose is told it understands. */
export function sign(key: CryptoKey | Uint8Array, header: Record<string, unknown>, claims: Record<string, unknown>, crit?: Record<string, boolean>): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader(header as { alg: string })
    .sign(key, crit ? { crit } : undefined);
}
