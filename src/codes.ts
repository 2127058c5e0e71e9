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

/**
 * The most bytes one byte of a script can take in a server's JSON: a control character (tab,
 * newline, U+0001) written as `\u0009`, as some encoders also write `<`, `>` and `&`. Non-ASCII
 * text escaped as `\uXXXX` takes at most three times its UTF-8 bytes.
 */
export const JSON_ESCAPE_WORST = 6;

/** Room for the rest of a draft and the envelope: name, labels, dependencies, variables. */
export const DRAFT_FIELDS_BYTES = 1024 * 1024;

/**
 * Largest API response the client reads (25 MiB). It follows from the file limit, so that a
 * draft holding any file the action accepts can always be read back: a smaller cap would let a
 * valid file be written and then fail every later run's read.
 */
export const MAX_RESPONSE_BYTES = JSON_ESCAPE_WORST * MAX_SQL_BYTES + DRAFT_FIELDS_BYTES;

/** Label that records the commit a draft was last synced from (drift detection). */
export const COMMIT_LABEL = 'flink-draft-sync/commit';
