/**
 * One request's authentication, after its credentials were read: the app's
 * callbacks (lookup, registered method, secret or certificate check), one
 * after the other, then the outcome.
 */
import { createHash } from 'node:crypto';
import { call, once } from '../lib/callback.js';
import { safeEqual } from '../lib/safeEqual.js';
import type { OAuth2IncomingMessage, OAuth2ServerResponse, ParamBag } from '../types.js';
import type { SecretPair } from './basic.js';
import { ASSERTED, type Config } from './config.js';
import { failed, type Presented } from './credentials.js';
import { CERTIFICATE_METHODS, type ClientAuthMethod } from './methods.js';
import type { ClientAuthInfo } from './options.js';
import type { TokenError } from '../errors/tokenerror.js';

/** A secret in clear equals the presented one: their SHA-256 digests compared in constant time, so neither length shows. */
function sameSecret(stored: unknown, given: string): boolean {
  let bytes: Uint8Array;
  if (typeof stored === 'string' && stored !== '') bytes = Buffer.from(stored, 'utf8');
  else if (stored instanceof Uint8Array && stored.length) bytes = stored;
  else return false;
  const a = createHash('sha256').update(bytes).digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return safeEqual(a, b);
}

/** The registered methods, as a list. */
function asList(registered: unknown): readonly string[] | undefined {
  if (typeof registered === 'string' && registered) return [registered];
  if (Array.isArray(registered) && registered.length) return registered.filter((m): m is string => typeof m === 'string');
  return undefined;
}

/**
 * One request's authentication: the steps after the credentials were read,
 * each an app callback, then the outcome.
 */
export class Attempt {
  private client: unknown;
  private clientFor: string | undefined;
  private reason: TokenError | undefined;

  constructor(
    private readonly cfg: Config,
    private readonly req: OAuth2IncomingMessage,
    private readonly res: OAuth2ServerResponse,
    private readonly body: ParamBag,
    private readonly presented: Exclude<Presented, { kind: 'refused' }>,
    private readonly finish: (err: unknown, client?: unknown, info?: ClientAuthInfo) => void,
  ) {}

  run(): void {
    const p = this.presented;
    if (p.kind === 'secret') return this.tryPair(p.method, p.pairs, 0);
    if (p.kind === 'assertion') return this.assert(p.method);
    this.bare(p.clientId);
  }

  /** Find the client of `id`, once per identifier. */
  private find(id: string, then: (client: unknown) => void): void {
    if (this.clientFor === id) return then(this.client);
    const done = once((err?: unknown, client?: unknown): void => {
      if (err) return this.finish(err);
      this.clientFor = id;
      this.client = client || undefined;
      then(this.client);
    });
    call(this.cfg.lookup, done, 'done', id, this.body);
  }

  /** Whether the client's registered methods (if it has any) include `method`; `none` and the TLS methods must be registered. */
  private allows(client: unknown, method: ClientAuthMethod, then: (ok: boolean, registered: readonly string[] | undefined) => void): void {
    const done = once((err?: unknown, registered?: unknown): void => {
      if (err) return this.finish(err);
      const list = asList(registered);
      if (list) return then(list.includes(method), list);
      then(method !== 'none' && !CERTIFICATE_METHODS.includes(method), undefined);
    });
    call(this.cfg.methodOf, done, 'done', client);
  }

  /** Try the secret pairs in order (the decoded Basic pair, then the raw one); the first failure names the error. */
  private tryPair(method: ClientAuthMethod, pairs: readonly SecretPair[], i: number): void {
    if (i >= pairs.length) return this.finish(this.reason || failed('Client authentication failed', 'bad_secret'));
    const { id, secret } = pairs[i]!;
    const next = (reason: TokenError): void => {
      this.reason = this.reason || reason;
      this.tryPair(method, pairs, i + 1);
    };
    this.find(id, (client) => {
      if (!client) return next(failed('Client authentication failed', 'unknown_client'));
      this.allows(client, method, (ok) => {
        if (!ok) return next(failed(`The client is not registered for ${method}`, 'method_not_registered'));
        this.checkSecret(client, id, secret, method, (match) => {
          if (match) return this.finish(null, client, { method });
          next(failed('Client authentication failed', 'bad_secret'));
        });
      });
    });
  }

  private checkSecret(client: unknown, id: string, secret: string, method: ClientAuthMethod, then: (match: boolean) => void): void {
    const cfg = this.cfg;
    if (cfg.verifySecret) {
      const done = once((err?: unknown, ok?: unknown): void => (err ? this.finish(err) : then(!!ok)));
      return call(cfg.verifySecret, done, 'done', client, secret, id, method);
    }
    const done = once((err?: unknown, stored?: unknown): void => (err ? this.finish(err) : then(sameSecret(stored, secret))));
    call(cfg.secretOf, done, 'done', client);
  }

  /** `private_key_jwt` / `client_secret_jwt`: {@link clientAssertion} verifies, then the registered method is enforced. */
  private assert(method: ClientAuthMethod): void {
    const bag = this.req as unknown as ParamBag;
    bag[ASSERTED] = undefined;
    this.cfg.assertion!(this.req, this.res, (err?: unknown) => {
      const client = bag[ASSERTED];
      delete bag[ASSERTED];
      if (err) return this.finish(err);
      if (!client) return this.finish(failed('Invalid client assertion', 'bad_assertion'));
      this.allows(client, method, (ok) => {
        if (!ok) return this.finish(failed(`The client is not registered for ${method}`, 'method_not_registered'));
        this.finish(null, client, { method });
      });
    });
  }

  /** A bare `client_id`: a public client (`none`), or the TLS methods, as the client's registration says. */
  private bare(id: string): void {
    const cfg = this.cfg;
    this.find(id, (client) => {
      if (!client) return this.finish(failed('Client authentication failed', 'unknown_client'));
      this.allows(client, 'none', (isPublic, registered) => {
        if (isPublic && cfg.methods.has('none')) return this.finish(null, client, { method: 'none' });
        const tls = CERTIFICATE_METHODS.find((m) => cfg.methods.has(m) && registered && registered.includes(m));
        if (!tls) return this.finish(failed('Client authentication required', 'missing_credentials'));
        const got = once((err?: unknown, certificate?: unknown): void => {
          if (err) return this.finish(err);
          if (!certificate) return this.finish(failed('Client certificate required', 'no_certificate', tls));
          const checked = once((e?: unknown, ok?: unknown): void => {
            if (e) return this.finish(e);
            if (!ok) return this.finish(failed('Client certificate not accepted', 'bad_certificate', tls));
            this.finish(null, client, { method: tls, certificate });
          });
          call(cfg.verifyCertificate!, checked, 'done', client, certificate, id, tls, this.req);
        });
        call(cfg.certificateOf, got, 'done', this.req);
      });
    });
  }
}

