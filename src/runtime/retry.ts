// The one retry helper, for Ververica and STS calls alike: exponential backoff with full jitter,
// Retry-After honoured, one shared pause when the API throttles, and a hard deadline that no sleep
// ever crosses. Pure logic: time, sleeping and randomness come from the injected RetryClock.
import { Code } from '../codes.js';
import type { ApiError, ApiResult } from '../ververica/errors.js';
import type { Err, Ok } from './result.js';

export interface RetryPolicy {
  /** Retries after the first attempt: at most `maxRetries + 1` attempts in all. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryClock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

/**
 * A pause shared by every draft in flight: when the API throttles one caller, all of them hold
 * back, instead of each spending its own retries against the same limit.
 */
export class ThrottleGate {
  private pausedUntil = 0;

  constructor(private readonly clock: RetryClock) {}

  /**
   * Waits until the shared pause is over, following any extension made meanwhile. With a
   * `deadline`, returns false at once (without sleeping) when the pause would last until or
   * past it.
   */
  async wait(deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    for (;;) {
      const now = this.clock.now();
      if (now >= this.pausedUntil) return true;
      if (this.pausedUntil >= deadline) return false;
      await this.clock.sleep(this.pausedUntil - now);
    }
  }

  /** Extends the pause to now + ms; never shortens it. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + Math.max(0, ms));
  }
}

export interface RetryContext {
  policy: RetryPolicy;
  clock: RetryClock;
  /** Epoch milliseconds; no attempt starts at or after it. */
  deadline: number;
  gate?: ThrottleGate;
}

/**
 * Full-jitter backoff before retry number `attemptIndex + 1`: uniform in
 * [0, min(maxDelayMs, baseDelayMs * 2^attemptIndex)].
 */
export function backoffDelay(
  attemptIndex: number,
  policy: RetryPolicy,
  random: () => number,
): number {
  const base = Math.max(0, policy.baseDelayMs);
  const max = Math.max(0, policy.maxDelayMs);
  // base * 2^n overflows to Infinity for large n; 0 * Infinity would be NaN.
  const ceiling = base === 0 ? 0 : Math.min(max, base * 2 ** Math.max(0, attemptIndex));
  const r = Math.min(1, Math.max(0, random()));
  return Math.floor(r * ceiling);
}

/** What a failed attempt must say for the loop to decide on another. */
export interface Retryable {
  transient: boolean;
  throttled: boolean;
  /** The server's own wait, from `x-acs-retry-after` or `Retry-After`. */
  retryAfterMs?: number;
}

function deadlineError(): ApiError {
  return {
    status: 0,
    code: Code.Timeout,
    message: 'The time budget ran out before the request could be sent',
    transient: false,
    throttled: false,
  };
}

/** An attempt's outcome: a Result, whose value may come with the request's ID. */
export type Attempt<T, E> = (Ok<T> & { requestId?: string }) | Err<E>;

/**
 * Calls `attempt` (with the 0-based attempt index) until it succeeds, fails for good, runs out of
 * retries, or the next attempt could not start before the deadline. Returns the last result and
 * how many attempts were made. `notStarted` is the error when the deadline let no attempt start;
 * for API calls it is an ApiError with code `Timeout`.
 */
export function withRetry<T>(
  attempt: (n: number) => Promise<ApiResult<T>>,
  ctx: RetryContext,
): Promise<ApiResult<T> & { attempts: number }>;
export function withRetry<T, E extends Retryable>(
  attempt: (n: number) => Promise<Attempt<T, E>>,
  ctx: RetryContext,
  notStarted: () => E,
): Promise<Attempt<T, E> & { attempts: number }>;
export async function withRetry<T, E extends Retryable>(
  attempt: (n: number) => Promise<Attempt<T, E>>,
  ctx: RetryContext,
  notStarted: () => E = deadlineError as unknown as () => E,
): Promise<Attempt<T, E> & { attempts: number }> {
  const { policy, clock, deadline, gate } = ctx;
  const retries = Number.isFinite(policy.maxRetries) ? Math.floor(policy.maxRetries) : 0;
  const maxAttempts = Math.max(0, retries) + 1;
  let last: Attempt<T, E> | undefined;
  let attempts = 0;

  const giveUp = (): Attempt<T, E> & { attempts: number } =>
    last ? { ...last, attempts } : { ok: false, error: notStarted(), attempts };

  for (;;) {
    if (gate && !(await gate.wait(deadline))) return giveUp();
    if (clock.now() >= deadline) return giveUp();

    last = await attempt(attempts);
    attempts++;
    if (last.ok || !last.error.transient) return { ...last, attempts };

    const retryAfter = last.error.retryAfterMs ?? 0;
    const wait = Math.max(
      backoffDelay(attempts - 1, policy, () => clock.random()),
      retryAfter > 0 ? retryAfter : 0,
    );
    // Even a caller that stops here slows the others down: the limit is shared.
    if (last.error.throttled) gate?.pause(wait);
    if (attempts >= maxAttempts) return giveUp();
    if (clock.now() + wait >= deadline) return giveUp();
    await clock.sleep(wait);
  }
}
