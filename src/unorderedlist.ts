/**
 * A set of space-separated tokens compared without regard to order, used to
 * match response types: `'code id_token'` equals `'id_token code'`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.1
 */
export class UnorderedList {
  /** The tokens, in the order given. Kept under the 1.x field name. */
  readonly _items: readonly string[];

  constructor(items?: string | readonly string[] | null) {
    this._items = typeof items === 'string' ? items.split(' ') : items ?? [];
  }

  /** Number of tokens. */
  get length(): number {
    return this._items.length;
  }

  /** True when both lists hold the same tokens, in any order. */
  equalTo(other: UnorderedList | string | readonly string[] | null | undefined): boolean {
    const list = other instanceof UnorderedList ? other : new UnorderedList(other);
    if (this._items.length !== list._items.length) return false;
    return this._items.every((item) => list._items.includes(item));
  }

  /** True when `value` is one of the tokens. */
  contains(value: string): boolean {
    return this._items.includes(value);
  }

  /** True when at least one of `values` is one of the tokens. */
  containsAny(values: readonly string[]): boolean {
    return values.some((value) => this._items.includes(value));
  }

  toString(): string {
    return this._items.join(' ');
  }
}
