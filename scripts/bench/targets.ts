// Workload sizes and the targets each benchmark must meet. Each target leaves about three times
// headroom over the worst of four runs on a 2-core Xeon with Node 20 (in the comments), one of
// them with a busy loop on one core, so a shared runner does not fail it, while a real regression
// (quadratic work, lost concurrency, scripts held many times over) still does.
export const TARGETS = {
  // 0.67–0.95 s, 116–117 MiB.
  endToEnd: { drafts: 200, lines: 100, runs: 3, wallSeconds: 3, peakRssMiB: 350 },
  // 9.5–9.7 s at 1, 1.5–1.7 s at 8, so 5.5–6.4x of the 8x the latency allows.
  concurrency: {
    latencyMs: 20,
    low: 1,
    high: 8,
    serialSeconds: 30,
    parallelSeconds: 5,
    minSpeedup: 4,
  },
  // 23–47 ms, of which git's diff takes about 20.
  changes: { touched: 5000, mapped: 1000, ms: 150 },
  // 300–380 ms; 44–49 MiB peak, 1.6 MiB kept.
  manifest: { entries: 10_000, ms: 1200, peakHeapMiB: 150, retainedHeapMiB: 5 },
  // 104–124 ms. The size bound is GitHub's own limit on a step summary, not a measurement.
  summary: { results: 5000, ms: 400, maxKiB: 1024 },
  // 13–36 ms.
  diff: { lines: 20_000, every: 200, ms: 120 },
  // 49,000–55,000 per second.
  signer: { opsPerSecond: 15_000 },
  // 0.31–0.58 s, 124 MiB.
  largeScript: { lines: 20_000, wallSeconds: 2, peakRssMiB: 375 },
} as const;
