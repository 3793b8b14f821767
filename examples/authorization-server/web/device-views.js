/**
 * The pages of the device flow (RFC 8628 §3.3): enter the code shown on the
 * device, compare it and approve, and the result.
 *
 * @module device-views
 */
import { CSRF_FIELD } from './csrf.js';
import { html } from './views.js';

/**
 * The page where a signed-in user types the code their device shows.
 *
 * @param {object} opts
 * @param {string} opts.csrfToken
 * @param {string} [opts.userCode] pre-filled from `verification_uri_complete`
 * @param {string} [opts.error] why the last code was refused
 * @param {number} [opts.status]
 * @returns {import('./views.js').Page}
 */
export function deviceEntryPage({ csrfToken, userCode = '', error, status }) {
  return {
    status: status ?? (error ? 400 : 200),
    title: 'Connect a device',
    body: html`
<h1>Connect a device</h1>
${error ? html`<p class="card error" role="alert">${error}</p>` : ''}
<form method="post" action="/device/verify" class="card">
  <input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">
  <label>Code shown on the device <input type="text" name="user_code" value="${userCode}" autocomplete="off" required autofocus></label>
  <button type="submit" class="primary">Continue</button>
</form>
`,
  };
}

/**
 * The device consent page: the user compares the code with the device's
 * before allowing (RFC 8628 §5.4), so it is always shown.
 *
 * @param {object} opts
 * @param {{ id: string, name: string }} opts.client
 * @param {string} opts.displayUserCode
 * @param {{ name: string, description: string }[]} opts.scopes
 * @param {string} opts.transactionID
 * @param {string} opts.csrfToken
 * @returns {import('./views.js').Page}
 */
export function deviceConsentPage({ client, displayUserCode, scopes, transactionID, csrfToken }) {
  return {
    title: `Allow ${client.name}?`,
    body: html`
<h1>Allow this device?</h1>
<div class="card">
  <p>Check that your device shows <strong><code>${displayUserCode}</code></strong>. If it does not, deny.</p>
  <p><strong>${client.name}</strong> (<code>${client.id}</code>) would like to:</p>
  <ul>
${scopes.map((s) => html`    <li>${s.description} <span class="muted">(<code>${s.name}</code>)</span></li>\n`)}
  </ul>
  <form method="post" action="/device/decision">
    <input type="hidden" name="transaction_id" value="${transactionID}">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">
    <button type="submit" class="primary">Allow</button>
    <button type="submit" name="cancel" value="Deny">Deny</button>
  </form>
</div>
`,
  };
}

/**
 * After the decision: go back to the device.
 *
 * @param {{ allowed: boolean }} opts
 * @returns {import('./views.js').Page}
 */
export function deviceDonePage({ allowed }) {
  return {
    title: allowed ? 'Device connected' : 'Device refused',
    body: html`
<h1>${allowed ? 'Device connected' : 'Device refused'}</h1>
<p>${allowed ? 'You can return to your device; it will sign in within a few seconds.' : 'The device was not given access.'}</p>
<p><a href="/">Back to the start page</a></p>
`,
  };
}
