import { describe, expect, it } from '@jest/globals';
import { createGcPacer, GC_STEP_BYTES } from '../src/runtime/gc-pacer.js';

describe('createGcPacer', () => {
  it.each([
    { reads: [100, 200], collections: 0 },
    { reads: [1000], collections: 1 },
    { reads: [999, 1], collections: 1 },
    { reads: [600, 600, 600, 600], collections: 2 },
    { reads: [5000], collections: 1 },
    { reads: [5000, 999], collections: 1 },
    { reads: [0, 0, 0], collections: 0 },
  ])('collects once per whole step read: $reads → $collections', ({ reads, collections }) => {
    let calls = 0;
    const pacer = createGcPacer(1000, () => calls++);
    for (const bytes of reads) pacer.read(bytes);
    expect(calls).toBe(collections);
    expect(pacer.collections).toBe(collections);
  });

  it('reaches the engine collection without a command-line flag', () => {
    const pacer = createGcPacer(1);
    pacer.read(1);
    pacer.read(1);
    expect(pacer.collections).toBe(2);
  });

  it('keeps a step far below the memory a large sync may use', () => {
    expect(GC_STEP_BYTES).toBeGreaterThanOrEqual(1024 * 1024);
    expect(GC_STEP_BYTES).toBeLessThanOrEqual(8 * 1024 * 1024);
  });
});
