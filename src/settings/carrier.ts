/**
 * How a server's settings travel to code that never sees the server: grant
 * modules, exchanges and response modes get a request or a transaction, and
 * read the settings from it.
 *
 * The settings are stored under a private symbol, as a non-enumerable
 * property: `merge` never copies them, a transaction store never serializes
 * them, `for...in` and `Object.keys` never see them. The server stores its
 * own settings under the same symbol.
 */
import type { Settings } from './settings.js';

/** The key the settings are stored under, on servers, requests and transactions. */
export const SETTINGS: unique symbol = Symbol('oauth2orize.settings');

/** An object that may hold settings. */
export type SettingsHolder = object & { [SETTINGS]?: Settings };

/**
 * Whether settings were ever attached to a request or transaction in this
 * process. Until then none can carry any, so {@link carried} answers without
 * a symbol lookup (on an Express request, a miss walks its whole prototype
 * chain): 1.x-style servers, which attach nothing, pay nothing.
 */
let attachedAny = false;

/** Attach `settings` to a request or transaction. */
export function carry(target: object | undefined | null, settings: Settings): void {
  if (!target || typeof target !== 'object') return;
  attachedAny = true;
  if ((target as SettingsHolder)[SETTINGS] === settings) return;
  Object.defineProperty(target, SETTINGS, { value: settings, enumerable: false, configurable: true, writable: true });
}

/** The settings attached to a request or transaction, if any. */
export function carried(target: unknown): Settings | undefined {
  if (!attachedAny) return undefined;
  return target && typeof target === 'object' ? (target as SettingsHolder)[SETTINGS] : undefined;
}
