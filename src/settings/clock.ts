/**
 * The one clock every time-bounded check reads: transaction claims, PAR and
 * device code expiry, device polling intervals, the device verification
 * attempt window, and introspection's `exp`/`nbf`. A server takes it as its
 * `clock` option; the endpoints it creates read it from the server's
 * settings, and exchanges (which never see the server) from the request.
 * Each factory's own `now` option overrides it for that endpoint.
 */
import { carried } from './carrier.js';

/** A clock: the current time in milliseconds since the epoch, like `Date.now`. */
export type Clock = () => number;

/**
 * The default clock. It reads `Date.now()` on each call (rather than keeping
 * a reference to `Date.now`), so mocked timers installed later are seen.
 */
export function systemClock(): number {
  return Date.now();
}

/** The clock of the server whose settings `carrier` (a request or transaction) carries, else {@link systemClock}. */
export function clockOf(carrier: unknown): Clock {
  const settings = carried(carrier);
  return settings ? settings.clock : systemClock;
}

