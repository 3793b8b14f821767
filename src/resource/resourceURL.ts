/** The one check of a protected resource's identifier. */

/**
 * Check a resource identifier (RFC 9728 §1.2, RFC 8707 §2): an `https` URL
 * (`http` only on localhost and loopback hosts, for development and tests)
 * without fragment. Throws a `TypeError` whose message starts with `who`;
 * returns the identifier.
 */
export function checkResourceURL(resource: unknown, who: string): string {
  let url: URL | undefined;
  try {
    url = typeof resource === 'string' ? new URL(resource) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) throw new TypeError(`${who}: resource is not a URL: ${String(resource)}`);
  const text = resource as string;
  if (url.hash || text.includes('#')) throw new TypeError(`${who}: resource must have no fragment`);
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TypeError(`${who}: resource must be an https URL (http only on localhost)`);
  }
  return text;
}
