// The checkout as the engine sees it: one interface over git and the files of the working tree,
// bound to the checkout's folder. The only way the engine reaches either.
import { isPullRequest, type EventInfo } from '../settings.js';
import { readSqlFile, readWorkspaceFile, type FileBytes, type SqlFile } from './files.js';
import { detectChanges, isAncestor, readFileAtCommit, type ChangeSet } from './git.js';

export interface Checkout {
  readonly dir: string;
  /** What the event changed: a push against `before`, a pull request against its merge base. */
  changes(event: EventInfo, syncAll: boolean): Promise<ChangeSet>;
  /** A file's bytes at a commit; undefined when the commit has no such file. */
  fileAt(sha: string, file: string): Promise<Buffer | undefined>;
  /** Whether `ancestor` is in `descendant`'s history; undefined when git cannot tell. */
  isAncestor(ancestor: string, descendant: string): Promise<boolean | undefined>;
  /** A .sql file of the working tree, checked (inside the checkout, regular, size, UTF-8). */
  readSql(file: string): SqlFile;
  /** Any file of the working tree, with the same checks but the encoding. */
  readFile(file: string, maxBytes: number): FileBytes;
}

export function openCheckout(dir: string): Checkout {
  return {
    dir,
    changes: (event, syncAll) => {
      if (syncAll) return Promise.resolve({ kind: 'all', reason: 'sync-all', warnings: [] });
      const pr = isPullRequest(event);
      return detectChanges({
        cwd: dir,
        before: pr ? event.base : event.before,
        after: event.head,
        mode: pr ? 'pull_request' : 'push',
        forced: event.forced,
        defaultBranch: event.defaultBranch,
      });
    },
    fileAt: (sha, file) => readFileAtCommit(dir, sha, file),
    isAncestor: (ancestor, descendant) => isAncestor(dir, ancestor, descendant),
    readSql: (file) => readSqlFile(dir, file),
    readFile: (file, maxBytes) => readWorkspaceFile(dir, file, maxBytes),
  };
}
