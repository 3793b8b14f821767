/**
 * Shared pieces of the robustness tests: a small HTTP client that talks to a
 * real listening server (keep-alive agent, plus a raw-socket sender for
 * requests `http.request` cannot express), and the generic encoders that turn
 * a generated parameter tree into a query string, a form body or JSON text.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** What came back from the server. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Parse a reply body as JSON, or return undefined when it is not JSON. */
export function jsonOf(reply: Reply): unknown {
  try {
    return JSON.parse(reply.text);
  } catch {
    return undefined;
  }
}

/** A server listening on 127.0.0.1 with its own keep-alive agent. */
export interface Listening {
  port: number;
  agent: http.Agent;
  close(): Promise<void>;
}

/**
 * Listen on an ephemeral port. `maxHeaderSize` is raised so that 100 KB
 * query strings reach the application instead of being refused by Node with
 * 431 before any middleware runs.
 */
export function listen(app: http.RequestListener): Promise<Listening> {
  const server = http.createServer({ maxHeaderSize: 4 * 1024 * 1024 }, app);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
      resolve({
        port: (server.address() as AddressInfo).port,
        agent,
        close: () => new Promise<void>((done) => {
          agent.destroy();
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

export interface Outgoing {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Send one request through the keep-alive agent. */
export function send(target: Listening, out: Outgoing): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: target.port,
      agent: target.agent,
      method: out.method,
      path: out.path,
      headers: out.headers,
      // Redirects carrying a 100 KB state exceed Node's default 16 KB limit.
      maxHeaderSize: 4 * 1024 * 1024,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(out.body);
  });
}

/**
 * Send a request written by hand over a fresh socket, for shapes the Node
 * client will not produce (a POST with a Content-Type but neither
 * Content-Length nor Transfer-Encoding: an HTTP/1.1 request without a body).
 * The server's reply must carry Content-Length (Express always sets it).
 */
export function sendRaw(target: Listening, head: string, body = ''): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(target.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) return reject(err);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split === -1) return reject(new Error('no complete response head: ' + JSON.stringify(all.toString('latin1').slice(0, 200))));
      const lines = all.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1]);
      const headers: http.IncomingHttpHeaders = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, text: all.subarray(split + 4).toString('utf8') });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // Stop as soon as the whole reply is in, rather than waiting for close.
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split === -1) return;
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(all.subarray(0, split).toString('latin1'));
      if (m && all.length >= split + 4 + Number(m[1])) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (err) => finish(err));
    socket.write(head + '\r\n' + `Host: 127.0.0.1:${target.port}\r\nConnection: close\r\n\r\n` + body);
  });
}

// ---------------------------------------------------------------------------
// Parameter trees and their encodings

/**
 * A generated parameter value. `str` is an ordinary string; `raw` is text put
 * into a query or form body verbatim (already percent-encoded, possibly
 * invalid UTF-8 such as `%FF`); `lit` is a JSON literal; `arr` and `obj` nest.
 * `style` picks how an array is written in a query string.
 */
export type Val =
  | { t: 'str'; s: string }
  | { t: 'raw'; s: string }
  | { t: 'lit'; v: number | boolean | null }
  | { t: 'arr'; a: Val[]; style: 'brackets' | 'indices' | 'repeat' }
  | { t: 'obj'; e: Array<[string, Val]> };

/** An ordered list of top-level parameters; a key may repeat. */
export type Entries = Array<[string, Val]>;

export const str = (s: string): Val => ({ t: 'str', s });

