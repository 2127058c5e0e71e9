// Reading the .sql files the manifest names, on a real file system in temp directories: what is
// inside the checkout is read byte for byte, what leads out of it is refused, and bytes that are
// not a SQL script get a named code.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MAX_SQL_BYTES } from '../src/codes.js';
import { decodeSql, readSqlFile, resolveInsideWorkspace } from '../src/checkout/files.js';
import { makeTempDir, removeDir } from './support/git-repo.js';

const SQL = 'SELECT 1;\n';

let outside: string;
let root: string;
/** A second name for the checkout, through a symlink (as /tmp is on some systems). */
let linkedRoot: string;

beforeAll(async () => {
  outside = await makeTempDir('fds-outside-');
  root = path.join(outside, 'checkout');
  await mkdir(path.join(root, 'sql', 'nested'), { recursive: true });
  await writeFile(path.join(outside, 'secret.sql'), 'SELECT secret;\n');
  await mkdir(path.join(outside, 'elsewhere'));
  await writeFile(path.join(outside, 'elsewhere', 'job.sql'), SQL);

  const files: Record<string, string | Uint8Array> = {
    'sql/job.sql': SQL,
    'sql/nested/deep.sql': 'SELECT 2;\n',
    'sql/bom.sql': '\uFEFFSELECT 1;\r\n',
    'sql/cjk.sql': '-- 订单 🚀\nSELECT 1;\n',
    'sql/empty.sql': '',
    'sql/nul.sql': Uint8Array.from([0x53, 0x00, 0x0a]),
    'sql/latin1.sql': Uint8Array.from([0x53, 0xe9, 0x0a]),
    'sql/at-limit.sql': Buffer.alloc(MAX_SQL_BYTES, 0x20),
    'sql/over-limit.sql': Buffer.alloc(MAX_SQL_BYTES + 1, 0x20),
  };
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(root, name), content);
  }
  const links: Record<string, string> = {
    'sql/link-inside.sql': 'job.sql',
    'sql/link-chain.sql': 'link-inside.sql',
    'sql/linked-dir': 'nested',
    'sql/link-out.sql': path.join(outside, 'secret.sql'),
    'sql/link-out-relative.sql': '../../secret.sql',
    'sql/linked-dir-out': path.join(outside, 'elsewhere'),
    'sql/dangling.sql': 'nothing-here.sql',
  };
  for (const [name, target] of Object.entries(links)) {
    await symlink(target, path.join(root, name));
  }
  if (process.platform !== 'win32') execFileSync('mkfifo', [path.join(root, 'sql', 'fifo.sql')]);
  linkedRoot = path.join(outside, 'checkout-link');
  await symlink(root, linkedRoot);
});

afterAll(async () => {
  if (outside) await removeDir(outside);
});

describe('readSqlFile: what it reads', () => {
  it.each([
    ['a plain file', 'sql/job.sql', SQL],
    ['a nested file', 'sql/nested/deep.sql', 'SELECT 2;\n'],
    ['CJK and emoji', 'sql/cjk.sql', '-- 订单 🚀\nSELECT 1;\n'],
    ['an empty file', 'sql/empty.sql', ''],
    ['a symlink to a file inside', 'sql/link-inside.sql', SQL],
    ['a chain of symlinks inside', 'sql/link-chain.sql', SQL],
    ['a file under a symlinked folder inside', 'sql/linked-dir/deep.sql', 'SELECT 2;\n'],
    ['a path with a .. that stays inside', 'sql/nested/../job.sql', SQL],
  ])('%s', async (_, relative, text) => {
    const read = readSqlFile(root, relative);
    expect(read).toEqual({ ok: true, value: { text, bytes: Buffer.byteLength(text) } });
  });

  it('keeps a BOM and CRLF line ends: the draft gets exactly the repository bytes', async () => {
    const read = readSqlFile(root, 'sql/bom.sql');
    expect(read).toEqual({ ok: true, value: { text: '\uFEFFSELECT 1;\r\n', bytes: 14 } });
    if (read.ok) expect(Buffer.from(read.value.text).toString('hex')).toMatch(/^efbbbf.*0d0a$/);
  });

  it('works when the checkout itself is reached through a symlink', async () => {
    expect(readSqlFile(linkedRoot, 'sql/link-inside.sql')).toMatchObject({
      ok: true,
      value: { text: SQL },
    });
    expect(readSqlFile(linkedRoot, 'sql/link-out.sql')).toMatchObject({
      ok: false,
      error: { code: 'FileOutsideWorkspace' },
    });
  });
});

