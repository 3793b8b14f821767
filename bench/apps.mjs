// Apps served over HTTP by the benchmarks. Every factory takes the oauth2orize
// module (the port or 1.12) so both are driven by exactly the same code.
import http from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import express from 'express';
import session from 'express-session';

export const CLIENT = Object.freeze({ id: 'c1', redirectURI: 'https://client.example.com/cb' });
export const USER = Object.freeze({ id: 'u1', name: 'Alice' });

/** The exact body every token target answers with for client `c1`. */
export const TOKEN_BODY = JSON.stringify({ access_token: 'AT-c1', expires_in: 3600, token_type: 'Bearer' });

/** Client authentication stand-in: the client id comes from a header, `c1` by default. */
function clientFromHeader(req, _res, next) {
  const id = req.headers['x-client-id'];
  req.user = typeof id === 'string' ? { id } : { id: CLIENT.id };
  next();
}

/** Express 5 app whose POST /token is oauth2orize's client_credentials exchange. */
export function tokenApp(oauth2orize) {
  const server = oauth2orize.createServer();
  server.exchange(oauth2orize.exchange.clientCredentials((client, scope, done) => {
    done(null, 'AT-' + client.id, { expires_in: 3600 });
  }));
  const app = express();
  app.post('/token', express.urlencoded({ extended: false }), clientFromHeader, server.token(), server.errorHandler());
  return app;
}

/** Express 5 app with the same route and middleware, writing the same bytes by hand. */
export function bareExpressApp() {
  const app = express();
  app.post('/token', express.urlencoded({ extended: false }), clientFromHeader, (req, res) => {
    if (!req.body || req.body.grant_type !== 'client_credentials') {
      res.statusCode = 501;
      res.setHeader('Content-Type', 'application/json');
      return res.end('{"error":"unsupported_grant_type"}');
    }
    writeToken(res, req.user.id);
  });
  return app;
}

/** A plain node:http handler: reads and parses the form body, writes the same bytes and headers. */
export function rawHandler() {
  return (req, res) => {
    if (req.method !== 'POST' || req.url !== '/token') {
      res.statusCode = 404;
      return res.end();
    }
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => {
      const body = parseQuery(data);
      if (body.grant_type !== 'client_credentials') {
        res.statusCode = 501;
        res.setHeader('Content-Type', 'application/json');
        return res.end('{"error":"unsupported_grant_type"}');
      }
      // Express sets this on every response; send it too so the bytes match.
      res.setHeader('X-Powered-By', 'Express');
      const id = req.headers['x-client-id'];
      writeToken(res, typeof id === 'string' ? id : CLIENT.id);
    });
  };
}

function writeToken(res, clientId) {
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.end(JSON.stringify({ access_token: 'AT-' + clientId, expires_in: 3600, token_type: 'Bearer' }));
}

/**
 * Express 5 app for the full code flow: GET /authorize (answers the
 * transaction id as JSON instead of rendering a consent page), POST /decision,
 * POST /token (authorization_code exchange). The user is always logged in;
 * the client authenticates with the `x-client-id` header.
 */
export function flowApp(oauth2orize, options = {}) {
  // options.server: createServer options (a transaction store);
  // options.sessionStore: an express-session store (default MemoryStore);
  // options.saveUninitialized: true when the transactions are not kept in the
  // session, which the user's login would otherwise have initialized.
  const server = oauth2orize.createServer(options.server);
  const clients = new Map([[CLIENT.id, CLIENT]]);
  const codes = new Map();
  let seq = 0;

  server.serializeClient((client, done) => done(null, client.id));
  server.deserializeClient((id, done) => done(null, clients.get(id) || false));
  server.grant(oauth2orize.grant.code((client, redirectURI, user, done) => {
    const code = 'C' + (++seq).toString(36);
    codes.set(code, { clientId: client.id, redirectURI, userId: user.id });
    done(null, code);
  }));
  server.exchange(oauth2orize.exchange.authorizationCode((client, code, redirectURI, done) => {
    const entry = codes.get(code);
    if (!entry || entry.clientId !== client.id || entry.redirectURI !== redirectURI) return done(null, false);
    codes.delete(code);
    done(null, 'AT-' + code, { expires_in: 3600 });
  }));

  const app = express();
  app.use(session({ secret: 'bench only', resave: false, saveUninitialized: !!options.saveUninitialized, name: 'sid', store: options.sessionStore }));
  const loggedIn = (req, _res, next) => { req.user = USER; next(); };
  app.get('/authorize', loggedIn,
    server.authorize((clientID, redirectURI, done) => {
      const client = clients.get(clientID);
      if (!client || client.redirectURI !== redirectURI) return done(null, false);
      done(null, client, redirectURI);
    }),
    (req, res) => res.json({ transactionID: req.oauth2.transactionID, client: req.oauth2.client.id }),
    server.errorHandler({ mode: 'indirect' }));
  app.post('/decision', express.urlencoded({ extended: false }), loggedIn, server.decision());
  app.post('/token', express.urlencoded({ extended: false }), clientFromHeader, server.token(), server.errorHandler());
  return app;
}

/** Listen on 127.0.0.1, an ephemeral port. */
export function listen(handler) {
  return new Promise((resolve, reject) => {
    const srv = http.createServer(handler);
    srv.keepAliveTimeout = 60_000;
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}
