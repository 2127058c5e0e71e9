// The real clock behind RetryClock. Everything that waits takes a RetryClock instead of calling
// timers directly, so that tests can run on virtual time.
import { setTimeout as delay } from 'node:timers/promises';
import type { RetryClock } from './retry.js';

// Node fires longer timers after 1 ms instead, so long sleeps are taken in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

async function sleepOnce(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    // Node rejects with its own AbortError; the signal's reason says who cancelled, and why.
    throw signal?.aborted ? signal.reason : error;
  }
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
