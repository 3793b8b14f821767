/**
 * Minimal stand-ins for Node/Express request and response objects, used by the
 * unit tests to drive a middleware without an HTTP server.
 */
import { EventEmitter } from 'node:events';

export interface MockRequest {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  body?: Record<string, unknown>;
  session?: Record<string, unknown>;
  user?: unknown;
  authInfo?: unknown;
  locals?: Record<string, unknown>;
  oauth2?: any;
  [key: string]: unknown;
}

export function mockRequest(init: Partial<MockRequest> = {}): MockRequest {
  return { method: 'GET', url: '/', headers: {}, ...init };
}

/** The response records what a middleware did: status, headers, body, redirect. */
export class MockResponse extends EventEmitter {
  statusCode = 200;
  headers: Record<string, string | number | readonly string[]> = {};
  body: string | undefined;
  ended = false;
  location: string | undefined;
  locals?: Record<string, unknown>;

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }
  getHeader(name: string): string | number | readonly string[] | undefined {
    return this.headers[name.toLowerCase()];
  }
  removeHeader(name: string): void {
    delete this.headers[name.toLowerCase()];
  }
  redirect(location: string): void {
    this.statusCode = 302;
    this.location = location;
    this.setHeader('Location', location);
    this.end();
  }
  end(chunk?: string, _encoding?: string): this {
    if (chunk !== undefined) this.body = String(chunk);
    this.ended = true;
    this.emit('finish');
    return this;
  }
}

/** A response without `redirect()`, as plain `node:http` or connect give. */
export class BareResponse extends MockResponse {
  declare redirect: never;
  constructor() {
    super();
    // Hide the Express-only helper so code must fall back to setHeader/end.
    Object.defineProperty(this, 'redirect', { value: undefined });
  }
}

export function mockResponse(): MockResponse {
  return new MockResponse();
}

/**
 * Run a connect-style middleware and resolve once it either ends the response
 * or calls `next`. Rejects if neither happens within `ms` milliseconds.
 */
export function run(
  mw: (req: any, res: any, next: (err?: unknown) => void) => unknown,
  req: MockRequest,
  res: MockResponse = new MockResponse(),
  ms = 1000,
): Promise<{ err: unknown; nextCalled: boolean; res: MockResponse; req: MockRequest }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('middleware neither responded nor called next')), ms);
    res.once('finish', () => {
      clearTimeout(timer);
      resolve({ err: undefined, nextCalled: false, res, req });
    });
    try {
      mw(req, res, (err?: unknown) => {
        clearTimeout(timer);
        resolve({ err, nextCalled: true, res, req });
      });
    } catch (e) {
      clearTimeout(timer);
      reject(e);
    }
  });
}

/** Same as `run`, for error-handling middleware `(err, req, res, next)`. */
export function runError(
  mw: (err: any, req: any, res: any, next: (err?: unknown) => void) => unknown,
  error: unknown,
  req: MockRequest,
  res: MockResponse = new MockResponse(),
  ms = 1000,
): Promise<{ err: unknown; nextCalled: boolean; res: MockResponse; req: MockRequest }> {
  return run((rq, rs, nx) => mw(error, rq, rs, nx), req, res, ms);
}