describe('readSqlFile: what it refuses', () => {
  it.each([
    ['an absolute symlink out', 'sql/link-out.sql', 'FileOutsideWorkspace', /symlink/],
    ['a relative symlink out', 'sql/link-out-relative.sql', 'FileOutsideWorkspace', /symlink/],
    [
      'a file under a symlinked folder out',
      'sql/linked-dir-out/job.sql',
      'FileOutsideWorkspace',
      /symlink/,
    ],
    ['.. out of the checkout', '../secret.sql', 'FileOutsideWorkspace', /outside/],
    ['.. out, after going in', 'sql/../../secret.sql', 'FileOutsideWorkspace', /outside/],
    ['an absolute path', '/etc/passwd', 'FileOutsideWorkspace', /outside/],
    ['a missing file', 'sql/missing.sql', 'FileNotFound', /does not exist/],
    ['a dangling symlink', 'sql/dangling.sql', 'FileNotFound', /does not exist/],
    ['a directory', 'sql/nested', 'FileUnreadable', /not a regular file/],
    ['the checkout itself', '.', 'FileUnreadable', /not a regular file/],
    ['invalid UTF-8', 'sql/latin1.sql', 'FileNotUtf8', /not valid UTF-8/],
    ['a NUL byte', 'sql/nul.sql', 'FileHasNulByte', /offset 1/],
  ])('%s: %s → %s', async (_, relative, code, message) => {
    const read = readSqlFile(root, relative);
    expect(read).toMatchObject({ ok: false, error: { code } });
    if (!read.ok) {
      expect(read.error.message).toMatch(message);
      expect(read.error.message).toContain(relative);
      // The refusal never shows what lies outside.
      expect(read.error.message).not.toContain('SELECT secret');
    }
  });

  // Opening a FIFO for reading waits for a writer; the run would hang for good.
  (process.platform === 'win32' ? it.skip : it)(
    'refuses a FIFO without waiting for a writer',
    async () => {
      expect(readSqlFile(root, 'sql/fifo.sql')).toMatchObject({
        ok: false,
        error: { code: 'FileUnreadable', message: 'sql/fifo.sql is not a regular file' },
      });
    },
    5000,
  );

  it('reads a file of exactly MAX_SQL_BYTES, and refuses one byte more', async () => {
    const at = readSqlFile(root, 'sql/at-limit.sql');
    const over = readSqlFile(root, 'sql/over-limit.sql');
    expect(at).toMatchObject({ ok: true, value: { bytes: MAX_SQL_BYTES } });
    expect(over).toMatchObject({ ok: false, error: { code: 'FileTooLarge' } });
    if (!over.ok) expect(over.error.message).toContain(String(MAX_SQL_BYTES));
  });

  it('takes a smaller limit from the caller', async () => {
    expect(readSqlFile(root, 'sql/job.sql', SQL.length)).toMatchObject({ ok: true });
    expect(readSqlFile(root, 'sql/job.sql', SQL.length - 1)).toMatchObject({
      ok: false,
      error: { code: 'FileTooLarge' },
    });
  });
});

describe('resolveInsideWorkspace', () => {
  it('gives the real path of a symlink inside', async () => {
    expect(resolveInsideWorkspace(root, 'sql/link-chain.sql')).toEqual({
      ok: true,
      value: path.join(await realpath(root), 'sql', 'job.sql'),
    });
  });

  it('refuses a path outside before looking at the file system', async () => {
    expect(resolveInsideWorkspace(root, '../no-such-file.sql')).toMatchObject({
      ok: false,
      error: { code: 'FileOutsideWorkspace' },
    });
  });
});

describe('decodeSql', () => {
  it.each<[string, number[], string]>([
    ['an overlong encoding', [0xc0, 0xaf], 'FileNotUtf8'],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80], 'FileNotUtf8'],
    ['a truncated sequence', [0x53, 0xe8, 0xae], 'FileNotUtf8'],
    ['a stray continuation byte', [0x80], 'FileNotUtf8'],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 'FileNotUtf8'],
    ['a NUL first', [0x00], 'FileHasNulByte'],
  ])('refuses %s', (_, bytes, code) => {
    expect(decodeSql('q.sql', Uint8Array.from(bytes))).toMatchObject({
      ok: false,
      error: { code },
    });
  });

  it('checks the size first, with the limit inclusive', () => {
    const bytes = Buffer.from('SELECT 1;');
    expect(decodeSql('q.sql', bytes, bytes.length)).toMatchObject({ ok: true });
    expect(decodeSql('q.sql', bytes, bytes.length - 1)).toMatchObject({
      ok: false,
      error: { code: 'FileTooLarge' },
    });
  });

  it('round-trips any text without NUL, byte for byte', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (raw) => {
        const text = raw.replace(/\0/g, '');
        const bytes = Buffer.from(text, 'utf8');
        const decoded = decodeSql('q.sql', bytes);
        expect(decoded).toEqual({ ok: true, value: { text, bytes: bytes.length } });
      }),
    );
  });

  it('accepts a byte string only when it is exactly some text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const decoded = decodeSql('q.sql', bytes);
        if (decoded.ok)
          expect(Buffer.from(decoded.value.text, 'utf8').equals(Buffer.from(bytes))).toBe(true);
        else expect(['FileNotUtf8', 'FileHasNulByte']).toContain(decoded.error.code);
        if (bytes.includes(0))
          expect(decoded).toMatchObject({ ok: false, error: { code: 'FileHasNulByte' } });
      }),
    );
  });
});
