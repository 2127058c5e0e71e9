// The benchmarks measure dist/index.js, as a runner runs it: rebuild it first when a source file
// is newer, and only then, so a fresh bundle costs no build time.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLE, ROOT } from '../../__tests__/support/action-runner.js';

async function newest(dir: string): Promise<number> {
  let latest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(
      latest,
      entry.isDirectory() ? await newest(full) : (await stat(full)).mtimeMs,
    );
  }
  return latest;
}

/** Whether the bundle had to be rebuilt. */
export async function ensureFreshBundle(): Promise<boolean> {
  const bundle = await stat(BUNDLE).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = Math.max(
    await newest(path.join(ROOT, 'src')),
    (await stat(path.join(ROOT, 'package-lock.json'))).mtimeMs,
  );
  if (bundle >= sources) return false;
  await new Promise<void>((resolve, reject) => {
    execFile('npm', ['run', 'build', '--silent'], { cwd: ROOT }, (error, _stdout, stderr) =>
      error ? reject(new Error(`npm run build failed: ${stderr.trim()}`)) : resolve(),
    );
  });
  return true;
}

/** What identifies the bundle measured: a build during the benchmark would mix two bundles. */
export async function bundleIdentity(): Promise<{ bytes: number; sha256: string }> {
  const bytes = await readFile(BUNDLE);
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
