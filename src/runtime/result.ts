// The one shape of an outcome that can fail without throwing: every module that returns a failure
// as a value returns this, so a caller reads `ok`, then `value` or `error`, the same way everywhere.

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
