// One measurement of change detection, in a fresh process so that the action's code runs as
// cold as it does in a real run (no JIT warmed by earlier runs). Times git alone (the commands
// src/checkout/git.ts and the pipeline run for a push, output read and dropped), then the action's own
// detect + plan over the same push. Prints one JSON line.
// Usage: node --import tsx detect-child.ts <dir> <before> <after> <manifest path>
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { detectChanges, diffTreeArgs, readFileAtCommit } from '../../src/checkout/git.js';
import { parseManifest } from '../../src/manifest/manifest.js';
import { planSync } from '../../src/sync/plan.js';

export interface DetectSample {
  gitMs: number;
  detectPlanMs: number;
  changedPaths: number;
  planned: number;
  /** Planned entries whose reason is not `file-changed`. */
  otherReasons: number;
}

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };

function git(cwd: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(bytes) : reject(new Error(`git ${args.join(' ')}: exit ${code}`)),
    );
  });
}

const [dir = '', before = '', after = '', manifestPath = ''] = process.argv.slice(2);
// Node's first spawn sets up its machinery; neither side should pay for that.
await git(dir, ['--version']);

let start = performance.now();
// As a push run makes them when both commits are in the checkout: the diff, and beside it the
// manifest at the base.
await Promise.all([
  git(dir, diffTreeArgs(before, after)),
  git(dir, ['cat-file', 'blob', `${before}:${manifestPath}`]),
]);
const gitMs = performance.now() - start;

start = performance.now();
const [changes, previousBytes] = await Promise.all([
  detectChanges({ cwd: dir, before, after, mode: 'push' }),
  readFileAtCommit(dir, before, manifestPath),
]);
const previous = parseManifest(previousBytes?.toString('utf8') ?? '', { path: manifestPath });
// The manifest did not change, so the one at the pushed commit is the same text.
const entries = previous.ok ? previous.value : [];
const items = planSync({
  entries,
  previousEntries: entries,
  changes,
  manifestPath,
});
const detectPlanMs = performance.now() - start;

const sample: DetectSample = {
  gitMs,
  detectPlanMs,
  changedPaths: changes.kind === 'diff' ? changes.changes.length : -1,
  planned: items.length,
  otherReasons: items.filter((i) => i.reason !== 'file-changed' || i.deleted).length,
};
console.log(JSON.stringify(sample));
