// The real clock behind RetryClock. Everything that waits takes a RetryClock instead of calling
// timers directly, so that tests can run on virtual time.
import type { RetryClock } from './retry.js';

// Node fires longer timers after 1 ms instead, so long sleeps are taken in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

function sleepOnce(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // Rejecting (with the signal's reason) keeps a cancelled wait from looking like a finished one.
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    let left = Math.max(0, ms);
    do {
      const step = Math.min(left, MAX_TIMER_MS);
      await sleepOnce(step, signal);
      left -= step;
    } while (left > 0);
  },
  random: () => Math.random(),
};
