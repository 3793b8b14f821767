/** JWT helpers for the assertion tests: real signatures with `jose`, and raw shapes. */
import { SignJWT, generateKeyPair, exportJWK, type JWK, type CryptoKey } from 'jose';

export const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS built from parts, signature not meaningful. */
export function rawJws(header: unknown, claims: unknown, signature = 'c2ln'): string {
  return `${b64(header)}.${b64(claims)}.${signature}`;
}

export interface TestKey { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK }

export async function keyPair(): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, publicKey, jwk: { ...jwk, alg: 'ES256', use: 'sig', kid: 'k1' } };
}

/** A client assertion for `clientId`, audience `aud`, signed with `key`. */
export function clientAssertionJwt(key: TestKey, clientId: string, aud: string, extra: Record<string, unknown> = {}, jti: string = crypto.randomUUID()): Promise<string> {
  return new SignJWT({ ...extra })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(aud)
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(key.privateKey);
}
