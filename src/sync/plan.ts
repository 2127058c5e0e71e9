// Decides which manifest entries a run syncs, from the changed paths and the manifest's own changes.
// Pure: no git, no files.
import path from 'node:path';
import type { ChangeSet } from '../checkout/git.js';
import type { DeclaredFields } from '../manifest/manifest.js';

/** The fields of a manifest entry that planning reads. `file` is relative to the repository root. */
export interface PlanEntry {
  file: string;
  /** Empty when the entry names its draft by `name` (in `folder`) only. */
  draftId: string;
  name?: string;
  folder?: string;
  declared?: DeclaredFields;
  workspace: string;
  namespace: string;
  /** The entry's own `deploy:` and `restart:`, over the inputs. */
  deploy?: boolean;
  restart?: 'never' | 'if-running';
}

export type PlanReason = 'file-changed' | 'file-renamed' | 'manifest-changed' | 'sync-all';

export interface PlanItem<E extends PlanEntry = PlanEntry> {
  entry: E;
  reason: PlanReason;
  /** The file is gone at the pushed commit: the entry is reported, and its draft is left as it is. */
  deleted: boolean;
  /**
   * The fields the entry for the same file declared at the diff's base: a draft still holding
   * those was changed by the push, not by hand (see declared.ts, driftedFields).
   */
  declaredBefore?: DeclaredFields;
}

export interface PlanInput<E extends PlanEntry> {
  /** The manifest at the pushed commit, in manifest order. */
  entries: readonly E[];
  /** The manifest at the diff's base; undefined or empty when it did not exist there. */
  previousEntries?: readonly PlanEntry[];
  changes: ChangeSet;
  manifestPath: string;
}

/** Entries to sync, in manifest order, each at most once. */
export function planSync<E extends PlanEntry>(input: PlanInput<E>): PlanItem<E>[] {
  const { entries, changes } = input;
  if (changes.kind === 'all') {
    return entries.map((entry) => ({ entry, reason: 'sync-all', deleted: false }));
  }

  // Path → why its content at the pushed commit is new. A path that is both removed and written
  // (deleted, then another file renamed onto it) exists after the push, so it is not deleted.
  const written = new Map<string, 'file-changed' | 'file-renamed'>();
  const removed = new Map<string, 'file-changed' | 'file-renamed'>();
  for (const change of changes.changes) {
    const target = normalise(change.path);
    switch (change.status) {
      case 'deleted':
        removed.set(target, 'file-changed');
        break;
      case 'renamed':
        written.set(target, 'file-renamed');
        if (change.previousPath !== undefined) {
          removed.set(normalise(change.previousPath), 'file-renamed');
        }
        break;
      default:
        // added, modified, copied (the source is untouched) and type-changed.
        written.set(target, 'file-changed');
    }
  }

  const manifestChanged = written.has(normalise(input.manifestPath));
  const previous = new Set((input.previousEntries ?? []).map(identity));
  const before = new Map(
    (input.previousEntries ?? []).map((entry) => [normalise(entry.file), entry.declared]),
  );
  const item = (entry: E, reason: PlanReason, deleted: boolean): PlanItem<E> => {
    const declaredBefore = before.get(normalise(entry.file));
    return declaredBefore ? { entry, reason, deleted, declaredBefore } : { entry, reason, deleted };
  };

  const items: PlanItem<E>[] = [];
  for (const entry of entries) {
    const file = normalise(entry.file);
    const write = written.get(file);
    const removal = write === undefined ? removed.get(file) : undefined;
    if (write !== undefined) {
      items.push(item(entry, write, false));
    } else if (removal !== undefined) {
      items.push(item(entry, removal, true));
    } else if (manifestChanged && !previous.has(identity(entry))) {
      items.push(item(entry, 'manifest-changed', false));
    }
  }
  return items;
}

/**
 * What makes two entries the same sync target; a change in any part is a manifest change. The
 * declared fields count: a new engine version in the manifest is a change to write.
 */
function identity(entry: PlanEntry): string {
  return JSON.stringify([
    normalise(entry.file),
    entry.draftId,
    entry.workspace,
    entry.namespace,
    entry.name ?? null,
    entry.folder ?? null,
    entry.declared ?? null,
  ]);
}

/** Git reports `sql/a.sql`; a manifest may say `./sql/a.sql` or `sql//a.sql`. */
function normalise(file: string): string {
  return path.posix.normalize(file).replace(/^(?:\.\/)+/, '');
}
