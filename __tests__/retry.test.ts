import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { apiError, type ApiError, type ApiResult } from '../src/ververica/errors.js';
import { systemClock } from '../src/runtime/clock.js';
import {
  backoffDelay,
  ThrottleGate,
  withRetry,
  type RetryClock,
  type RetryPolicy,
} from '../src/runtime/retry.js';

/**
 * Virtual time. `sleep` records the request and parks the caller on a timer; `run` drives the
 * work by letting all pending promise callbacks settle, then jumping straight to the earliest
 * timer. Concurrent callers therefore interleave as they would on a real clock, without waiting.
 */
class VirtualClock implements RetryClock {
  readonly sleeps: Array<{ at: number; ms: number }> = [];
  private time: number;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; wake: () => void }> = [];
  private randomIndex = 0;

  constructor(
    start = 0,
    private readonly randoms: readonly number[] = [0.5],
  ) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  random(): number {
    const value = this.randoms[this.randomIndex++ % this.randoms.length];
    return value ?? 0.5;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push({ at: this.time, ms });
    return new Promise((wake) => {
      this.timers.push({ at: this.time + Math.max(0, ms), seq: this.seq++, wake });
    });
  }

  /** Time spent inside an attempt (the request itself), not a sleep. */
  spend(ms: number): void {
    this.time += ms;
  }

  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return work;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) throw new Error('work is stuck: nothing left to wake');
      this.time = Math.max(this.time, next.at);
      next.wake();
    }
  }
}

type Result = ApiResult<string>;

const ok = (value = 'done'): Result => ({ ok: true, value, requestId: 'req-ok' });
const fail = (code: string, status: number, retryAfterMs?: number): Result => ({
  ok: false,
  error: apiError({ status, code, message: `${code} happened`, requestId: 'req-1', retryAfterMs }),
});

/** An attempt function that plays back `results` in order and records when each call began. */
function script(
  clock: VirtualClock,
  results: readonly Result[],
  spendMs = 0,
): { attempt: (n: number) => Promise<Result>; starts: number[]; indices: number[] } {
  const starts: number[] = [];
  const indices: number[] = [];
  const attempt = async (n: number): Promise<Result> => {
    starts.push(clock.now());
    indices.push(n);
    clock.spend(spendMs);
    return results[Math.min(starts.length - 1, results.length - 1)] ?? ok();
  };
  return { attempt, starts, indices };
}

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000 };

describe('withRetry: which failures are retried', () => {
  it.each([
    ['Throttling', 400],
    ['Throttling.User', 400],
    ['Throttling.Api', 429],
    ['TooManyRequests', 429],
    ['ServiceUnavailable', 503],
    ['InternalError', 500],
    ['BadGateway', 502],
    ['NetworkError', 0],
    ['RequestTimeout', 0],
  ])('transient %s (HTTP %i) is retried up to maxRetries', async (code, status) => {
    const clock = new VirtualClock();
    const { attempt, indices } = script(clock, [fail(code, status)]);
    const result = await clock.run(withRetry(attempt, { policy, clock, deadline: 1e9 }));
    expect(result.attempts).toBe(policy.maxRetries + 1);
    expect(indices).toEqual([0, 1, 2, 3]);
    expect(result).toMatchObject({ ok: false, error: { code } });
  });

  it.each([
    ['SignatureDoesNotMatch', 400],
    ['IncompleteSignature', 400],
    ['InvalidAccessKeyId.NotFound', 404],
    ['InvalidSecurityToken.Expired', 400],
    ['Forbidden.RAM', 403],
    ['NoPermission', 403],
    ['DeploymentDraftNotFound', 404],
    ['InvalidParameter', 400],
    ['DeploymentDraftLocked', 409],
    ['InvalidResponse', 200],
  ])('permanent %s (HTTP %i) is never retried', async (code, status) => {
    const clock = new VirtualClock();
    const { attempt } = script(clock, [fail(code, status), ok()]);
    const result = await clock.run(withRetry(attempt, { policy, clock, deadline: 1e9 }));
    expect(result).toEqual({ ...fail(code, status), attempts: 1 });
    expect(clock.sleeps).toEqual([]);
  });

  it.each([
    { name: 'first try', results: [ok()], attempts: 1 },
    {
      name: 'after one transient failure',
      results: [fail('InternalError', 500), ok()],
      attempts: 2,
    },
    {
      name: 'after three transient failures',
      results: [
        fail('NetworkError', 0),
        fail('Throttling', 400),
        fail('ServiceUnavailable', 503),
        ok(),
      ],
      attempts: 4,
    },
  ])('succeeds $name and keeps the value and request id', async ({ results, attempts }) => {
    const clock = new VirtualClock();
    const { attempt } = script(clock, results);
    const result = await clock.run(withRetry(attempt, { policy, clock, deadline: 1e9 }));
    expect(result).toEqual({ ok: true, value: 'done', requestId: 'req-ok', attempts });
  });

  it('stops at a permanent failure that follows transient ones', async () => {
    const clock = new VirtualClock();
    const { attempt } = script(clock, [
      fail('InternalError', 500),
      fail('NoPermission', 403),
      ok(),
    ]);
    const result = await clock.run(withRetry(attempt, { policy, clock, deadline: 1e9 }));
    expect(result).toMatchObject({ ok: false, attempts: 2, error: { code: 'NoPermission' } });
  });

  it.each([0, 1, 5])(
    'makes at most maxRetries + 1 attempts (maxRetries %i)',
    async (maxRetries) => {
      const clock = new VirtualClock();
      const { attempt } = script(clock, [fail('InternalError', 500)]);
      const result = await clock.run(
        withRetry(attempt, { policy: { ...policy, maxRetries }, clock, deadline: 1e9 }),
      );
      expect(result.attempts).toBe(maxRetries + 1);
      expect(clock.sleeps).toHaveLength(maxRetries);
    },
  );
});

