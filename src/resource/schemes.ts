/**
 * The authorization schemes the {@link bearer} middleware reads, by their
 * lower-cased name. Each reads the credentials of its scheme from a request
 * and names itself in challenges: `Bearer` (RFC 6750), and `DPoP`
 * (RFC 9449 §7.1), whose proof `bearer` checks beside the token when its
 * `dpop` option is on (see `dpop.ts`); each middleware accepts the schemes
 * it is configured with and lists a challenge for each.
 */
import type { OAuth2IncomingMessage } from '../types.js';

/** What a scheme found in a request. */
export interface Presented {
  /** The scheme's name as it is written in challenges, e.g. `Bearer`. */
  readonly scheme: string;
  /** The access token. */
  readonly token: string;
  /** Where it was found: `header`, or `body` for the form parameter. */
  readonly method: 'header' | 'body';
}

/** One authorization scheme. */
export interface TokenScheme {
  /** Its name in challenges (`WWW-Authenticate: <name> ...`). */
  readonly name: string;
  /**
   * Extra checks of the request once the token is verified (a DPoP proof
   * against `cnf.jkt`, ...): returns nothing, or the error description of
   * an `invalid_token` answer. Bearer has none.
   */
  readonly check?: (req: OAuth2IncomingMessage, presented: Presented, info: Record<string, unknown>) => string | undefined;
}

/** RFC 6750 §2.1: `Bearer` followed by a token68. */
export const BEARER: TokenScheme = { name: 'Bearer' };

/** RFC 9449 §7.1: `DPoP` followed by a token68, with a `DPoP` proof header; challenges carry `algs`. */
export const DPOP: TokenScheme = { name: 'DPoP' };

/** The schemes by lower-cased name; the middleware accepts those it is configured with. */
export const SCHEMES: ReadonlyMap<string, TokenScheme> = new Map([['bearer', BEARER], ['dpop', DPOP]]);

/** RFC 7235 §2.1 token68: the characters a bearer token may have. */
export const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
