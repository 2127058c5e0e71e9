// Command-line options of `npm run bench`. Pure.

export interface BenchOptions {
  /** Runs per measurement. */
  runs: number;
  jsonPath: string;
  markdownPath: string;
  /** Suite ids to run (e.g. `1`, `3`); all when empty. */
  only: string[];
}

export const DEFAULT_OPTIONS: BenchOptions = {
  runs: 3,
  jsonPath: 'bench-results/results.json',
  markdownPath: 'bench-results/results.md',
  only: [],
};

export const USAGE =
  'usage: npm run bench -- [--runs N] [--json <path>] [--markdown <path>] [--only 1,3,...]\n' +
  'groups: 1 throughput and baseline, 3 cold start, 4 change detection, 5 memory, 6 in-process,\n' +
  '        7 deploy and restart';

export type Parsed = { ok: true; options: BenchOptions } | { ok: false; message: string };

export function parseArgs(argv: readonly string[]): Parsed {
  const options = { ...DEFAULT_OPTIONS, only: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = argv[i + 1];
    const needsValue = ['--runs', '--json', '--markdown', '--only'].includes(flag);
    if (!needsValue) return { ok: false, message: `unknown option ${flag}` };
    if (value === undefined || value.startsWith('--')) {
      return { ok: false, message: `${flag} needs a value` };
    }
    i += 1;
    if (flag === '--runs') {
      const runs = Number(value);
      if (!Number.isInteger(runs) || runs < 1) {
        return { ok: false, message: `--runs must be a whole number of at least 1, not ${value}` };
      }
      options.runs = runs;
    } else if (flag === '--json') {
      options.jsonPath = value;
    } else if (flag === '--markdown') {
      options.markdownPath = value;
    } else {
      options.only = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    }
  }
  return { ok: true, options };
}
