// The committed bundle is one file with one licence list. A module loaded later (a dynamic import
// that the bundler splits off) would land in a second file, and ncc would then leave its packages
// out of licenses.txt: both are checked here, on the dist/ that the test run builds.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const DIST = path.resolve('dist');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('dist/', () => {
  it('holds the bundle, its licences and its module type, and nothing else', () => {
    expect(readdirSync(DIST).sort()).toEqual([
      'cli.js',
      'index.js',
      'licenses.txt',
      'package.json',
    ]);
  });

  it("holds the CLI as the package's bin, runnable as a command", () => {
    const bin = (
      JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> }
    ).bin;
    expect(bin).toEqual({ 'flink-draft-sync': 'dist/cli.js' });
    expect(
      readFileSync(path.join(DIST, 'cli.js'), 'utf8').startsWith('#!/usr/bin/env node\n'),
    ).toBe(true);
  });

  it('lists the licence of every dependency, the ones loaded only when needed included', () => {
    const names = new Set(
      readFileSync(path.join(DIST, 'licenses.txt'), 'utf8')
        .split('\n')
        .filter((line) => /^(?:@[\w.-]+\/)?[\w.-]+$/.test(line)),
    );
    // @octokit/core is only reached through @actions/github, which is loaded for PR comments.
    for (const name of [...Object.keys(pkg.dependencies), '@octokit/core']) {
      expect(names).toContain(name);
    }
  });
});
