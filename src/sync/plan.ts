// Decides which manifest entries a run syncs, from the changed paths and the manifest's own changes.
// Pure: no git, no files.
import path from 'node:path';
import type { ChangeSet } from '../checkout/git.js';

/** The fields of a manifest entry that planning reads. `file` is relative to the repository root. */
export interface PlanEntry {
  file: string;
  draftId: string;
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

  const items: PlanItem<E>[] = [];
  for (const entry of entries) {
    const file = normalise(entry.file);
    const write = written.get(file);
    const removal = write === undefined ? removed.get(file) : undefined;
    if (write !== undefined) {
      items.push({ entry, reason: write, deleted: false });
    } else if (removal !== undefined) {
      items.push({ entry, reason: removal, deleted: true });
    } else if (manifestChanged && !previous.has(identity(entry))) {
      items.push({ entry, reason: 'manifest-changed', deleted: false });
    }
  }
  return items;
}

/** What makes two entries the same sync target; a change in any part is a manifest change. */
function identity(entry: PlanEntry): string {
  return JSON.stringify([normalise(entry.file), entry.draftId, entry.workspace, entry.namespace]);
}

/** Git reports `sql/a.sql`; a manifest may say `./sql/a.sql` or `sql//a.sql`. */
function normalise(file: string): string {
  return path.posix.normalize(file).replace(/^(?:\.\/)+/, '');
}
