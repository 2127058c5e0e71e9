import { describe, expect, it } from '@jest/globals';
import { licenceAllowed, refusedPackages } from '../scripts/licenses/allow.js';

describe('licenceAllowed', () => {
  it.each<[string | undefined, boolean]>([
    ['MIT', true],
    ['Apache-2.0', true],
    ['ISC', true],
    ['BSD-3-Clause', true],
    ['GPL-3.0-only', false],
    ['AGPL-3.0-or-later', false],
    ['LGPL-2.1', false],
    ['SSPL-1.0', false],
    ['(MIT OR GPL-3.0)', true],
    ['(GPL-3.0 OR MPL-2.0)', false],
    ['MIT AND GPL-2.0', false],
    ['(MIT AND Apache-2.0)', true],
    ['(MIT OR (GPL-2.0 AND Apache-2.0))', true],
    ['Apache-2.0 WITH LLVM-exception', true],
    ['GPL-2.0 WITH Classpath-exception-2.0', false],
    ['Apache-2.0+', true],
    ['SEE LICENSE IN LICENSE.txt', false],
    ['(MIT', false],
    ['MIT OR', false],
    ['', false],
    [undefined, false],
  ])('%s: %s', (expression, expected) => {
    expect(licenceAllowed(expression)).toBe(expected);
  });
});

describe('refusedPackages', () => {
  it('judges the production packages of a lock file and passes over dev ones', () => {
    const lock = {
      packages: {
        '': { license: 'MIT' },
        'node_modules/ok': { license: 'MIT' },
        'node_modules/copyleft': { license: 'GPL-3.0-only' },
        'node_modules/unlabelled': {},
        'node_modules/dev-copyleft': { dev: true, license: 'GPL-3.0-only' },
      },
    };
    expect(refusedPackages(lock)).toEqual([
      { path: 'node_modules/copyleft', license: 'GPL-3.0-only' },
      { path: 'node_modules/unlabelled', license: undefined },
    ]);
  });
});
