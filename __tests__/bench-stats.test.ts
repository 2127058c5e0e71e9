import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  median,
  pairedDifferences,
  pairedRatios,
  physicalFloorMs,
  spread,
} from '../scripts/bench/stats.js';

describe('median', () => {
  it.each([
    [[], Number.NaN],
    [[7], 7],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[5, 5, 1, 9, 5], 5],
    [[-2, 10], 4],
    // Halfway points that a plain (a + b) / 2 gets wrong: overflow, and the smallest double.
    [[Number.MAX_VALUE, Number.MAX_VALUE], Number.MAX_VALUE],
    [[-Number.MAX_VALUE, -Number.MAX_VALUE], -Number.MAX_VALUE],
    [[-Number.MAX_VALUE, Number.MAX_VALUE], 0],
    [[Number.MIN_VALUE, Number.MIN_VALUE], Number.MIN_VALUE],
  ])('of %j is %p', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('has as many values at or below it as at or above it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1 }), (values) => {
        const m = median(values);
        const below = values.filter((v) => v <= m).length;
        const above = values.filter((v) => v >= m).length;
        expect(below).toBeGreaterThanOrEqual(values.length / 2);
        expect(above).toBeGreaterThanOrEqual(values.length / 2);
      }),
    );
  });
});

describe('spread', () => {
  it('gives the median, the smallest and the largest run', () => {
    expect(spread([120, 80, 100, 95, 300])).toEqual({ median: 100, min: 80, max: 300 });
  });

  it('is not a number when nothing was measured', () => {
    expect(spread([])).toEqual({ median: Number.NaN, min: Number.NaN, max: Number.NaN });
  });

  it('keeps min ≤ median ≤ max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1 }),
        (values) => {
          const s = spread(values);
          expect(s.min).toBeLessThanOrEqual(s.median);
          expect(s.median).toBeLessThanOrEqual(s.max);
        },
      ),
    );
  });
});

describe('physicalFloorMs', () => {
  it.each([
    // ceil(N / concurrency) rounds of a GET, a lock call and a PATCH, 50 ms each.
    [50, 4, 50, 1950],
    [50, 8, 50, 1050],
    [50, 16, 50, 600],
    [200, 8, 50, 3750],
    [1000, 4, 50, 37_500],
    [1000, 16, 50, 9450],
    [0, 4, 50, 0],
    [3, 1, 10, 90],
  ])(
    '%i drafts at concurrency %i with %i ms per call: %i ms',
    (drafts, concurrency, latency, floor) => {
      expect(physicalFloorMs(drafts, concurrency, latency)).toBe(floor);
    },
  );

  it.each([
    [10, 0],
    [10, 1.5],
    [-1, 4],
  ])('refuses %p drafts at concurrency %p', (drafts, concurrency) => {
    expect(() => physicalFloorMs(drafts, concurrency, 50)).toThrow(RangeError);
  });

  it('never falls as drafts are added, nor rises as concurrency is added', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 64 }),
        (drafts, concurrency) => {
          const floor = physicalFloorMs(drafts, concurrency, 50);
          expect(physicalFloorMs(drafts + 1, concurrency, 50)).toBeGreaterThanOrEqual(floor);
          expect(physicalFloorMs(drafts, concurrency + 1, 50)).toBeLessThanOrEqual(floor);
        },
      ),
    );
  });
});

describe('paired series', () => {
  it('divides and subtracts run by run', () => {
    expect(pairedRatios([2000, 3000], [200, 250])).toEqual([10, 12]);
    expect(pairedDifferences([120, 90], [20, 30])).toEqual([100, 60]);
  });

  it('refuses series of different lengths', () => {
    expect(() => pairedRatios([1, 2], [1])).toThrow(RangeError);
    expect(() => pairedDifferences([1], [1, 2])).toThrow(RangeError);
  });
});
