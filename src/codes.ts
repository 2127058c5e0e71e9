// The action's own result codes. API failures keep the API's `errorCode` or the gateway's `Code`.
export const Code = {
  FileDeleted: 'FileDeleted',
  FileNotFound: 'FileNotFound',
  FileNotUtf8: 'FileNotUtf8',
  FileHasNulByte: 'FileHasNulByte',
  FileTooLarge: 'FileTooLarge',
  FileOutsideWorkspace: 'FileOutsideWorkspace',
  FileUnreadable: 'FileUnreadable',
  DraftNotSqlScript: 'DraftNotSqlScript',
  DraftDrifted: 'DraftDrifted',
  DraftChangedRemotely: 'DraftChangedRemotely',
  DraftFromNewerCommit: 'DraftFromNewerCommit',
  DraftLocked: 'DraftLocked',
  NoCredentials: 'NoCredentials',
  Timeout: 'Timeout',
} as const;

export type ActionCode = (typeof Code)[keyof typeof Code];

/** Largest .sql file the action will send. Documented in the README. */
export const MAX_SQL_BYTES = 4 * 1024 * 1024;

/** Label that records the commit a draft was last synced from (drift detection). */
export const COMMIT_LABEL = 'flink-draft-sync/commit';
