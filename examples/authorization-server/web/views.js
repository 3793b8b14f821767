/**
 * Server-rendered pages: plain HTML with a little inline CSS.
 *
 * Pages are built with the `html` tagged template below, which escapes every
 * interpolated value unless it is itself the output of `html`. User data
 * (names, client names, query parameters, error messages) can therefore
 * never inject markup.
 *
 * @module views
 */
import { randomBytes } from 'node:crypto';
import { CSRF_FIELD } from './csrf.js';

/** Markup that is already safe to emit. */
class SafeHtml {
  /** @param {string} value */
  constructor(value) {
    this.value = value;
  }
  toString() {
    return this.value;
  }
}

/** @param {string} text */
export function escapeHtml(text) {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** @param {unknown} value @returns {string} */
function render(value) {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * Tagged template: `html\`<p>${text}</p>\`` escapes `text`.
 * @param {TemplateStringsArray} strings
 * @param {...unknown} values
 */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
  code, pre { font: 0.9em ui-monospace, monospace; background: #f3f3f3; border-radius: 4px; }
  code { padding: 0.1em 0.3em; } pre { padding: 0.75rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
  table { border-collapse: collapse; } td, th { text-align: left; padding: 0.25rem 0.75rem 0.25rem 0; vertical-align: top; }
  .card { border: 1px solid #ddd; border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
  .error { border-color: #d33; background: #fff5f5; } .muted { color: #666; font-size: 0.9em; }
  label { display: block; margin: 0.5rem 0; } input[type=text], input[type=password] { font: inherit; padding: 0.3rem; width: 16rem; }
  button { font: inherit; padding: 0.4rem 1.2rem; margin-right: 0.5rem; cursor: pointer; }
  button.primary { background: #1a5fb4; color: #fff; border: 1px solid #1a5fb4; border-radius: 4px; }
`;

/**
 * @typedef {object} Page
 * @property {number} [status]
 * @property {string} title
 * @property {SafeHtml} body
 * @property {string} [script] inline script, allowed by a per-response nonce
 */

/**
 * Send a page with headers suited to an authorization server: no caching,
 * no framing (so the consent form cannot be clickjacked), no Referer to other
 * sites (the callback pages carry codes and tokens in their URL), and a
 * Content Security Policy that only allows this page's own inline script.
 *
 * @param {import('express').Response} res
 * @param {Page} page
 */
export function sendPage(res, { status = 200, title, body, script }) {
  const nonce = randomBytes(16).toString('base64');
  res.status(status);
  res.set({
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    // same-origin, not no-referrer: with no-referrer, browsers send
    // `Origin: null` on form posts, and the CSRF check needs the real origin.
    'Referrer-Policy': 'same-origin',
    'Content-Security-Policy':
      `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; ` +
      `connect-src 'self'; frame-ancestors 'none'; base-uri 'none'`,
  });
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
${body}
${script ? html`<script nonce="${nonce}">${new SafeHtml(script)}</script>` : ''}
</body>
</html>
`;
  res.send(doc.value);
}

/**
 * The hidden field that carries the session's CSRF token.
 * @param {string} token
 */
function csrfField(token) {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/**
 * @param {{ user?: { name: string, username: string }, csrfToken?: string }} opts
 */
function whoami({ user, csrfToken = '' }) {
  if (!user) return html`<p class="muted">Not signed in. <a href="/login">Sign in</a></p>`;
  return html`<form method="post" action="/logout" class="muted">
  ${csrfField(csrfToken)}
  Signed in as <strong>${user.name}</strong> (${user.username}).
  <button type="submit">Sign out</button>
</form>`;
}

/**
 * The front page: what is running and how to try it.
 *
 * @param {object} opts
 * @param {string} opts.origin
 * @param {{ name: string, username: string }} [opts.user]
 * @param {string} opts.csrfToken for the sign-out form
 * @param {boolean} opts.implicit whether the implicit grant is turned on
 * @param {{ codeURL: string, implicitURL: string, publicURL: string }} opts.links
 * @param {{ username: string, password: string }} opts.demoUser
 * @param {{ id: string, secret: string }} opts.confidential
 * @param {{ id: string }} opts.public
 * @param {string} opts.verifier
 * @param {[string, string, string][]} opts.routes method, path, description
 * @returns {Page}
 */
export function homePage(opts) {
  return {
    title: 'oauth2orize example authorization server',
    body: html`
<h1>oauth2orize example authorization server</h1>
${whoami(opts)}
<p>An OAuth 2.0 authorization server built with <code>oauth2orize</code>, Express 5, Passport and SQLite.
It also plays a stand-in client: the <code>/callback</code> pages show what a client would receive.</p>

<h2>Try it</h2>
<ol>
  <li><a href="${opts.links.codeURL}">Authorization code with PKCE</a> (confidential client). Sign in, allow,
    and the callback page shows the code with a <code>curl</code> command to exchange it. The PKCE verifier for
    this link is <code>${opts.verifier}</code>.</li>
  <li><a href="${opts.links.publicURL}">Authorization code with PKCE</a> (public client, same verifier; it has
    no secret, so it sends only <code>client_id</code> to the token endpoint).</li>
  ${opts.implicit
    ? html`<li><a href="${opts.links.implicitURL}">Implicit grant</a>: the token arrives in the URL fragment.</li>`
    : ''}
</ol>
${opts.implicit ? '' : html`<p class="muted">The implicit and password grants are off (RFC 9700 advises against them);
start with <code>LEGACY_GRANTS=implicit,password</code> to try them.</p>`}
<p class="muted">Once you have allowed a client, asking again for the same scopes skips the consent page.</p>

<h2>Demo credentials</h2>
<table>
  <tr><th>User</th><td><code>${opts.demoUser.username}</code> / <code>${opts.demoUser.password}</code></td></tr>
  <tr><th>Confidential client</th><td><code>${opts.confidential.id}</code> / <code>${opts.confidential.secret}</code></td></tr>
  <tr><th>Public client</th><td><code>${opts.public.id}</code> (no secret, PKCE required)</td></tr>
  <tr><th>Scopes</th><td><code>profile</code> (default), <code>email</code></td></tr>
</table>

<h2>Routes</h2>
<table>
${opts.routes.map(([method, path, text]) => html`  <tr><td><code>${method}</code></td><td><code>${path}</code></td><td>${text}</td></tr>\n`)}
</table>
<p class="muted">Server metadata (RFC 8414): <a href="/.well-known/oauth-authorization-server">/.well-known/oauth-authorization-server</a>.
Origin: <code>${opts.origin}</code></p>
`,
  };
}

/**
 * @param {object} opts
 * @param {string} opts.returnTo where to go after signing in
 * @param {string} [opts.username] to refill the field after a failure
 * @param {string} [opts.error]
 * @param {string} opts.csrfToken
 * @returns {Page}
 */
export function loginPage({ returnTo, username, error, csrfToken }) {
  return {
    status: error ? 401 : 200,
    title: 'Sign in',
    body: html`
<h1>Sign in</h1>
${error ? html`<p class="card error" role="alert">${error}</p>` : ''}
<form method="post" action="/login" class="card">
  <input type="hidden" name="return_to" value="${returnTo}">
  ${csrfField(csrfToken)}
  <label>Username <input type="text" name="username" value="${username ?? ''}" autocomplete="username" required autofocus></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit" class="primary">Sign in</button>
</form>
<p class="muted">Demo user: <code>alice</code> / <code>wonderland</code>.</p>
`,
  };
}

/**
 * Where a client that no administrator registered comes from: the host that
 * publishes its metadata document (its `client_id` is that URL), or a note
 * that it registered itself. Its name is its own claim either way.
 * @param {{ id: string, registeredAt?: string | null }} client
 */
function clientOrigin(client) {
  if (!client.registeredAt) return '';
  if (client.id.startsWith('https://')) {
    return html`  <p class="muted">Published by <strong>${new URL(client.id).host}</strong>; its name is its own claim.</p>\n`;
  }
  return html`  <p class="muted">This application registered itself; its name is not verified.</p>\n`;
}

/**
 * The consent page. Allow submits the form as is; Deny adds the `cancel`
 * field, which oauth2orize's `decision` reads as a refusal.
 *
 * @param {object} opts
 * @param {{ name: string, username: string }} opts.user
 * @param {{ id: string, name: string, registeredAt?: string | null }} opts.client
 * @param {{ name: string, description: string }[]} opts.scopes
 * @param {string} opts.transactionID
 * @param {string} opts.redirectURI
 * @param {string} opts.csrfToken
 * @param {string[]} [opts.resources] the resources (RFC 8707) the access is for
 * @returns {Page}
 */
export function consentPage({ user, client, scopes, transactionID, redirectURI, csrfToken, resources = [] }) {
  return {
    title: `Allow ${client.name}?`,
    body: html`
<h1>Allow access?</h1>
${whoami({ user, csrfToken })}
<div class="card">
  <p><strong>${client.name}</strong> (<code>${client.id}</code>) would like to:</p>
${clientOrigin(client)}
  <ul>
${scopes.map((s) => html`    <li>${s.description} <span class="muted">(<code>${s.name}</code>)</span></li>\n`)}
  </ul>
${resources.length ? html`  <p>at ${resources.map((r, i) => html`${i ? ', ' : ''}<code>${r}</code>`)}.</p>\n` : ''}
  <p class="muted">You will be sent back to <code>${redirectURI}</code>.</p>
  <form method="post" action="/authorize/decision">
    <input type="hidden" name="transaction_id" value="${transactionID}">
    ${csrfField(csrfToken)}
    <button type="submit" class="primary">Allow</button>
    <button type="submit" name="cancel" value="Deny">Deny</button>
  </form>
</div>
`,
  };
}

/**
 * @param {object} opts
 * @param {number} opts.status
 * @param {string} opts.message
 * @param {string} [opts.code] the OAuth error code
 * @returns {Page}
 */
export function errorPage({ status, message, code }) {
  return {
    status,
    title: 'Error',
    body: html`
<h1>Something went wrong</h1>
<div class="card error">
  <p>${message}</p>
  ${code ? html`<p class="muted">Error code: <code>${code}</code> (HTTP ${status})</p>` : ''}
</div>
<p><a href="/">Back to the start page</a></p>
`,
  };
}

/**
 * The stand-in client's callback for the code flow: shows what arrived in
 * the query string and, for a code, how to exchange it.
 *
 * @param {object} opts
 * @param {Record<string, unknown>} opts.params the query parameters
 * @param {string} [opts.exchange] a curl command for the demo verifier
 * @returns {Page}
 */
export function callbackPage({ params, exchange }) {
  const entries = Object.entries(params);
  return {
    title: 'Client callback',
    body: html`
<h1>Client callback</h1>
<p>This page stands in for a client application. The authorization server redirected here with:</p>
<div class="card ${params.error ? 'error' : ''}">
${entries.length === 0 ? html`<p class="muted">(no parameters)</p>` : ''}
<table>
${entries.map(([k, v]) => html`  <tr><th>${k}</th><td><code id="param-${k}">${v}</code></td></tr>\n`)}
</table>
</div>
${exchange ? html`<h2>Exchange the code</h2>
<p>Codes are single-use and expire after 10 minutes. If you came from the link with the demo PKCE verifier:</p>
<pre>${exchange}</pre>` : ''}
<p><a href="/">Back to the start page</a></p>
`,
  };
}

/**
 * The stand-in client's callback for the implicit flow. The token is in the
 * fragment, which never reaches the server, so a small script reads it and
 * shows it (with `textContent`, never as HTML), then calls the API with it.
 *
 * @returns {Page}
 */
export function implicitCallbackPage() {
  return {
    title: 'Client callback (implicit)',
    body: html`
<h1>Client callback (implicit)</h1>
<p>The access token is in the URL fragment, which the browser does not send to the server.
This page's script reads it:</p>
<div class="card"><table id="params"></table></div>
<p><button type="button" id="call-api" hidden>Call /api/userinfo with this token</button></p>
<pre id="api-result" hidden></pre>
<p><a href="/">Back to the start page</a></p>
`,
    script: `
const params = new URLSearchParams(location.hash.slice(1));
const table = document.getElementById('params');
for (const [key, value] of params) {
  const row = table.insertRow();
  row.insertCell().textContent = key;
  row.insertCell().textContent = value;
}
if (!table.rows.length) table.insertRow().insertCell().textContent = '(no fragment)';
const token = params.get('access_token');
const button = document.getElementById('call-api');
if (token) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const res = await fetch('/api/userinfo', { headers: { Authorization: 'Bearer ' + token } });
    const text = res.status + ' ' + (await res.text());
    const out = document.getElementById('api-result');
    out.textContent = text;
    out.hidden = false;
  });
}
`,
  };
}