describe('backoff', () => {
  const p: RetryPolicy = { maxRetries: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  const almostOne = 1 - Number.EPSILON;

  it.each([
    [0, 0, 0],
    [0, almostOne, 99],
    [1, almostOne, 199],
    [3, almostOne, 799],
    [4, almostOne, 999],
    [60, almostOne, 999],
    [5000, almostOne, 999],
    [2, 0.5, 200],
  ])('attempt index %i with random %d → %i ms', (index, random, expected) => {
    expect(backoffDelay(index, p, () => random)).toBe(expected);
  });

  it('is 0 when the base delay is 0, even for huge attempt indices', () => {
    expect(backoffDelay(5000, { ...p, baseDelayMs: 0 }, () => almostOne)).toBe(0);
  });

  it('full jitter stays within [0, min(max, base * 2^n)]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, baseDelayMs, maxDelayMs, r) => {
          const d = backoffDelay(n, { maxRetries: 0, baseDelayMs, maxDelayMs }, () => r);
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          // 0 * 2^n is NaN once 2^n overflows; a zero base means no delay at all.
          const ceiling = baseDelayMs === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * 2 ** n);
          expect(d).toBeLessThanOrEqual(ceiling);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('sleeps the jittered exponential backoff between attempts', async () => {
    const clock = new VirtualClock(0, [0.5, 0.25, 0.75]);
    const { attempt } = script(clock, [fail('InternalError', 500)]);
    await clock.run(withRetry(attempt, { policy, clock, deadline: 1e9 }));
    // ceilings 1000, 2000, 4000 times the scripted random values
    expect(clock.sleeps.map((s) => s.ms)).toEqual([500, 500, 3000]);
  });

  it.each([
    { name: 'Retry-After larger than backoff wins', retryAfterMs: 7000, sleep: 7000 },
    { name: 'backoff larger than Retry-After wins', retryAfterMs: 100, sleep: 500 },
    { name: 'no Retry-After: backoff', retryAfterMs: undefined, sleep: 500 },
    { name: 'Retry-After beyond maxDelayMs still honoured', retryAfterMs: 90_000, sleep: 90_000 },
  ])('$name', async ({ retryAfterMs, sleep }) => {
    const clock = new VirtualClock(0, [0.5]);
    const { attempt, starts } = script(clock, [
      fail('ServiceUnavailable', 503, retryAfterMs),
      ok(),
    ]);
    await clock.run(withRetry(attempt, { policy, clock, deadline: 1e9 }));
    expect(clock.sleeps.map((s) => s.ms)).toEqual([sleep]);
    expect(starts).toEqual([0, sleep]);
  });
});

describe('withRetry: deadline', () => {
  const start = 1_000_000;

  it.each([
    { name: 'already passed', deadline: start - 1 },
    { name: 'exactly now', deadline: start },
  ])('deadline $name: no attempt, code Timeout', async ({ deadline }) => {
    const clock = new VirtualClock(start);
    const { attempt, starts } = script(clock, [ok()]);
    const result = await clock.run(withRetry(attempt, { policy, clock, deadline }));
    expect(starts).toEqual([]);
    expect(result).toMatchObject({
      ok: false,
      attempts: 0,
      error: { code: 'Timeout', transient: false, status: 0 },
    });
  });

  it.each([
    {
      name: 'Retry-After reaching past the deadline returns the error without sleeping',
      results: [fail('Throttling', 429, 20_000), ok()],
      deadline: start + 10_000,
      attempts: 1,
      sleeps: [],
    },
    {
      name: 'a retry that would start exactly at the deadline is not made',
      results: [fail('Throttling', 429, 10_000), ok()],
      deadline: start + 10_000,
      attempts: 1,
      sleeps: [],
    },
    {
      name: 'backoff retries stop once the next one cannot start in time',
      results: [fail('InternalError', 500)],
      deadline: start + 2000,
      attempts: 3,
      sleeps: [500, 1000],
    },
  ])('$name', async ({ results, deadline, attempts, sleeps }) => {
    const clock = new VirtualClock(start, [0.5]);
    const { attempt, starts } = script(clock, results);
    const result = await clock.run(
      withRetry(attempt, { policy: { ...policy, maxRetries: 10 }, clock, deadline }),
    );
    expect(result).toEqual({ ...results[0], attempts });
    expect(clock.sleeps.map((s) => s.ms)).toEqual(sleeps);
    for (const t of starts) expect(t).toBeLessThan(deadline);
  });

  it('time spent inside attempts counts against the deadline', async () => {
    const clock = new VirtualClock(start, [0]);
    const { attempt } = script(clock, [fail('RequestTimeout', 0)], 4000);
    const result = await clock.run(
      withRetry(attempt, {
        policy: { ...policy, maxRetries: 10 },
        clock,
        deadline: start + 10_000,
      }),
    );
    // attempts begin at +0, +4000, +8000; the one after would begin at +12000
    expect(result.attempts).toBe(3);
  });
});

describe('ThrottleGate', () => {
  const start = 0;

  async function twoCallers(withGate: boolean): Promise<{ bStarts: number[]; aStarts: number[] }> {
    const clock = new VirtualClock(start, [0]);
    const gate = withGate ? new ThrottleGate(clock) : undefined;
    const a = script(clock, [fail('Throttling.User', 400, 5000), ok()]);
    const b = script(clock, [ok()]);
    const ctx = { policy, clock, deadline: 1e9, ...(gate ? { gate } : {}) };
    const runA = withRetry(a.attempt, ctx);
    // B is another draft that comes along one second later, while A's throttling pause holds.
    const runB = clock.sleep(1000).then(() => withRetry(b.attempt, ctx));
    await clock.run(Promise.all([runA, runB]));
    return { aStarts: a.starts, bStarts: b.starts };
  }

  it('a throttled caller holds back a second concurrent caller', async () => {
    const { aStarts, bStarts } = await twoCallers(true);
    expect(aStarts).toEqual([0, 5000]);
    expect(bStarts).toEqual([5000]);
  });

  it('without a gate the second caller is not held back', async () => {
    const { bStarts } = await twoCallers(false);
    expect(bStarts).toEqual([1000]);
  });

  it('pause extends but never shortens', async () => {
    const clock = new VirtualClock(start);
    const gate = new ThrottleGate(clock);
    gate.pause(3000);
    gate.pause(1000);
    expect(await clock.run(gate.wait())).toBe(true);
    expect(clock.now()).toBe(3000);
  });

  it('wait follows a pause extended while it sleeps', async () => {
    const clock = new VirtualClock(start);
    const gate = new ThrottleGate(clock);
    gate.pause(2000);
    const waiting = gate.wait();
    gate.pause(8000);
    await clock.run(waiting);
    expect(clock.now()).toBe(8000);
    expect(clock.sleeps.map((s) => s.ms)).toEqual([2000, 6000]);
  });

  it('wait with a deadline inside the pause returns false without sleeping', async () => {
    const clock = new VirtualClock(start);
    const gate = new ThrottleGate(clock);
    gate.pause(60_000);
    expect(await clock.run(gate.wait(10_000))).toBe(false);
    expect(await clock.run(gate.wait(60_000))).toBe(false);
    expect(clock.sleeps).toEqual([]);
    expect(await clock.run(gate.wait(60_001))).toBe(true);
    expect(clock.now()).toBe(60_000);
  });

  it('a pause longer than the deadline ends the retry with Timeout before any attempt', async () => {
    const clock = new VirtualClock(start);
    const gate = new ThrottleGate(clock);
    gate.pause(60_000);
    const { attempt, starts } = script(clock, [ok()]);
    const result = await clock.run(withRetry(attempt, { policy, clock, deadline: 10_000, gate }));
    expect(result).toMatchObject({ ok: false, attempts: 0, error: { code: 'Timeout' } });
    expect(starts).toEqual([]);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('withRetry: properties', () => {
  const error: fc.Arbitrary<ApiError> = fc
    .record({
      code: fc.constantFrom('Throttling', 'InternalError', 'NoPermission', 'NetworkError'),
      status: fc.constantFrom(0, 400, 403, 429, 500, 503),
      transient: fc.boolean(),
      throttled: fc.boolean(),
      retryAfterMs: fc.option(fc.integer({ min: 0, max: 120_000 })),
    })
    .map(({ retryAfterMs, ...rest }) => ({
      ...rest,
      message: 'failed',
      ...(retryAfterMs === null ? {} : { retryAfterMs }),
    }));
  const result: fc.Arbitrary<Result> = fc.oneof(
    { arbitrary: fc.constant(ok()), weight: 1 },
    { arbitrary: error.map((e): Result => ({ ok: false, error: e })), weight: 4 },
  );

  it('attempts ≤ maxRetries + 1, no attempt or sleep reaches the deadline, last result returned', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(result, { minLength: 1, maxLength: 12 }),
        fc.record({
          maxRetries: fc.integer({ min: 0, max: 8 }),
          baseDelayMs: fc.integer({ min: 0, max: 5000 }),
          maxDelayMs: fc.integer({ min: 0, max: 60_000 }),
        }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 0, max: 30_000 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1 }),
        // null: no gate; otherwise a gate some other caller has already paused for that long
        fc.option(fc.integer({ min: 0, max: 300_000 })),
        async (results, retryPolicy, budget, spendMs, randoms, gatePause) => {
          runs++;
          const start = 1_700_000_000_000;
          const deadline = start + budget;
          const clock = new VirtualClock(start, randoms);
          const gate = gatePause === null ? undefined : new ThrottleGate(clock);
          gate?.pause(gatePause ?? 0);
          const { attempt, starts, indices } = script(clock, results, spendMs);
          const out = await clock.run(
            withRetry(attempt, { policy: retryPolicy, clock, deadline, ...(gate ? { gate } : {}) }),
          );

          expect(out.attempts).toBe(starts.length);
          expect(out.attempts).toBeLessThanOrEqual(retryPolicy.maxRetries + 1);
          expect(indices).toEqual(starts.map((_, i) => i));
          for (const t of starts) expect(t).toBeLessThan(deadline);
          for (const s of clock.sleeps) expect(s.at + s.ms).toBeLessThan(deadline);

          if (out.attempts === 0) {
            expect(budget === 0 || (gatePause ?? 0) >= budget).toBe(true);
            expect(out).toMatchObject({ ok: false, error: { code: 'Timeout' } });
            return;
          }
          const last = results[Math.min(out.attempts, results.length) - 1];
          expect(out).toEqual({ ...last, attempts: out.attempts });
          // Every result before the last one was a transient failure (else it would have stopped).
          for (let i = 0; i < out.attempts - 1; i++) {
            const r = results[Math.min(i, results.length - 1)];
            expect(r?.ok === false && r.error.transient).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
    expect(runs).toBeGreaterThanOrEqual(1000);
  });
});

describe('systemClock', () => {
  it('reads the wall clock and draws random numbers in [0, 1)', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    for (let i = 0; i < 100; i++) {
      const r = systemClock.random();
      expect(r >= 0 && r < 1).toBe(true);
    }
  });

  it('sleep(0) resolves', async () => {
    await expect(systemClock.sleep(0)).resolves.toBeUndefined();
  });

  it('an aborted sleep rejects instead of waiting it out', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(10 * 60_000, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(sleeping).rejects.toThrow('cancelled');
  });

  it('a sleep on an already aborted signal rejects', async () => {
    await expect(
      systemClock.sleep(10 * 60_000, AbortSignal.abort(new Error('gone'))),
    ).rejects.toThrow('gone');
  });
});
