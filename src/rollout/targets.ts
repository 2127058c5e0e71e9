// Which synced rows go on to their deployment and job, and with which settings. Pure.
import type { PlanItem } from '../sync/plan.js';
import type { DraftResult } from '../results.js';
import type { Mode, Restart, RolloutSettings } from '../settings.js';

export interface RolloutChoice {
  index: number;
  restart: Restart;
}

/** Rows whose draft holds the file's script now (or would, planning), with deploy on for their entry. */
const READY: Readonly<Record<Mode, ReadonlySet<DraftResult['status']>>> = {
  apply: new Set(['created', 'updated', 'unchanged']),
  plan: new Set(['would-update', 'unchanged']),
};

export function chooseRollouts(
  rows: readonly DraftResult[],
  items: readonly PlanItem[],
  settings: RolloutSettings,
  mode: Mode,
): RolloutChoice[] {
  const chosen: RolloutChoice[] = [];
  rows.forEach((row, index) => {
    const entry = items[index]?.entry;
    if (!entry || !READY[mode].has(row.status)) return;
    if (!(entry.deploy ?? settings.deploy)) return;
    chosen.push({ index, restart: entry.restart ?? settings.restart });
  });
  return chosen;
}
