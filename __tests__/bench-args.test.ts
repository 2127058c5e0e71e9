import { describe, expect, it } from '@jest/globals';
import { DEFAULT_OPTIONS, parseArgs } from '../scripts/bench/args.js';

describe('parseArgs', () => {
  it('defaults to 3 runs and results in bench-results/', () => {
    expect(parseArgs([])).toEqual({ ok: true, options: DEFAULT_OPTIONS });
    expect(DEFAULT_OPTIONS).toMatchObject({
      runs: 3,
      jsonPath: 'bench-results/results.json',
      markdownPath: 'bench-results/results.md',
      only: [],
    });
  });

  it.each([
    [['--runs', '7'], { runs: 7 }],
    [['--json', 'out/b.json'], { jsonPath: 'out/b.json' }],
    [['--markdown', 'b.md', '--runs', '1'], { markdownPath: 'b.md', runs: 1 }],
    [['--only', '1, 3'], { only: ['1', '3'] }],
  ])('%j', (argv, expected) => {
    const parsed = parseArgs(argv);
    expect(parsed).toEqual({ ok: true, options: { ...DEFAULT_OPTIONS, ...expected } });
  });

  it.each([
    [['--runs', '0'], '--runs must be a whole number of at least 1, not 0'],
    [['--runs', '2.5'], '--runs must be a whole number of at least 1, not 2.5'],
    [['--runs'], '--runs needs a value'],
    [['--json', '--runs', '3'], '--json needs a value'],
    [['--fast'], 'unknown option --fast'],
  ])('refuses %j', (argv, message) => {
    expect(parseArgs(argv)).toEqual({ ok: false, message });
  });
});
