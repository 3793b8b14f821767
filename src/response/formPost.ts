import { createHash } from 'node:crypto';
import { addIssuer } from '../settings/profile.js';
import { validateRedirect } from './query.js';
import type { OAuth2ServerResponse, OAuth2Transaction, ResponseMode } from '../types.js';

/** The page's only script: submit the form as soon as it is parsed. */
const SCRIPT = 'document.forms[0].submit();';
/** CSP source for that script: only this exact script may run. */
const SCRIPT_HASH = `'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`;
/**
 * No fetches, no styles, no plugins, no framing, no `<base>`; only the
 * submit script. `form-action` is left out on purpose: browsers apply it to
 * the redirects that follow the POST, and client callbacks usually redirect.
 */
const CSP = `default-src 'none'; script-src ${SCRIPT_HASH}; base-uri 'none'; frame-ancestors 'none'`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for an HTML attribute value in double quotes (or element content). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function inputs(params: Record<string, unknown>): string {
  let html = '';
  for (const key of Object.keys(params)) {
    const value = params[key];
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      const text = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      html += `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(text)}">`;
    }
  }
  return html;
}

/**
 * The `form_post` response mode: answer with an HTML page whose form posts
 * `params` to `txn.redirectURI`, submitted by a script as soon as the page
 * loads (a button is shown when scripts are off). Every name and value is
 * HTML-escaped. The page is sent with `Cache-Control: no-store` and a
 * Content-Security-Policy that allows nothing but its own inline script,
 * pinned by its SHA-256 hash. `iss` is added when the server has an issuer.
 *
 * Built into `grant.code` and `grant.token` when they list `'form_post'` in
 * `responseModes`; usable by any grant (including oauth2orize-openid's)
 * through their `modes` option.
 *
 * @example
 * ```ts
 * server.grant(oauth2orize.grant.code({ responseModes: ['query', 'form_post'] }, issue));
 * // or, for a plugin grant:
 * server.grant(openid.grant.idToken({ modes: { form_post: oauth2orize.response.formPost } }, issueIdToken));
 * ```
 * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html
 */
export const formPost: ResponseMode = function formPost(txn: OAuth2Transaction<any, any>, res: OAuth2ServerResponse, params: Record<string, unknown>): void {
  const body = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Submit this form</title></head><body>'
    + `<form method="post" action="${escapeHtml(String(txn.redirectURI))}">${inputs(addIssuer(txn, { ...params }))}`
    + '<noscript><button type="submit">Continue</button></noscript></form>'
    + `<script>${SCRIPT}</script></body></html>`;
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
};
formPost.validate = validateRedirect;
