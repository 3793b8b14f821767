/**
 * What `server.authenticateClient()` adds to the options of the standalone
 * factory, from the server's settings: its issuer and clock for the
 * assertion checks, and the throttle of a hardened server, one per server
 * so that every endpoint it guards counts the same failures.
 */
import type { Settings } from '../settings/settings.js';
import type { AuthenticateClientOptions } from './options.js';
import { fapi2AssertionOptions, fapi2Methods, fapi2Of } from '../settings/fapi2.js';
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
 * get the server's `issuer` and `clock` unless they name their own. Under
 * the FAPI 2.0 preset, `methods` default to `private_key_jwt` and may list
 * only it and the mTLS methods, and the assertion checks are the preset's.
 */
export function withServerDefaults<Client>(settings: Settings, options: AuthenticateClientOptions<Client> | undefined): AuthenticateClientOptions<Client> {
  const opts: AuthenticateClientOptions<Client> = { ...options };
  const profile = settings.profile;
  if (opts.throttle === true || (opts.throttle === undefined && profile && profile.hardened)) opts.throttle = serverThrottle(settings);
  const fapi2 = fapi2Of(settings);
  if (fapi2) {
    // FAPI 2.0 SP §5.3.2.1: private_key_jwt or mTLS only; §5.4.1 algorithms; aud the issuer.
    opts.methods = fapi2Methods(fapi2, opts.methods, 'server.authenticateClient');
    if (opts.assertion) opts.assertion = fapi2AssertionOptions(fapi2, opts.assertion, 'server.authenticateClient: assertion');
  }
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
