// Which calls the fake API answers badly: a queue of one-off faults plus seeded random ones, so that
// a failing run can be replayed exactly from its seed.

export type FaultKind =
  | 'status'
  | 'reset'
  | 'hang'
  | 'html'
  | 'empty'
  | 'malformed-json'
  | 'huge'
  | 'echo-secrets'
  | 'reset-after-apply'
  | 'delay'
  | 'raw';

export interface Fault {
  kind: FaultKind;
  /** For 'status' (e.g. 503, 400, 403, 404) and 'html' / 'empty' / 'malformed-json'. */
  status?: number;
  /** Gateway `Code` or envelope `errorCode`, e.g. 'Throttling.User', 'ServiceUnavailable'. */
  code?: string;
  message?: string;
  /** Answer in the business envelope `{success:false, errorCode…}` instead of the gateway form. */
  envelope?: boolean;
  /** Adds a `Retry-After` header. */
  retryAfterSeconds?: number;
  /** Adds an `x-acs-retry-after` header (milliseconds), as the official runtime reads it. */
  acsRetryAfterMs?: number;
  /** For 'delay': how long the call waits before it is served as usual. */
  delayMs?: number;
  /** For 'raw': the exact body to answer with (a lying server), with `status` (default 200). */
  body?: string;
}

export interface FaultFilter {
  method?: string;
  action?: string;
  draftId?: string;
  /** Only calls signed with this key: one of two runs racing, say. */
  accessKeyId?: string;
}

/** What a fault decision looks at. */
export interface FaultTarget {
  method: string;
  action?: string;
  draftId?: string;
  accessKeyId?: string;
}

interface QueuedFault {
  remaining: number;
  fault: Fault;
  filter: FaultFilter;
}

function matches(filter: FaultFilter, target: FaultTarget): boolean {
  return (
    (filter.method === undefined || filter.method.toUpperCase() === target.method.toUpperCase()) &&
    (filter.action === undefined || filter.action === target.action) &&
    (filter.draftId === undefined || filter.draftId === target.draftId) &&
    (filter.accessKeyId === undefined || filter.accessKeyId === target.accessKeyId)
  );
}

/** mulberry32: tiny, fast and good enough to pick faults; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultPlan {
  private queue: QueuedFault[] = [];
  private random: { rate: number; next: () => number; faults: Fault[] } | undefined;

  failNext(count: number, fault: Fault, filter: FaultFilter = {}): void {
    if (count > 0)
      this.queue.push({ remaining: count, fault: { ...fault }, filter: { ...filter } });
  }

  setRandom(rate: number, seed: number, faults: Fault[]): void {
    this.random =
      rate > 0 && faults.length > 0
        ? { rate, next: seededRandom(seed), faults: faults.map((f) => ({ ...f })) }
        : undefined;
  }

  clear(): void {
    this.queue = [];
    this.random = undefined;
  }

  /** The fault for this call, if any. Queued faults come first and are used up in order. */
  decide(target: FaultTarget): Fault | undefined {
    const queued = this.queue.find((entry) => matches(entry.filter, target));
    if (queued) {
      queued.remaining -= 1;
      if (queued.remaining === 0) this.queue.splice(this.queue.indexOf(queued), 1);
      return queued.fault;
    }
    if (!this.random) return undefined;
    const { rate, next, faults } = this.random;
    if (next() >= rate) return undefined;
    return faults[Math.floor(next() * faults.length)];
  }
}
