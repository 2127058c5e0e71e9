import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './support/action-runner.js';

const rules = readFileSync(path.join(ROOT, '.github', 'CODEOWNERS'), 'utf8')
  .split('\n')
  .map((line, index) => ({ line: index + 1, text: line.trim() }))
  .filter((rule) => rule.text !== '' && !rule.text.startsWith('#'))
  .map(({ line, text }) => {
    const [pattern = '', ...owners] = text.split(/\s+/);
    return { line, pattern, owners };
  });

describe('CODEOWNERS', () => {
  it('has a catch-all first, so that no file goes without a reviewer', () => {
    expect(rules[0]).toMatchObject({ pattern: '*' });
  });

  it.each(rules.map((r) => [r.line, r.pattern, r.owners] as const))(
    'line %i (%s) names owners GitHub can resolve the form of',
    (_line, _pattern, owners) => {
      expect(owners.length).toBeGreaterThan(0);
      for (const owner of owners) expect(owner).toMatch(/^@[\w-]+(\/[\w-]+)?$/);
    },
  );

  it.each(rules.filter((r) => r.pattern.startsWith('/')).map((r) => [r.line, r.pattern] as const))(
    'line %i names a path that exists: %s',
    (_line, pattern) => {
      // A rule left behind by a move would silently stop asking for its review.
      expect(existsSync(path.join(ROOT, pattern))).toBe(true);
    },
  );
});
