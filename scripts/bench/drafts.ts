// The drafts a benchmark syncs: a repository whose push changes their files, a fake API seeded
// with their old text, and the check that each draft ends up with the pushed bytes.
import path from 'node:path';
import { FakeVervericaApi, principalOf } from '../../__tests__/support/fake-ververica.js';
import { buildRepo, type CommitFiles } from './git-fixture.js';
import { NAMESPACE, WORKSPACE, draftId, manifestText, sqlPath } from './fixtures.js';

export const CREDENTIAL = {
  accessKeyId: 'LTAI5tBenchKeyId000000',
  accessKeySecret: 'bench-secret',
};

export interface DraftFile {
  file: string;
  draftId: string;
  /** The draft's text before the run. */
  old: string;
  /** The file's text at the pushed commit: what the draft must hold after the run. */
  new: string;
}

/** A checkout at `after`; the push `before → after` changes every draft's file. */
export interface DraftRepo {
  dir: string;
  before: string;
  after: string;
  drafts: DraftFile[];
}

export async function createDraftRepo(
  scripts: readonly { old: string; new: string }[],
): Promise<DraftRepo> {
  const drafts = scripts.map((s, i) => ({ file: sqlPath(i), draftId: draftId(i), ...s }));
  const first: CommitFiles = { 'flink-drafts.yaml': manifestText(drafts.map((d) => d.file)) };
  for (const d of drafts) first[d.file] = d.old;
  const second = Object.fromEntries(drafts.map((d) => [d.file, d.new]));
  const repo = await buildRepo([first, second], { checkout: true });
  const [before = '', after = ''] = repo.commits;
  return { dir: repo.dir, before, after, drafts };
}

/** A fresh fake holding the drafts' old text: every run starts from the same state. */
export async function seededFake(
  drafts: readonly Pick<DraftFile, 'file' | 'draftId' | 'old'>[],
  latencyMs: number,
  options: { lockedByAction?: boolean } = {},
): Promise<FakeVervericaApi> {
  const api = await FakeVervericaApi.start({ credentials: [CREDENTIAL], latencyMs });
  const holder = principalOf(CREDENTIAL);
  for (const d of drafts) {
    // As an earlier sync leaves a draft: locked by the action's identity, which its label records.
    const locked = options.lockedByAction
      ? {
          labels: { 'flink-draft-sync/lock-holder': holder.id },
          lock: { id: `lock-${d.draftId}`, holderId: holder.id, holderName: holder.name },
        }
      : {};
    api.seedDraft({
      ...locked,
      deploymentDraftId: d.draftId,
      name: path.basename(d.file, '.sql'),
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      engineVersion: 'vvr-8.0.9-flink-1.17',
      executionMode: 'STREAMING',
      artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: d.old } },
      createdAt: 1760000000,
      modifiedAt: 1760000000,
    });
  }
  return api;
}

/** Undefined when every draft holds its file's new text; otherwise what is wrong. */
export function wrongDrafts(
  api: FakeVervericaApi,
  drafts: readonly DraftFile[],
): string | undefined {
  const wrong = drafts.filter(
    (d) => api.draft(WORKSPACE, NAMESPACE, d.draftId)?.artifact?.sqlArtifact?.sqlScript !== d.new,
  );
  if (wrong.length === 0) return undefined;
  const some = wrong.slice(0, 3).map((d) => d.file);
  return `${wrong.length} of ${drafts.length} drafts do not hold their file's bytes (${some.join(', ')}${wrong.length > 3 ? ', …' : ''})`;
}

export type CallCounts = Record<string, number>;

/** Calls the fake received in one run, by action. */
export function countCalls(api: FakeVervericaApi): CallCounts {
  const counts: CallCounts = {};
  for (const call of api.calls) {
    const action = call.action ?? call.method;
    counts[action] = (counts[action] ?? 0) + 1;
  }
  return counts;
}

/**
 * The calls of several runs, e.g. `8 ListDeploymentDrafts + 200 UpdateDeploymentDraft`; a count
 * that differed between runs shows as a range, so a run that did different work stands out.
 */
export function describeCalls(runs: readonly CallCounts[]): string {
  const actions = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  const parts = actions.map((action) => {
    const counts = runs.map((r) => r[action] ?? 0);
    const low = Math.min(...counts);
    const high = Math.max(...counts);
    return `${low === high ? low : `${low}–${high}`} ${action}`;
  });
  return parts.join(' + ') || 'no calls';
}
