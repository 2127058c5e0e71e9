import { describe, expect, it } from '@jest/globals';
import { isZeroSha, shortSha } from '../src/checkout/commit-sha.js';

describe('commit SHAs', () => {
  it.each([
    ['0'.repeat(40), true],
    ['0'.repeat(64), true],
    ['0'.repeat(39) + '1', false],
    ['', false],
  ])('isZeroSha(%j) is %s', (sha, zero) => {
    expect(isZeroSha(sha)).toBe(zero);
  });

  it.each([
    ['a'.repeat(40), 'aaaaaaa'],
    ['B'.repeat(64), 'BBBBBBB'],
    ['main', 'main'],
    ['a'.repeat(39), 'a'.repeat(39)],
  ])('shortSha(%j) is %j', (sha, short) => {
    expect(shortSha(sha)).toBe(short);
  });
});
