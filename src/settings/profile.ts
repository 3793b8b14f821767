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
import { FAPI2, type Fapi2Settings } from './fapi2.js';
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
  /** Whether the hardened profile is on (also under `profile: 'fapi2'`, which implies it). */
  hardened: boolean;
  /** The FAPI 2.0 Security Profile preset's values, when `profile: 'fapi2'`; else `undefined`. */
  fapi2: Fapi2Settings | undefined;
  /**
   * Whether access tokens must be sender-constrained (DPoP, RFC 9449, or
   * mTLS, RFC 8705): `true` under `profile: 'fapi2'` (FAPI 2.0 SP §5.3.2.1).
   * Read through `senderConstraintRequired()` in `fapi2.ts`.
   */
  senderConstrained: boolean;
}

/** The subset of `ServerOptions` read here. */
export type ProfileOptions = Pick<ServerOptions, 'issuer' | 'hardened' | 'pkce' | 'exposeErrors' | 'rfcStatus' | 'requireGrantType' | 'requireClient' | 'profile'>;

/** Transaction IDs are base64url: 32 characters carry 192 bits (RFC 9700 wants at least 128). */
export const HARDENED_ID_LENGTH = 32;

const PROFILE_KEYS: ReadonlyArray<keyof ProfileOptions> = ['issuer', 'hardened', 'pkce', 'exposeErrors', 'rfcStatus', 'requireGrantType', 'requireClient', 'profile'];

/**
 * Resolve a server's options into its profile, or `undefined` when none of
 * the options of this module were given. Invalid settings throw a
 * `TypeError` at construction.
 */
export function resolveProfile(options: ProfileOptions): Profile | undefined {
  if (!PROFILE_KEYS.some((key) => options[key] !== undefined)) return undefined;
  const { issuer } = options;
  if (issuer !== undefined) checkIssuer(issuer, 'oauth2orize');
  const fapi2 = options.profile === undefined ? undefined : fapi2Preset(options);
  const hardened = !!options.hardened || !!fapi2;
  const extra: HardenedOptions = typeof options.hardened === 'object' && options.hardened !== null ? options.hardened : {};
  if (fapi2 && !issuer) {
    throw new TypeError("oauth2orize: profile 'fapi2' requires the issuer option (FAPI 2.0 SP §5.3.2.2, RFC 9207 iss)");
  }
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
    fapi2,
    senderConstrained: !!fapi2,
  };
}

/**
 * The preset named by the `profile` option, after checking that the other
 * options do not loosen what it requires: it implies `hardened` (which may
 * not be `false` nor allow the implicit or password grants, FAPI 2.0 SP
 * §5.3.2.1 and §5.3.2.2), PKCE with S256 only (§5.3.2.2), and client
 * authentication at the token endpoint (§5.3.2.1). The other hardened
 * defaults (hidden error messages, RFC statuses) keep their own options.
 */
function fapi2Preset(options: ProfileOptions): Fapi2Settings {
  const who = "oauth2orize: profile 'fapi2'";
  if (options.profile !== 'fapi2') throw new TypeError(`oauth2orize: profile must be 'fapi2' (got ${String(options.profile)})`);
  if (options.hardened === false) throw new TypeError(`${who} implies hardened; hardened: false contradicts it`);
  const extra = options.hardened;
  if (typeof extra === 'object' && extra !== null && (extra.allowImplicit || extra.allowPassword)) {
    throw new TypeError(`${who} refuses the implicit and password grants (FAPI 2.0 SP §5.3.2.1, §5.3.2.2); allowImplicit and allowPassword cannot be set`);
  }
  const pkce = options.pkce;
  if (pkce === false || (typeof pkce === 'object' && pkce !== null && (pkce.required === false || pkce.required === 'public' || pkce.allowPlain))) {
    throw new TypeError(`${who} requires PKCE with S256 for every client (FAPI 2.0 SP §5.3.2.2); the pkce option cannot loosen it`);
  }
  if (options.requireClient === false) throw new TypeError(`${who} requires client authentication (FAPI 2.0 SP §5.3.2.1); requireClient: false contradicts it`);
  return FAPI2;
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

/**
 * The status of the authorization response redirects of the transaction's
 * server: 303 under the FAPI 2.0 profile (FAPI 2.0 SP §5.3.2.2: never 307,
 * which would replay the user's credentials to the client), else
 * `undefined` (Express's `res.redirect` default, 302, as in 1.x).
 */
export function redirectStatusOf(txn: unknown): number | undefined {
  const profile = profileOf(txn);
  return profile && profile.fapi2 ? profile.fapi2.redirectStatus : undefined;
}
