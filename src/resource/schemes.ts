/**
 * The authorization schemes the {@link bearer} middleware reads, by their
 * lower-cased name. Each reads the credentials of its scheme from a request
 * and names itself in challenges. Only `Bearer` (RFC 6750) is here; a scheme
 * such as `DPoP` (RFC 9449), which needs a proof checked beside the token,
 * is added as another entry with its own `check` step, and `bearer` lists
 * its challenge with the others.
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

/** The schemes by lower-cased name; the middleware accepts those it is configured with. */
export const SCHEMES: ReadonlyMap<string, TokenScheme> = new Map([['bearer', BEARER]]);

/** RFC 7235 §2.1 token68: the characters a bearer token may have. */
export const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
