/**
 * Shared table for the response-mode tests: redirect URIs and parameter sets
 * whose Location headers are compared with what oauth2orize 1.12 produces.
 * (Not a test file itself; imported by query.test.ts and fragment.test.ts.)
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Mode = ((txn: any, res: any, params: Record<string, unknown>) => unknown) & { validate?: (txn: any) => void };

/** 1.12's own response modes, used as an oracle. */
export const legacy: { query: Mode; fragment: Mode } = {
  query: require('oauth2orize-1.12/lib/response/query.js'),
  fragment: require('oauth2orize-1.12/lib/response/fragment.js'),
};

/** Ask a response mode where it redirects, through a minimal `res.redirect`. */
export function locationOf(mode: Mode, redirectURI: string, params: Record<string, unknown>): string {
  let location: string | undefined;
  mode({ redirectURI }, { redirect(l: string) { location = l; } }, params);
  if (location === undefined) throw new Error('mode did not redirect');
  return location;
}

/** Redirect URIs that registered clients commonly use. */
export const commonURIs: string[] = [
  'https://client.example.com/cb',
  'https://client.example.com/cb?x=1',
  'https://client.example.com/cb?a=1&a=2',
  'https://client.example.com/cb?state=old',
  'https://client.example.com/cb#frag',
  'https://client.example.com/cb?x=1#frag',
  'https://client.example.com:8443/path/to/cb',
  'http://localhost:3000/callback',
  'http://127.0.0.1:8080/cb',
  'myapp://callback',
  'com.example.app:/oauth2redirect',
  '/relative/cb',
];

/**
 * Redirect URIs on which 1.x's `url.parse`/`url.format` round trip normalises
 * something (host case, IDN, missing path, a space in the path, `+` or a bare
 * key in the existing query). Kept separate so a failure here reads as
 * "differs from 1.x in a normalisation detail".
 */
export const quirkURIs: string[] = [
  'https://EXAMPLE.com:8443/Cb',
  'https://bücher.example/cb',
  'https://client.example.com',
  'https://client.example.com/c b',
  'https://client.example.com/cb?x=a+b&y=%20z',
  'http://127.0.0.1:8080/cb?flag',
  'https://client.example.com/cb?q=%E2%9C%93',
];

export const paramSets: Array<Record<string, unknown>> = [
  { code: 'abc', state: 'xyz' },
  { code: 'abc', state: 's 1' },
  { code: 'a+b/c=d&e?f#g', state: 'ünïcødé ✓' },
  { error: 'access_denied' },
  { error: 'server_error', error_description: 'Something went wrong: "bad" <thing>', error_uri: 'https://e.example/why?a=1&b=2', state: "it's" },
  { access_token: '2YotnFZFEjr1zCsicMWpAA', token_type: 'Bearer', expires_in: 3600 },
  { multi: ['1', '2'], n: 5, t: true },
  { '': 'emptykey', 'k y': 'v~!*()\'' },
];
