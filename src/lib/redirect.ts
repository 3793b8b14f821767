import { format as formatUrl, parse as parseUrl } from 'node:url';
import { stringify } from 'node:querystring';
import type { OAuth2ServerResponse } from '../types.js';

/**
 * Redirect the user agent. Express's `res.redirect` is used when present, so
 * apps that wrap it keep working; otherwise (plain `node:http`, connect) a 302
 * with a `Location` header is written directly. `status` (303 under the
 * FAPI 2.0 profile) replaces the 302; without it, the calls are 1.x's.
 */
export function redirect(res: OAuth2ServerResponse, location: string, status?: number): void {
  if (typeof res.redirect === 'function') {
    if (status === undefined) (res.redirect as (url: string) => void)(location);
    else (res.redirect as (status: number, url: string) => void)(status, location);
    return;
  }
  res.statusCode = status ?? 302;
  res.setHeader('Location', location);
  res.setHeader('Content-Length', '0');
  res.end();
}

/**
 * URIs that the legacy URL parser would hand back unchanged: a lower-case
 * host, a non-empty path of characters it does not escape, and no fragment.
 * For these, the result of 1.x's parse-then-format round trip is known, so
 * the parse can be skipped. Anything else takes the round trip, which keeps
 * 1.x's normalisation of unusual URIs byte for byte.
 */
const PLAIN_URI = /^[a-z][a-z0-9+.-]*:\/\/[a-z0-9.-]+(?::\d+)?\/[A-Za-z0-9\-._~!$&()*+,;=:@/%]*$/;
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@/%?]*$/;

/**
 * Add `params` to the query of `uri`, as the `query` response mode does:
 * existing parameters are kept (re-encoded the way Node's `querystring`
 * does, so a space is `%20`) and same-named ones are replaced.
 */
export function withQuery(uri: string, params: Record<string, unknown>): string {
  if (PLAIN_URI.test(uri) && !uri.includes('?')) {
    return uri + '?' + stringify(params as Parameters<typeof stringify>[0]);
  }
  const parsed = parseUrl(uri, true);
  parsed.search = null;
  parsed.query = Object.assign(parsed.query as object, params) as typeof parsed.query;
  return formatUrl(parsed);
}

/**
 * Replace the fragment of `uri` with `params`, as the `fragment` response
 * mode does.
 */
export function withFragment(uri: string, params: Record<string, unknown>): string {
  const queryAt = uri.indexOf('?');
  const path = queryAt === -1 ? uri : uri.slice(0, queryAt);
  if (PLAIN_URI.test(path) && (queryAt === -1 || PLAIN_QUERY.test(uri.slice(queryAt + 1)))) {
    return uri + '#' + stringify(params as Parameters<typeof stringify>[0]);
  }
  const parsed = parseUrl(uri);
  parsed.hash = stringify(params as Parameters<typeof stringify>[0]);
  return formatUrl(parsed);
}
