// Workloads and targets. The first five groups are the performance requirements of the action as
// stated; the in-process group guards the pure modules against quadratic regressions, with about
// three times headroom over a 2-core Xeon under Node 20 (measured ranges in the comments).
const KiB = 1024;
const MB = 1000 * 1000;

export const THROUGHPUT = {
  drafts: [50, 200, 1000],
  concurrency: [4, 8, 16],
  scriptBytes: 20 * KiB,
  /** Added by the fake API to every call, on both sides of the comparison. */
  latencyMs: 50,
  /** Wall time at most this multiple of the physical floor. */
  maxFloorRatio: 1.25,
  /** Drafts an earlier sync left locked by the action: a read and a write each, no lock call. */
  steadyState: { drafts: 200, concurrency: 8 },
  /** A plan of this many changed files with the SQL check (validate: plan). */
  validatedPlan: { drafts: 200, concurrency: 8 },
} as const;

/** 50 running jobs deployed and restarted, with a fixed server time per ticket, stop and start. */
export const ROLLOUT = {
  drafts: 50,
  concurrency: 8,
  serverMs: { ticketMs: 500, stopMs: 500, startMs: 1000 },
} as const;

/**
 * New drafts by name in folders of their own. The allowance covers the action's start (~200 ms)
 * and git's change detection, which the floor of API calls leaves out.
 */
export const CREATE = {
  drafts: 100,
  folders: 10,
  concurrency: 8,
  allowance: 2,
} as const;

/** An import of a namespace built by hand: drafts spread over `teams` × `perTeam` folders. */
export const IMPORT = {
  drafts: 500,
  teams: 5,
  perTeam: 5,
  concurrency: 8,
  /**
   * What the API's floor leaves out, as measured phase by phase: Node 24 and the bundle up to the
   * first call (about 230 ms here), the listing's pages sharing the call bound with the walk
   * (about 150 ms over the floor), and the 500 files and the manifest written (about 350 ms).
   */
  startMs: 900,
} as const;

export const BASELINE = {
  drafts: 200,
  /** The action's concurrency the baseline is compared with. */
  concurrency: 8,
  minSpeedup: 10,
} as const;

export const COLD_START = {
  manifestEntries: 1000,
  scriptBytes: 2 * KiB,
  noOpMs: 400,
  bundleMB: 2,
} as const;

export const CHANGES = {
  files: 20_000,
  changed: 5000,
  mapped: 300,
  beyondGitMs: 1000,
} as const;

export const MEMORY = {
  drafts: 1000,
  scriptBytes: 100 * KiB,
  peakRssMB: 200,
} as const;

export const IN_PROCESS = {
  // 300–380 ms; 44–49 MiB peak, 1.6 MiB kept.
  manifest: { entries: 10_000, ms: 1200, peakHeapMiB: 150 },
  // 104–124 ms. The size bound is GitHub's own limit on a step summary, not a measurement.
  summary: { results: 5000, ms: 400, maxKiB: 1024 },
  // 13–36 ms.
  diff: { lines: 20_000, every: 200, ms: 120 },
  // 49,000–55,000 per second.
  signer: { opsPerSecond: 15_000 },
} as const;

export const UNITS = { KiB, MB } as const;
