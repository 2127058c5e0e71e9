// Reads the .sql files that the manifest names. The only module that reads the checkout's files.
// The reads are synchronous on purpose: a checkout is a local disk, and a script of a few KiB reads
// in microseconds, while each asynchronous step (resolve, open, stat, read, close) waits for the
// thread pool and then for its turn on the event loop, behind every API answer being handled. On a
// sync of many drafts that wait sat on each draft's path to its PATCH.
import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { Code, MAX_SQL_BYTES } from '../codes.js';

export type SqlFile =
  { ok: true; text: string; bytes: number } | { ok: false; code: string; message: string };

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
): { ok: true; path: string } | { ok: false; code: string; message: string } {
  const realRoot = realpathSync.native(root);
  const lexical = path.resolve(realRoot, relative);
  if (!isInside(realRoot, lexical)) {
    return {
      ok: false,
      code: Code.FileOutsideWorkspace,
      message: `${relative} is outside the repository`,
    };
  }
  let real: string;
  try {
    real = realpathSync.native(lexical);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      return {
        ok: false,
        code: Code.FileNotFound,
        message: `${relative} does not exist in the checkout`,
      };
    }
    return {
      ok: false,
      code: Code.FileUnreadable,
      message: `${relative} cannot be read (${errnoCode(error) ?? 'error'})`,
    };
  }
  if (!isInside(realRoot, real)) {
    return {
      ok: false,
      code: Code.FileOutsideWorkspace,
      message: `${relative} is a symlink that leads outside the repository`,
    };
  }
  return { ok: true, path: real };
}

/**
 * Validates raw bytes as a SQL script: strict UTF-8 (a BOM is kept, so the draft gets exactly the
 * repository's bytes) and no NUL byte, which the API would silently truncate or refuse.
 */
export function decodeSql(relative: string, bytes: Uint8Array, maxBytes = MAX_SQL_BYTES): SqlFile {
  if (bytes.byteLength > maxBytes) {
    return {
      ok: false,
      code: Code.FileTooLarge,
      message: `${relative} is ${bytes.byteLength} bytes; the limit is ${maxBytes} bytes`,
    };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return {
      ok: false,
      code: Code.FileHasNulByte,
      message: `${relative} contains a NUL byte at offset ${nul}`,
    };
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { ok: true, text, bytes: bytes.byteLength };
  } catch {
    return { ok: false, code: Code.FileNotUtf8, message: `${relative} is not valid UTF-8` };
  }
}

export type FileBytes = { ok: true; bytes: Buffer } | { ok: false; code: string; message: string };

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
    fd = openSync(resolved.path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return {
      ok: false,
      code: Code.FileUnreadable,
      message: `${relative} cannot be opened (${errnoCode(error) ?? 'error'})`,
    };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      return { ok: false, code: Code.FileUnreadable, message: `${relative} is not a regular file` };
    }
    if (stat.size > maxBytes) {
      return {
        ok: false,
        code: Code.FileTooLarge,
        message: `${relative} is ${stat.size} bytes; the limit is ${maxBytes} bytes`,
      };
    }
    return { ok: true, bytes: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

export function readSqlFile(root: string, relative: string, maxBytes = MAX_SQL_BYTES): SqlFile {
  const file = readWorkspaceFile(root, relative, maxBytes);
  return file.ok ? decodeSql(relative, file.bytes, maxBytes) : file;
}
