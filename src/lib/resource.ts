/**
 * The `resource` parameter of RFC 8707: read, checked and remembered per
 * request body, so that every endpoint refuses a bad value the same way
 * (`invalid_target`, 400) and an app's callback can read the checked list
 * from the body it was given.
 */
import type { ParamBag } from '../types.js';

/** `AuthorizationError` or `TokenError`: the class the calling endpoint answers with. */
export type TargetErrorClass = new (message: string, code: string, uri?: string | null, status?: number) => Error;

/** The longest `resource` value accepted, in characters. */
export const MAX_RESOURCE_LENGTH = 2048;

/** The most `resource` values one request may carry. */
export const MAX_RESOURCES = 32;

/** A scheme, then something other than whitespace and `#`: RFC 3986 §4.3 absolute-URI. */
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s#]+$/;

/**
 * Whether `value` is a resource indicator RFC 8707 §2 allows: an absolute
 * URI with no fragment, that the WHATWG URL parser reads, no longer than
 * {@link MAX_RESOURCE_LENGTH}.
 */
export function isResourceIndicator(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RESOURCE_LENGTH) return false;
  if (!ABSOLUTE.test(value)) return false;
  try {
    new URL(value);
  } catch {
    return false;
  }
  return true;
}

/** Throws the `invalid_target` error, with status 400, built by `ErrorClass`. */
function invalidTarget(ErrorClass: TargetErrorClass, message: string): never {
  throw new ErrorClass(message, 'invalid_target', null, 400);
}

/**
 * Check a raw `resource` value (absent, a string, or a list of strings as a
 * repeated form parameter gives it) and return the list, without
 * duplicates, in request order; absent gives `[]`. Anything else (an
 * object, a nested list, a number from a JSON body, a relative URI, a
 * fragment, an oversized value, too many values) throws `invalid_target`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function parseResources(value: unknown, ErrorClass: TargetErrorClass): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) return invalidTarget(ErrorClass, 'Invalid parameter: resource must be a string, possibly repeated');
  if (list.length > MAX_RESOURCES) return invalidTarget(ErrorClass, `Invalid parameter: at most ${MAX_RESOURCES} resource values`);
  const out: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string') return invalidTarget(ErrorClass, 'Invalid parameter: resource must be a string, possibly repeated');
    if (!isResourceIndicator(item)) return invalidTarget(ErrorClass, 'Invalid parameter: resource must be an absolute URI without fragment');
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/** The checked lists, by the body they were read from. */
const checked = new WeakMap<object, string[]>();

/**
 * The checked `resource` list of a parameter bag (a token request body, an
 * authorization request's query): read once, then remembered for that
 * object. Throws `invalid_target` built by `ErrorClass`.
 *
 * `lenient` is for the 1.x endpoints of a server with no profile (no
 * `issuer`, no `hardened`): 1.12 ignored `resource`, and apps written for it
 * may pass values RFC 8707 refuses (a bare name such as `api`), so there a
 * bad value is ignored (the list is empty) instead of refused.
 */
export function resourcesOf(bag: ParamBag | undefined | null, ErrorClass: TargetErrorClass, lenient = false): string[] {
  if (!bag || typeof bag !== 'object') return [];
  // Most requests name no resource: answer without remembering anything.
  if (!Object.prototype.hasOwnProperty.call(bag, 'resource')) return [];
  const known = checked.get(bag);
  if (known) return known;
  const value = bag.resource;
  let list: string[];
  try {
    list = parseResources(value, ErrorClass);
  } catch (err) {
    if (!lenient) throw err;
    list = [];
  }
  checked.set(bag, list);
  return list;
}
