// A stand-in for @actions/core (as local-action uses) may record a failure without setting the
// exit code; the action must still end non-zero when it fails.
import { afterEach, describe, expect, it, jest } from '@jest/globals';

const actual = await import('@actions/core');
const recorded: string[] = [];
jest.unstable_mockModule('@actions/core', () => ({
  ...actual,
  setFailed: (message: string | Error) => {
    recorded.push(String(message));
  },
}));
const { run } = await import('../src/action/main.js');

describe('run() with a setFailed that only records', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    process.exitCode = undefined;
    recorded.length = 0;
  });

  it('sets the exit code to 1 when the run fails', async () => {
    // No inputs at all: the settings are invalid, so the run fails before anything is synced.
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('INPUT_')) delete process.env[name];
    }
    process.exitCode = undefined;
    await run();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatch(/^flink-draft-sync failed: /);
    expect(process.exitCode).toBe(1);
  });
});
