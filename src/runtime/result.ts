// The one shape of an outcome that can fail without throwing: every module that returns a failure
// as a value returns this, so a caller reads `ok`, then `value` or `error`, the same way everywhere.

export type Ok<T> = { ok: true; value: T };
export type Err<E> = { ok: false; error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function err<E>(error: E): Err<E> {
  return { ok: false, error };
}
