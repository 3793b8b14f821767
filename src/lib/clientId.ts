/**
 * The identifier of an app's client object, read from the property names
 * apps use for it (`id`, `clientId`, `clientID`, `client_id`), for the
 * endpoints whose `clientID` option defaults to it.
 */
const ID_KEYS = ['id', 'clientId', 'clientID', 'client_id'] as const;

/** The first non-empty string among the usual identifier properties of `client`, if any. */
export function clientIdOf(client: unknown): string | undefined {
  if (!client || typeof client !== 'object') return undefined;
  const c = client as Record<string, unknown>;
  for (const key of ID_KEYS) {
    const value = c[key];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}
