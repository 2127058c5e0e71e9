// Which synced rows go on to a deploy: the entry's own deploy: and restart: over the inputs, and
// only rows whose draft holds (or, planning, would hold) the file's script.
import { describe, expect, it } from '@jest/globals';
import { chooseRollouts } from '../src/rollout/targets.js';
import type { DraftResult, DraftStatus } from '../src/results.js';
import type { RolloutSettings } from '../src/settings.js';
import type { PlanItem } from '../src/sync/plan.js';

const SETTINGS: RolloutSettings = {
  deploy: true,
  deploymentTarget: 'default-queue',
  restart: 'if-running',
  waitMs: 60_000,
  onStartFailure: 'rollback',
};

function row(status: DraftStatus, file = 'a.sql'): DraftResult {
  return { file, draftId: 'd', workspace: 'w', namespace: 'n', status };
}

function item(over: Partial<PlanItem['entry']> = {}): PlanItem {
  return {
    entry: { file: 'a.sql', draftId: 'd', workspace: 'w', namespace: 'n', ...over },
    reason: 'file-changed',
    deleted: false,
  };
}

describe('chooseRollouts', () => {
  it.each<[DraftStatus, 'apply' | 'plan', boolean]>([
    ['updated', 'apply', true],
    ['unchanged', 'apply', true],
    ['failed', 'apply', false],
    ['skipped', 'apply', false],
    ['would-update', 'plan', true],
    ['unchanged', 'plan', true],
    ['would-fail', 'plan', false],
    ['skipped', 'plan', false],
  ])('a %s row in %s mode: %s', (status, mode, chosen) => {
    expect(chooseRollouts([row(status)], [item()], SETTINGS, mode)).toHaveLength(chosen ? 1 : 0);
  });

  it("lets an entry's own deploy: and restart: win over the inputs", () => {
    const rows = [row('updated', 'a.sql'), row('updated', 'b.sql'), row('updated', 'c.sql')];
    const items = [item({ deploy: false }), item({ restart: 'never' }), item()];
    expect(chooseRollouts(rows, items, SETTINGS, 'apply')).toEqual([
      { index: 1, restart: 'never' },
      { index: 2, restart: 'if-running' },
    ]);
    const off = { ...SETTINGS, deploy: false };
    expect(chooseRollouts(rows, [item(), item({ deploy: true }), item()], off, 'apply')).toEqual([
      { index: 1, restart: 'if-running' },
    ]);
  });
});