/** Percent-encode every byte of the UTF-8 form except RFC 3986 unreserved characters. */
export function pct(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Encode a key as qs reads it: brackets stay literal, everything else is escaped. */
function pctKey(key: string): string {
  return key.split(/([[\]])/).map((part) => (part === '[' || part === ']' ? part : pct(part))).join('');
}

function pairsOf(prefix: string, val: Val, out: string[]): void {
  switch (val.t) {
    case 'str': out.push(pctKey(prefix) + '=' + pct(val.s)); break;
    case 'raw': out.push(pctKey(prefix) + '=' + val.s); break;
    case 'lit':
      // qs has no literals: null is a bare key, the rest their text.
      out.push(val.v === null ? pctKey(prefix) : pctKey(prefix) + '=' + pct(String(val.v)));
      break;
    case 'arr':
      val.a.forEach((item, i) => {
        const key = val.style === 'brackets' ? prefix + '[]' : val.style === 'indices' ? `${prefix}[${i}]` : prefix;
        pairsOf(key, item, out);
      });
      if (val.a.length === 0) out.push(pctKey(prefix + '[]'));
      break;
    case 'obj':
      for (const [k, v] of val.e) pairsOf(`${prefix}[${k.replace(/[[\]]/g, '')}]`, v, out);
      if (val.e.length === 0) out.push(pctKey(prefix + '[]'));
      break;
  }
}

/** `a=1&b[]=2&b[]=3&c[d]=4`, as `qs` (Express's extended parsers) reads it. */
export function toQuery(entries: Entries): string {
  const out: string[] = [];
  for (const [k, v] of entries) pairsOf(k, v, out);
  return out.join('&');
}

function jsonOfVal(val: Val): string {
  switch (val.t) {
    case 'str': case 'raw': return JSON.stringify(val.s);
    case 'lit': return JSON.stringify(val.v);
    case 'arr': return '[' + val.a.map(jsonOfVal).join(',') + ']';
    case 'obj': return '{' + val.e.map(([k, v]) => JSON.stringify(k) + ':' + jsonOfVal(v)).join(',') + '}';
  }
}

/**
 * JSON text for the entries, written by hand so that repeated keys and
 * `__proto__` keys appear exactly as generated (`JSON.parse` makes
 * `__proto__` an own property, which is what an attacker's body does).
 */
export function toJson(entries: Entries): string {
  return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + jsonOfVal(v)).join(',') + '}';
}

/** A multipart/form-data body with one text part per top-level string entry. */
export function toMultipart(entries: Entries, boundary: string): string {
  let out = '';
  for (const [k, v] of entries) {
    const text = v.t === 'str' || v.t === 'raw' ? v.s : jsonOfVal(v);
    out += `--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, '_')}"\r\n\r\n${text}\r\n`;
  }
  return out + `--${boundary}--\r\n`;
}

/** A small XML document carrying the entries, for the `application/xml` case. */
export function toXml(entries: Entries): string {
  const esc = (s: string) => s.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
  return '<?xml version="1.0"?><request>' + entries.map(([k, v]) => {
    const name = /^[A-Za-z_][\w.-]*$/.test(k) ? k : 'param';
    return `<${name}>${esc(v.t === 'str' || v.t === 'raw' ? v.s : jsonOfVal(v))}</${name}>`;
  }).join('') + '</request>';
}

/** Set (replace every occurrence of) or delete a top-level key, or append a duplicate. */
export function mutate(entries: Entries, key: string, val: Val | null, duplicate: boolean): Entries {
  if (val === null) return entries.filter(([k]) => k !== key);
  if (duplicate || !entries.some(([k]) => k === key)) return [...entries, [key, val]];
  return entries.map(([k, v]) => (k === key ? [k, val] : [k, v]));
}

// ---------------------------------------------------------------------------
// Process-level failure collectors

/**
 * Collect uncaught exceptions and unhandled rejections while a test file
 * runs. node:test reports them too, but only attributes them to some test;
 * the collector lets a property assert that none happened at all.
 */
export function collectProcessFailures(): { failures: unknown[]; stop(): void } {
  const failures: unknown[] = [];
  const onException = (err: unknown) => failures.push(err);
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    failures,
    stop() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    },
  };
}

/** The session cookie (`name=value`) set by a reply, if any. */
export function cookieOf(reply: Reply): string | undefined {
  const set = reply.headers['set-cookie'];
  const first = Array.isArray(set) ? set[0] : set;
  return first ? first.split(';')[0] : undefined;
}
