/**
 * The server-level settings of the hardened setup (`issuer`, `hardened`,
 * and the opt-in fixes), resolved once per server into a {@link Profile}.
 * A server created with none of these options has no profile: 1.x apps run
 * exactly the 1.x code paths. Grant modules and exchanges read the profile
 * from the request or transaction ({@link profileOf}); see `carrier.ts`.
 */
import { checkPolicy, type PkcePolicy } from '../pkce.js';
import { checkOptions, type OptionTable } from '../lib/checkOptions.js';
import { carried } from './carrier.js';
import type { ServerOptions } from '../types.js';

/**
 * Options of the hardened profile; see `ServerOptions.hardened`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2
 */
export interface HardenedOptions {
  /** Keep the implicit grant (`response_type=token`) usable. Default `false`. */
  allowImplicit?: boolean;
  /** Keep the resource owner password credentials grant usable. Default `false`. */
  allowPassword?: boolean;
}

/** What each field of {@link HardenedOptions} accepts. */
const HARDENED_OPTIONS = {
  allowImplicit: 'boolean',
  allowPassword: 'boolean',
} as const satisfies OptionTable<HardenedOptions>;

/**
 * The server-wide PKCE policy that `createServer({ pkce })` means: `true` is
 * `{ required: true }` (S256 only), `false` or absent is none (under
 * `hardened`, `false` turns PKCE off; absent keeps the profile's).
 */
export function pkcePolicyOf(pkce: ServerOptions['pkce']): PkcePolicy | undefined {
  if (pkce === true) return { required: true };
  if (!pkce) return undefined;
  checkPolicy(pkce, 'createServer');
  return pkce;
}

/** The settings a server resolved from its options. */
export interface Profile {
  /** The issuer identifier sent as `iss` on authorization responses (RFC 9207). */
  issuer: string | undefined;
  /** Server-wide PKCE policy, the default of `grant.code` and `exchange.code`. */
  pkce: PkcePolicy | undefined;
  /** Whether internal error messages may reach clients. */
  exposeErrors: boolean;
  /** Whether `errorHandler` renders RFC 6749 §5.2 statuses. */
  rfcStatus: boolean;
  /** Whether a missing `grant_type` is `invalid_request` (400). */
  requireGrantType: boolean;
  /** Whether the token endpoint refuses requests with no authenticated client. */
  requireClient: boolean;
  /** Whether the implicit grant answers. */
  allowImplicit: boolean;
  /** Whether the password exchange answers. */
  allowPassword: boolean;
  /** Default length of transaction IDs, in characters (0: the store's own default). */
  idLength: number;
  /** Whether the hardened profile is on. */
  hardened: boolean;
}

/** The subset of `ServerOptions` read here. */
export type ProfileOptions = Pick<ServerOptions, 'issuer' | 'hardened' | 'pkce' | 'exposeErrors' | 'rfcStatus' | 'requireGrantType' | 'requireClient'>;

/** Transaction IDs are base64url: 32 characters carry 192 bits (RFC 9700 wants at least 128). */
export const HARDENED_ID_LENGTH = 32;

const PROFILE_KEYS: ReadonlyArray<keyof ProfileOptions> = ['issuer', 'hardened', 'pkce', 'exposeErrors', 'rfcStatus', 'requireGrantType', 'requireClient'];

/**
 * Resolve a server's options into its profile, or `undefined` when none of
 * the options of this module were given. Invalid settings throw a
 * `TypeError` at construction.
 */
export function resolveProfile(options: ProfileOptions): Profile | undefined {
  if (!PROFILE_KEYS.some((key) => options[key] !== undefined)) return undefined;
  const { issuer } = options;
  if (issuer !== undefined) checkIssuer(issuer, 'oauth2orize');
  const hardened = !!options.hardened;
  const extra: HardenedOptions = typeof options.hardened === 'object' && options.hardened !== null ? options.hardened : {};
  if (hardened && !issuer) {
    throw new TypeError('oauth2orize: the hardened profile requires the issuer option (RFC 9207 iss)');
  }
  if (typeof options.hardened === 'object' && options.hardened !== null) checkOptions('oauth2orize.createServer: hardened', options.hardened, HARDENED_OPTIONS);
  const policy = pkcePolicyOf(options.pkce);
  const pkce: PkcePolicy | undefined = hardened && options.pkce !== false
    ? { required: true, allowPlain: false, ...policy }
    : policy;
  return {
    issuer,
    pkce,
    exposeErrors: options.exposeErrors ?? !hardened,
    rfcStatus: options.rfcStatus ?? hardened,
    requireGrantType: options.requireGrantType ?? hardened,
    requireClient: options.requireClient ?? hardened,
    allowImplicit: !hardened || !!extra.allowImplicit,
    allowPassword: !hardened || !!extra.allowPassword,
    idLength: hardened ? HARDENED_ID_LENGTH : 0,
    hardened,
  };
}

/**
 * The one check of an issuer identifier (RFC 8414 §2, RFC 9207 §2): an
 * `https` URL with no query or fragment. `http` is accepted for `localhost`
 * and loopback hosts, which development and tests use. Throws a `TypeError`
 * whose message starts with `who`; returns the issuer.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function checkIssuer(issuer: unknown, who: string): string {
  let url: URL | undefined;
  try {
    url = typeof issuer === 'string' ? new URL(issuer) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) throw new TypeError(`${who}: issuer is not a URL: ${String(issuer)}`);
  const text = issuer as string;
  if (url.search || url.hash || text.includes('?') || text.includes('#')) {
    throw new TypeError(`${who}: issuer must have no query or fragment`);
  }
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TypeError(`${who}: issuer must be an https URL (http only on localhost)`);
  }
  return text;
}

/** The profile of the server whose settings a request or transaction carries, if any. */
export function profileOf(target: unknown): Profile | undefined {
  const settings = carried(target);
  return settings ? settings.profile : undefined;
}

/**
 * Add `iss` to authorization response parameters when the transaction's
 * server has an issuer and the parameters do not carry one already.
 * Returns `params` (changed in place).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2
 */
export function addIssuer(txn: unknown, params: Record<string, unknown>): Record<string, unknown> {
  const profile = profileOf(txn);
  if (profile && profile.issuer && params && !Object.prototype.hasOwnProperty.call(params, 'iss')) {
    params.iss = profile.issuer;
  }
  return params;
}
