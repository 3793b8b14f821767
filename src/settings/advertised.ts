/**
 * What a server advertises in its RFC 8414 authorization server metadata,
 * as grants, exchanges and endpoint factories record it when they are
 * registered on (or created from) the server. The record lives in the
 * server's settings (`settings.ts` writes it: `advertise`,
 * `recordResponseType`, ...); the metadata endpoint reads it from there.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
import type { UnorderedList } from '../unorderedlist.js';

/** The metadata a server has gathered. */
export interface Advertised {
  /**
   * Metadata fields contributed by grants, exchanges and endpoints. Array
   * fields are merged as sets in first-seen order; other fields keep the
   * last value given.
   */
  readonly fields: Record<string, unknown>;
  /** The response types registered with `server.grant()` (response handlers), without `'*'`, each once. */
  readonly responseTypes: UnorderedList[];
  /** The grant types registered with `server.exchange()`, without `'*'`, each once. */
  readonly grantTypes: string[];
  /**
   * Transaction types made by an endpoint other than the authorization
   * endpoint (the device verification step's `device_code`): their grant
   * answers decisions but is no `response_type` a client can ask for.
   */
  readonly transactionTypes: string[];
}

/** A new, empty record. */
export function emptyAdvertised(): Advertised {
  return { fields: Object.create(null) as Record<string, unknown>, responseTypes: [], grantTypes: [], transactionTypes: [] };
}

/** Merge `fields` into `into`: arrays as sets in first-seen order, other values replace. */
export function mergeFields(into: Record<string, unknown>, fields: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    const had = into[key];
    if (Array.isArray(value)) {
      const list = Array.isArray(had) ? had.slice() : [];
      for (const item of value) if (!list.includes(item)) list.push(item);
      into[key] = list;
    } else if (value !== undefined) {
      into[key] = value;
    }
  }
}

/** A copy of `from` (arrays copied too), as a plain object. */
export function copyFields(from: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(from)) {
    const value = from[key];
    out[key] = Array.isArray(value) ? value.slice() : value;
  }
  return out;
}

/** Add `type` to `list` unless an equal response type is there already. */
export function addResponseType(list: UnorderedList[], type: UnorderedList): void {
  if (!list.some((seen) => seen.equalTo(type))) list.push(type);
}

/**
 * The response types a client can ask the authorization endpoint for, as
 * strings in registration order: the registered ones less the transaction
 * types of other endpoints.
 */
export function responseTypesOf(advertised: Advertised): string[] {
  const out: string[] = [];
  for (const type of advertised.responseTypes) {
    const name = String(type);
    if (!advertised.transactionTypes.includes(name)) out.push(name);
  }
  return out;
}
