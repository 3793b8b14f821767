/**
 * Type-level assertions for the compile-only files in this folder. They are
 * checked by `tsc -p tsconfig.test.json` (`make typecheck`) and never run.
 */

/** `true` when `A` and `B` are the same type (`any` only equals `any`). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** `true` when `T` is `any`. */
export type IsAny<T> = 0 extends 1 & T ? true : false;

/** Compiles only when `T` is `true`: `expectTrue<Equal<typeof x, string>>()`. */
export function expectTrue<T extends true>(): void {}

/** Compiles only when the argument is assignable to `T`. */
export function expectAssignable<T>(_value: T): void {}
