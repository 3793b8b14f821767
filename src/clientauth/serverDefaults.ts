/**
 * What `server.authenticateClient()` adds to the options of the standalone
 * factory, from the server's settings: its issuer and clock for the
 * assertion checks, and the throttle of a hardened server, one per server
 * so that every endpoint it guards counts the same failures.
 */
import type { Settings } from '../settings/settings.js';
import type { AuthenticateClientOptions } from './options.js';
import { createThrottle, type ClientThrottle } from './throttle.js';

const throttles = new WeakMap<Settings, ClientThrottle>();

/** The server's own throttle (in memory, on its clock), made on first use. */
function serverThrottle(settings: Settings): ClientThrottle {
  let throttle = throttles.get(settings);
  if (!throttle) throttles.set(settings, (throttle = createThrottle({ now: settings.clock })));
  return throttle;
}

/**
 * `options` with the server's defaults: `throttle` is the server's throttle
 * when `true`, or when absent on a hardened server; the `assertion` options
 * get the server's `issuer` and `clock` unless they name their own.
 */
export function withServerDefaults<Client>(settings: Settings, options: AuthenticateClientOptions<Client> | undefined): AuthenticateClientOptions<Client> {
  const opts: AuthenticateClientOptions<Client> = { ...options };
  const profile = settings.profile;
  if (opts.throttle === true || (opts.throttle === undefined && profile && profile.hardened)) opts.throttle = serverThrottle(settings);
  const assertion = opts.assertion;
  if (assertion) {
    const issuer = profile && profile.issuer;
    const clock = settings.options.clock;
    if ((issuer && assertion.issuer === undefined) || (clock && assertion.now === undefined)) {
      opts.assertion = { ...assertion, issuer: assertion.issuer ?? issuer, now: assertion.now ?? clock };
    }
  }
  return opts;
}
