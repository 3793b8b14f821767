/**
 * An Express token endpoint for the store tests: public clients named by
 * `client_id` in the body, `exchange.code` and `exchange.refreshToken`
 * given by the test, and a keep-alive HTTP client for loopback requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import oauth2orize from '../../src/index.js';

export interface TokenApp {
  port: number;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  body: any;
}

/** Start an app whose token endpoint runs `exchanges` (registered in order). */
export async function startTokenApp(exchanges: Function[]): Promise<TokenApp> {
  const server = oauth2orize.createServer();
  for (const ex of exchanges) server.exchange(ex as any);
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.post('/token', (req: any, _res: unknown, next: () => void) => {
    const id = req.body && req.body.client_id;
    if (typeof id === 'string') req.user = { id };
    next();
  }, server.token(), server.errorHandler());
  const httpServer = http.createServer(app);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = (httpServer.address() as AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      httpServer.closeAllConnections();
      httpServer.close(() => resolve());
    }),
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

/** POST a form to `/token` of the app on `port`. */
export function postToken(port: number, form: Record<string, string>): Promise<Reply> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/token', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => {
        let parsed: unknown = data;
        try { parsed = JSON.parse(data); } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, body: parsed });
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** Close the keep-alive sockets (in an `after` hook). */
export function closeAgent(): void {
  agent.destroy();
}
