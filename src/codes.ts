// The action's own result codes. API failures keep the API's `errorCode` or the gateway's `Code`.
import { ClientCode } from './ververica/errors.js';
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
  SqlInvalid: 'SqlInvalid',
  DeployFailed: 'DeployFailed',
  SavepointFailed: 'SavepointFailed',
  JobBusy: 'JobBusy',
  StartFailed: 'StartFailed',
  RolledBack: 'RolledBack',
  RollbackFailed: 'RollbackFailed',
  DraftNameAmbiguous: 'DraftNameAmbiguous',
  FolderAmbiguous: 'FolderAmbiguous',
  NoEngineVersion: 'NoEngineVersion',
  NoCredentials: 'NoCredentials',
  Timeout: 'Timeout',
  /** A bug: something the action did not expect threw; the draft's row says what. */
  InternalError: 'InternalError',
} as const;

export type ActionCode = (typeof Code)[keyof typeof Code];

type OwnCode = ActionCode | (typeof ClientCode)[keyof typeof ClientCode];

/**
 * What each code the action assigns itself means, as the README's table shows it (`npm run docs`
 * writes the table from this list, so the two cannot drift apart). Typed over every code, so a new
 * one cannot be added without its line.
 */
export const CODE_MEANINGS: Readonly<Record<OwnCode, string>> = {
  FileDeleted: 'the push deleted the file; the draft was left alone',
  FileNotFound: 'the manifest names a file that is not in the checkout',
  FileNotUtf8: 'the file is not valid UTF-8',
  FileHasNulByte: 'the file contains a NUL byte',
  FileTooLarge: 'the file is over 4 MiB',
  FileOutsideWorkspace: 'the path leads outside the repository (symlink)',
  FileUnreadable: 'the file could not be read (a FIFO, a directory, no permission)',
  DraftNotSqlScript: 'the draft is a JAR, Python or CDC YAML draft',
  DraftDrifted: 'the draft was edited outside git since the last sync (`on-drift: fail`)',
  DraftChangedRemotely: "the draft changed between the action's read and its write; left alone",
  DraftFromNewerCommit:
    'the draft was synced from a newer commit (an older run, or a run that lost a race); left alone',
  DraftLocked: "someone else holds the draft's edit lock; the action never takes it; left alone",
  SqlInvalid:
    "the server's SQL check (ValidateSqlStatement) found an error, annotated at its line and column; an invalid script is never written",
  DeployFailed:
    "the deploy ticket failed (the server's SQL errors are annotated at their line and column); the job was not touched",
  SavepointFailed:
    'the stop could not take a savepoint, so the job keeps running its old version; it is never restarted without its state',
  JobBusy: 'the job was starting or stopping by other hands; it was left alone',
  DraftNameAmbiguous:
    "two or more drafts carry the entry's `name` in its folder (two runs raced to create it, or a console copy); the message names their IDs: delete one, or give `draftId:`",
  FolderAmbiguous:
    "two or more folders on the entry's `folder` path carry the same name; the message names them",
  NoEngineVersion:
    "a new draft needs an engine version and the service's default cannot be used; declare `engineVersion:` in the entry",
  StartFailed:
    'the restarted job did not reach RUNNING within `wait-minutes` (`on-start-failure: leave`); the message names the savepoint it can start from',
  RolledBack:
    'the restarted job did not reach RUNNING; the previous script was deployed again and started from the same savepoint',
  RollbackFailed:
    'the restarted job did not reach RUNNING and the rollback failed too; the message names the savepoint holding the state',
  NoCredentials: 'plan mode without credentials: only local checks ran',
  Timeout: 'the `timeout-minutes` budget ran out before the draft was synced',
  InternalError: 'a bug in the action; please report it with the message',
  NetworkError: 'no answer: the connection failed or was cut (retried)',
  RequestTimeout: 'no complete answer within `request-timeout-seconds` (retried)',
  InvalidResponse: 'the API answered something that is not its envelope (HTML, empty, not JSON)',
  ResponseTooLarge: 'the answer was over 25 MiB',
  InvalidRequest:
    'the request could not be built (a header value or path segment that is not allowed)',
};

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

/**
 * Label on a draft the action created, with the commit it was created from. Its creator's lock,
 * while no one else has modified it, is the action's own (see sync/lock.ts).
 */
export const CREATED_LABEL = 'flink-draft-sync/created';

/** Label that names the repository whose manifest maps the draft (orphan detection). */
export const REPOSITORY_LABEL = 'flink-draft-sync/repository';
