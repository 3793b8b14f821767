// Minimal request/response stand-ins for the in-process benchmarks: no
// sockets, just what oauth2orize (port and 1.12) touches.

/** Counts responses that reached `end()`, across all mocks. */
export const ended = { count: 0 };

export class MockResponse {
  constructor() {
    this.statusCode = 200;
    this.headers = {};
    this.body = undefined;
    this.finished = false;
  }

  setHeader(name, value) {
    this.headers[name.toLowerCase()] = value;
  }

  getHeader(name) {
    return this.headers[name.toLowerCase()];
  }

  end(chunk) {
    if (this.finished) throw new Error('response ended twice');
    this.finished = true;
    if (chunk !== undefined) this.body = chunk;
    ended.count++;
  }

  /** As Express's: a 302 with Location, then end (through the instance's own `end`, which decision wraps). */
  redirect(url) {
    this.statusCode = 302;
    this.setHeader('Location', url);
    this.end();
  }
}
