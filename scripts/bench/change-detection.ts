// Change detection: a push that changes 5,000 files, 300 of them mapped by the manifest, in a
// repository of 20,000 files. What the action adds on top of git's own time is what it controls.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDir } from '../../__tests__/support/git-repo.js';
import type { DetectSample } from './detect-child.js';
import { runFailures } from './checks.js';
import { manifestText, sqlPath } from './fixtures.js';
import { buildRepo, type CommitFiles } from './git-fixture.js';
import { formatNumber } from './report.js';
import { makeRow, type Row } from './rows.js';
import { median, pairedDifferences } from './stats.js';
import type { Suite } from './suite.js';
import { CHANGES } from './targets.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'detect-child.ts');
const MANIFEST = 'flink-drafts.yaml';

/** Unmapped files spread over folders of 200, like a monorepo's modules. */
function otherPath(index: number): string {
  return `modules/m${String(Math.floor(index / 200)).padStart(3, '0')}/file_${index}.sql`;
}

function content(path: string, version: number): string {
  return `-- ${path}, version ${version}\nSELECT ${version} AS v, '${path}' AS origin\nFROM source_table;\n`;
}

async function pushRepo(): Promise<{ dir: string; before: string; after: string }> {
  const mapped = Array.from({ length: CHANGES.mapped }, (_, i) => sqlPath(i));
  const others = Array.from({ length: CHANGES.files - CHANGES.mapped - 1 }, (_, i) => otherPath(i));
  const first: CommitFiles = { [MANIFEST]: manifestText(mapped) };
  for (const p of [...mapped, ...others]) first[p] = content(p, 1);
  const second: CommitFiles = {};
  for (const p of [...mapped, ...others.slice(0, CHANGES.changed - CHANGES.mapped)]) {
    second[p] = content(p, 2);
  }
  const repo = await buildRepo([first, second], { checkout: false });
  return { dir: repo.dir, before: repo.commits[0] ?? '', after: repo.commits[1] ?? '' };
}

function measure(
  node: string,
  repo: { dir: string; before: string; after: string },
): Promise<DetectSample> {
  const tsx = import.meta.resolve('tsx');
  return new Promise((resolve, reject) => {
    execFile(
      node,
      ['--import', tsx, CHILD, repo.dir, repo.before, repo.after, MANIFEST],
      { cwd: repo.dir, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`change detection run failed: ${stderr.trim()}`));
        try {
          resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as DetectSample);
        } catch {
          reject(new Error(`no measurement in ${JSON.stringify(stdout.slice(-200))}`));
        }
      },
    );
  });
}

function wrong(sample: DetectSample): string | undefined {
  if (sample.changedPaths !== CHANGES.changed) {
    return `git reported ${sample.changedPaths} changed paths, not ${CHANGES.changed}`;
  }
  if (sample.planned !== CHANGES.mapped || sample.otherReasons !== 0) {
    return `planned ${sample.planned} entries (${sample.otherReasons} for another reason), not ${CHANGES.mapped} changed files`;
  }
  return undefined;
}

export const changeDetection: Suite = {
  id: '4',
  name: 'change detection',
  async run({ runs, node, log }): Promise<Row[]> {
    const repo = await pushRepo();
    try {
      const samples: DetectSample[] = [];
      for (let round = 1; round <= runs; round++) {
        samples.push(await measure(node.path, repo));
        const last = samples.at(-1);
        log(
          `run ${round}/${runs}: git ${formatNumber(last?.gitMs ?? NaN)} ms, ` +
            `detect + plan ${formatNumber(last?.detectPlanMs ?? NaN)} ms`,
        );
      }
      const failures = runFailures(samples.map((s) => ({ failure: wrong(s) })));
      const verification = { runs, failures };
      const gitMs = samples.map((s) => s.gitMs);
      const actionMs = samples.map((s) => s.detectPlanMs);
      const scope =
        `${CHANGES.changed.toLocaleString('en-US')} of ${CHANGES.files.toLocaleString('en-US')} files ` +
        `changed, ${CHANGES.mapped} mapped`;
      return [
        makeRow({
          id: '4.1',
          section: 'Change detection',
          measure: `git alone (${scope})`,
          unit: 'ms',
          values: gitMs,
          note:
            'diff-tree -r -z --name-status -M -C of both commits, and beside it cat-file of the ' +
            'manifest at the base: the commands a push run makes, output read and dropped',
        }),
        makeRow({
          id: '4.2',
          section: 'Change detection',
          measure: 'detect + plan (the same git commands, parsing, manifest at the base, plan)',
          unit: 'ms',
          values: actionMs,
          verification,
          note: `fresh Node ${node.version} process per run, so the code runs as cold as in a real run`,
        }),
        makeRow({
          id: '4.3',
          section: 'Change detection',
          measure: "detect + plan beyond git's own time",
          unit: 'ms',
          values: pairedDifferences(actionMs, gitMs),
          target: { bound: 'max', value: CHANGES.beyondGitMs },
          verification,
          note: `run by run; git's own time ${formatNumber(median(gitMs))} ms (median)`,
        }),
      ];
    } finally {
      await removeDir(repo.dir);
    }
  },
};
