// Minimal request/response stand-ins for the in-process benchmarks: no
// sockets, just what oauth2orize (port and 1.12) touches.
import { EventEmitter } from 'node:events';

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

/**
 * The same response as an event emitter that emits 'finish' and then 'close'
 * when it ends, as Node's ServerResponse does (synchronously here, so the
 * work done on 'finish' is timed with the request). The endpoints' tracing
 * (src/diagnostics/trace.ts) ends a request's span on 'finish' only when the
 * response has `once` and `removeListener`; with MockResponse it never sees
 * the end of a request that answers. bench/otel.mjs uses this class for
 * every side of its comparisons.
 */
export class EmittingResponse extends EventEmitter {
  constructor() {
    super();
    this.statusCode = 200;
    this.headers = {};
    this.body = undefined;
    this.finished = false;
  }

  end(chunk) {
    MockResponse.prototype.end.call(this, chunk);
    this.emit('finish');
    this.emit('close');
  }
}
for (const name of ['setHeader', 'getHeader', 'redirect']) {
  Object.defineProperty(EmittingResponse.prototype, name, { value: MockResponse.prototype[name], writable: true, configurable: true });
}
