/**
 * The names under which the device flow meets the rest of the server: the
 * grant type the device polls with at the token endpoint, and the type of
 * the transaction the verification step stores for `server.decision()`.
 * Both the endpoints in this folder and the bundled grant and exchange
 * (`grant/deviceCode.ts`, `exchange/deviceCode.ts`) read them from here.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 */

/**
 * The grant type of the device authorization grant.
 *
 * @group Device flow
 */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** The transaction type (response type) of a device verification. */
export const DEVICE_TRANSACTION_TYPE = 'device_code';
