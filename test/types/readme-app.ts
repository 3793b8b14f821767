/**
 * The 1.x README's authorization server, in TypeScript, with its callbacks
 * left unannotated exactly as the README writes them. It must compile under
 * `strict`. The one change: the consent page reads `req.oauth2!`, because
 * `req.oauth2` is optional on Express's Request. Compile-only (nothing here
 * listens).
 */
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { BasicStrategy } from 'passport-http';
import { Strategy as ClientPasswordStrategy } from 'passport-oauth2-client-password';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import oauth2orize from '../../src/index.js';

// The app's own models, as the README assumes them.
interface Client {
  id: string;
  secret: string;
  redirectURI: string;
}
interface User {
  id: string;
  username: string;
}
declare const utils: { uid(length: number): string };
declare class AuthorizationCode {
  constructor(code: string, clientId: string, redirectUri: string | undefined, userId: string, scope: unknown);
  clientId: string;
  redirectUri: string | undefined;
  userId: string;
  scope: unknown;
  save(cb: (err: Error | null) => void): void;
  static findOne(code: string, cb: (err: Error | null, code: AuthorizationCode) => void): void;
}
declare class AccessToken {
  constructor(token: string, userId: string, clientId: string, scope: unknown);
  save(cb: (err: Error | null) => void): void;
  static findOne(token: string, cb: (err: Error | null, token?: { userId: string }) => void): void;
}
declare const Clients: { findOne(id: string, cb: (err: Error | null, client?: Client) => void): void };
declare const Users: { findOne(id: string, cb: (err: Error | null, user?: User) => void): void };
declare const login: { ensureLoggedIn(): express.RequestHandler };

// Create an OAuth server.
const server = oauth2orize.createServer<Client, User>();

// Register grants.
server.grant(oauth2orize.grant.code(function (client, redirectURI, user, ares, done) {
  const code = utils.uid(16);

  const ac = new AuthorizationCode(code, client.id, redirectURI, user.id, ares.scope);
  ac.save(function (err) {
    if (err) { return done(err); }
    return done(null, code);
  });
}));

// Register exchanges. (server.exchange() takes any middleware, so the server's
// Client type does not reach here: `client` is `any` unless the exchange is
// written as oauth2orize.exchange.code<Client>(...).)
server.exchange(oauth2orize.exchange.code(function (client, code, redirectURI, done) {
  AuthorizationCode.findOne(code, function (err, code) {
    if (err) { return done(err); }
    if (client.id !== code.clientId) { return done(null, false); }
    if (redirectURI !== code.redirectUri) { return done(null, false); }

    const token = utils.uid(256);
    const at = new AccessToken(token, code.userId, code.clientId, code.scope);
    at.save(function (err) {
      if (err) { return done(err); }
      return done(null, token);
    });
  });
}));

// Session serialization.
server.serializeClient(function (client, done) {
  return done(null, client.id);
});

server.deserializeClient(function (id, done) {
  Clients.findOne(id, function (err, client) {
    if (err) { return done(err); }
    return done(null, client);
  });
});

// Passport: clients at the token endpoint, bearer tokens at the API.
passport.use(new BasicStrategy(function (id, secret, done) {
  Clients.findOne(id, function (err, client) {
    if (err) { return done(err); }
    if (!client || client.secret !== secret) { return done(null, false); }
    return done(null, client);
  });
}));
passport.use(new ClientPasswordStrategy(function (id, secret, done) {
  Clients.findOne(id, function (err, client) {
    if (err) { return done(err); }
    if (!client || client.secret !== secret) { return done(null, false); }
    return done(null, client);
  });
}));
passport.use(new BearerStrategy(function (token, done) {
  AccessToken.findOne(token, function (err, at) {
    if (err) { return done(err); }
    if (!at) { return done(null, false); }
    Users.findOne(at.userId, function (err, user) {
      if (err) { return done(err); }
      return done(null, user || false);
    });
  });
}));

export const app = express();
app.use(express.urlencoded({ extended: false }));
app.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: false }));
app.use(passport.initialize());
app.use(passport.session());

// Authorization endpoint.
app.get('/dialog/authorize',
  login.ensureLoggedIn(),
  server.authorize(function (clientID, redirectURI, done) {
    Clients.findOne(clientID, function (err, client) {
      if (err) { return done(err); }
      if (!client) { return done(null, false); }
      if (client.redirectURI != redirectURI) { return done(null, false); }
      return done(null, client, client.redirectURI);
    });
  }),
  function (req, res) {
    res.render('dialog', { transactionID: req.oauth2!.transactionID,
                           user: req.user, client: req.oauth2!.client });
  });

app.post('/dialog/authorize/decision',
  login.ensureLoggedIn(),
  server.decision());

// Token endpoint.
app.post('/token',
  passport.authenticate(['basic', 'oauth2-client-password'], { session: false }),
  server.token(),
  server.errorHandler());

// API endpoint.
app.get('/api/userinfo',
  passport.authenticate('bearer', { session: false }),
  function (req, res) {
    res.json(req.user);
  });
