// The end-to-end tests run the bundled dist/index.js, as a runner does. Rebuild it first when a
// source file is newer, so local runs never test a stale bundle. CI checks dist/ for staleness
// before the tests run, so this cannot hide a stale commit.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

export default function globalSetup() {
  let bundle = 0;
  try {
    bundle = statSync('dist/index.js').mtimeMs;
  } catch {
    // no bundle yet
  }
  const sources = Math.max(newest('src'), statSync('package-lock.json').mtimeMs);
  if (bundle < sources) {
    process.stdout.write(
      '\ndist/index.js is older than src/: rebuilding it for the end-to-end tests\n',
    );
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}
