// Reads the .sql files that the manifest names. The only module that reads the checkout's files.
// The reads are synchronous on purpose: a checkout is a local disk, and a script of a few KiB reads
// in microseconds, while each asynchronous step (resolve, open, stat, read, close) waits for the
// thread pool and then for its turn on the event loop, behind every API answer being handled. On a
// sync of many drafts that wait sat on each draft's path to its PATCH.
import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { Code, MAX_SQL_BYTES } from '../codes.js';
import { err, ok, type Result } from '../runtime/result.js';

/** Why a file cannot be used: one of the File* codes, and a sentence that names the file. */
export interface FileProblem {
  code: string;
  message: string;
}

/** A .sql file's text, and its size in bytes. */
export type SqlFile = Result<{ text: string; bytes: number }, FileProblem>;

export type FileBytes = Result<Buffer, FileProblem>;

function problem(code: string, message: string): { ok: false; error: FileProblem } {
  return err({ code, message });
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

/** Resolves symlinks too: a link that leads out of the checkout is refused. */
export function resolveInsideWorkspace(
  root: string,
  relative: string,
): Result<string, FileProblem> {
  const realRoot = realpathSync.native(root);
  const lexical = path.resolve(realRoot, relative);
  if (!isInside(realRoot, lexical)) {
    return problem(Code.FileOutsideWorkspace, `${relative} is outside the repository`);
  }
  let real: string;
  try {
    real = realpathSync.native(lexical);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      return problem(Code.FileNotFound, `${relative} does not exist in the checkout`);
    }
    return problem(
      Code.FileUnreadable,
      `${relative} cannot be read (${errnoCode(error) ?? 'error'})`,
    );
  }
  if (!isInside(realRoot, real)) {
    return problem(
      Code.FileOutsideWorkspace,
      `${relative} is a symlink that leads outside the repository`,
    );
  }
  return ok(real);
}

/**
 * Validates raw bytes as a SQL script: strict UTF-8 (a BOM is kept, so the draft gets exactly the
 * repository's bytes) and no NUL byte, which the API would silently truncate or refuse.
 */
export function decodeSql(relative: string, bytes: Uint8Array, maxBytes = MAX_SQL_BYTES): SqlFile {
  if (bytes.byteLength > maxBytes) {
    return problem(
      Code.FileTooLarge,
      `${relative} is ${bytes.byteLength} bytes; the limit is ${maxBytes} bytes`,
    );
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return problem(Code.FileHasNulByte, `${relative} contains a NUL byte at offset ${nul}`);
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return ok({ text, bytes: bytes.byteLength });
  } catch {
    return problem(Code.FileNotUtf8, `${relative} is not valid UTF-8`);
  }
}

/**
 * The bytes of a regular file inside the checkout, refused before reading when it is larger than
 * `maxBytes`, so a huge file never lands in memory.
 */
export function readWorkspaceFile(root: string, relative: string, maxBytes: number): FileBytes {
  const resolved = resolveInsideWorkspace(root, relative);
  if (!resolved.ok) return resolved;
  let fd: number;
  try {
    // Non-blocking, so that a FIFO is refused as not a regular file instead of hanging the run
    // until a writer appears (a blocked open cannot even be abandoned: the process cannot exit).
    fd = openSync(resolved.value, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return problem(
      Code.FileUnreadable,
      `${relative} cannot be opened (${errnoCode(error) ?? 'error'})`,
    );
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      return problem(Code.FileUnreadable, `${relative} is not a regular file`);
    }
    if (stat.size > maxBytes) {
      return problem(
        Code.FileTooLarge,
        `${relative} is ${stat.size} bytes; the limit is ${maxBytes} bytes`,
      );
    }
    return ok(readFileSync(fd));
  } finally {
    closeSync(fd);
  }
}

export function readSqlFile(root: string, relative: string, maxBytes = MAX_SQL_BYTES): SqlFile {
  const file = readWorkspaceFile(root, relative, maxBytes);
  return file.ok ? decodeSql(relative, file.value, maxBytes) : file;
}
