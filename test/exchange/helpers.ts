/**
 * Shared helpers for the exchange tests: run an exchange middleware against a
 * mock request/response and check the token response it writes.
 */
import assert from 'node:assert/strict';
import { MockResponse, mockRequest, run, type MockRequest } from '../helpers/mock.js';

export const BODY_PARSING_MESSAGE = 'OAuth2orize requires body parsing. Did you forget app.use(express.bodyParser())?';

export type Exchange = (req: any, res: any, next: (err?: unknown) => void) => unknown;

/** Run `mw` with a POST request carrying `body` (omitted when `body` is null). */
export function exchangeWith(mw: Exchange, body: Record<string, unknown> | null, extra: Partial<MockRequest> = {}) {
  const init: Partial<MockRequest> = { method: 'POST', url: '/token', ...extra };
  if (body !== null) init.body = body;
  return run(mw, mockRequest(init), new MockResponse());
}

/** Assert the response is a JSON token response and return its parsed body. */
export function tokenResponse(res: MockResponse): Record<string, unknown> {
  assert.equal(res.ended, true, 'response should have ended');
  assert.equal(res.statusCode, 200);
  assert.equal(res.getHeader('Content-Type'), 'application/json');
  assert.equal(res.getHeader('Cache-Control'), 'no-store');
  assert.equal(res.getHeader('Pragma'), 'no-cache');
  assert.equal(typeof res.body, 'string');
  return JSON.parse(res.body!);
}

/** Assert `err` is a TokenError with the given message, code and status. */
export function assertTokenError(error: unknown, message: string, code: string, status: number): void {
  assert.ok(error instanceof Error, 'expected an Error');
  const err = error as Error & { code?: unknown; status?: unknown };
  assert.equal(err.name, 'TokenError');
  assert.equal(err.constructor.name, 'TokenError');
  assert.equal(err.message, message);
  assert.equal(err.code, code);
  assert.equal(err.status, status);
}
