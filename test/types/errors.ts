/**
 * The error classes: `code` is typed as the union of RFC 6749 codes, so a
 * `switch` on it offers the literals, while extension codes still
 * type-check. Compile-only.
 */
import { AuthorizationError, OAuth2Error, TokenError, type OAuth2ErrorCode } from '../../src/index.js';
import { expectAssignable, expectTrue, type Equal } from './assert.js';

export function describeError(err: OAuth2Error): string {
  expectTrue<Equal<typeof err.code, OAuth2ErrorCode>>();
  expectTrue<Equal<typeof err.status, number>>();
  expectTrue<Equal<typeof err.uri, string | null | undefined>>();
  switch (err.code) {
    case 'invalid_grant':
      // The union is open (`string & {}`), so this narrows to
      // 'invalid_grant' | (string & {}), not to the literal alone.
      expectAssignable<string>(err.code);
      return 'the grant was refused';
    case 'invalid_client':
      return 'the client failed to authenticate';
    case 'access_denied':
    case 'server_error':
      return 'denied or failed';
    // An extension code (OpenID Connect) is still accepted.
    case 'login_required':
      return 'log in first';
    default:
      return err.message;
  }
}

// Literal codes, extension codes, and the optional arguments.
export const errors: OAuth2Error[] = [
  new OAuth2Error(),
  new OAuth2Error('Client is suspended', 'unauthorized_client', undefined, 403),
  new TokenError('Invalid authorization code', 'invalid_grant'),
  new TokenError('Device not yet authorized', 'authorization_pending'),
  new TokenError('Rate limited', 'slow_down', 'https://as.example.com/errors#slow_down', 400, { cause: new Error('limit') }),
  new AuthorizationError('Request denied by authorization server', 'access_denied'),
  new AuthorizationError('Unsupported response mode: x', 'unsupported_response_mode', null, 501),
];

// The error classes keep their own types and subclass OAuth2Error and Error.
export const token: OAuth2Error = new TokenError();
export const authz: Error = new AuthorizationError();
expectTrue<Equal<InstanceType<typeof TokenError>['code'], OAuth2ErrorCode>>();

// A code variable of the union accepts any string, and the literal union
// still stands out for editors: 'invalid_grant' is one of its members.
export const someCode: OAuth2ErrorCode = 'custom_extension_code';
expectTrue<'invalid_grant' extends OAuth2ErrorCode ? true : false>();

// Misuse is rejected.
// @ts-expect-error the message must be a string
new TokenError(1);
// @ts-expect-error the code must be a string
new AuthorizationError('denied', 403);
// @ts-expect-error the status must be a number
new OAuth2Error('failed', 'server_error', undefined, '500');
// @ts-expect-error `code` is not a number
export const notNumber: number = new TokenError('x', 'invalid_grant').code;
