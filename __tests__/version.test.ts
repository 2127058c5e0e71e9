import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { PRODUCT, VERSION, userAgent } from '../src/runtime/version.js';

describe('the version the action names itself by', () => {
  it('is package.json’s, so a release cannot forget it', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      name: string;
      version: string;
    };
    expect([PRODUCT, VERSION]).toEqual([pkg.name, pkg.version]);
  });

  it('goes into a user-agent with the runtime, and nothing else', () => {
    expect(userAgent()).toBe(
      `flink-draft-sync/${VERSION} (Node.js ${process.version}; ${process.platform}; ${process.arch})`,
    );
  });
});
