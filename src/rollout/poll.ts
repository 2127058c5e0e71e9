// Waiting on the server: a deploy ticket, a job stopping, a job starting. Each read goes through the
// run's retries; between reads the wait grows from POLL.firstMs by POLL.factor up to POLL.maxMs, so
// that a short server step is seen soon and a long one costs few calls. No wait crosses `until`.
import type { ApiError, ApiResult } from '../ververica/errors.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';
import type { Result } from '../runtime/result.js';

export const POLL = { firstMs: 100, factor: 1.5, maxMs: 2000 } as const;

/** The wait before read number `n + 1` (n from 0). */
export function pollDelay(n: number): number {
  return Math.min(POLL.maxMs, Math.round(POLL.firstMs * POLL.factor ** Math.max(0, n)));
}

export type Polled<T> = Result<
  { value: T; requestId?: string },
  /** `last` is the latest value read when time ran out; `error` a read that failed for good. */
  { error?: ApiError; last?: T }
>;

/** Reads until `settled` says so, a read fails for good, or `until` (epoch ms) comes. */
export async function pollUntil<T>(
  read: () => Promise<ApiResult<T>>,
  settled: (value: T) => boolean | Promise<boolean>,
  retry: RetryContext,
  until: number,
): Promise<Polled<T>> {
  const context: RetryContext = { ...retry, deadline: Math.min(retry.deadline, until) };
  let last: T | undefined;
  for (let n = 0; ; n++) {
    const got = await withRetry(read, context);
    if (!got.ok) {
      // The budget ran out while reading: time, not a failure of the server's.
      if (retry.clock.now() >= context.deadline) return { ok: false, error: { last } };
      return { ok: false, error: { error: got.error, last } };
    }
    last = got.value;
    if (await settled(got.value))
      return { ok: true, value: { value: got.value, requestId: got.requestId } };
    const wait = pollDelay(n);
    if (retry.clock.now() + wait >= context.deadline) return { ok: false, error: { last } };
    await retry.clock.sleep(wait);
  }
}
