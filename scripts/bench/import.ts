// `flink-draft-sync import`: the bundled CLI brings 500 SQL drafts in 25 folders (two levels) into
// an empty repository, through a fake API that answers every call after 50 ms. Held against the
// calls the import cannot avoid: the listing (its first page, then the rest side by side) beside
// the folder walk (one round of GetFolder per level, `concurrency` folders at once), whichever is
// deeper.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runFailures } from './checks.js';
import { CREDENTIAL, countCalls, describeCalls, type CallCounts } from './drafts.js';
import { NAMESPACE, WORKSPACE, sqlScriptOfBytes } from './fixtures.js';
import { formatNumber } from './report.js';
import { makeRow, type Row } from './rows.js';
import type { Suite } from './suite.js';
import { IMPORT, THROUGHPUT } from './targets.js';
import { initRepo, removeDir } from '../../__tests__/support/git-repo.js';
import { FakeVervericaApi } from '../../__tests__/support/fake-ververica.js';
import { ROOT } from '../../__tests__/support/action-runner.js';

interface RunRecord {
  wallMs: number;
  failure?: string;
  calls: CallCounts;
}

function runCli(
  node: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [path.join(ROOT, 'dist', 'cli.js'), ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: cwd,
        ALIBABA_CLOUD_ACCESS_KEY_ID: CREDENTIAL.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: CREDENTIAL.accessKeySecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

export const importSuite: Suite = {
  id: '9',
  name: 'import',
  async run({ runs, node, log }) {
    const { drafts, teams, perTeam, concurrency } = IMPORT;
    const records: RunRecord[] = [];
    const scripts = Array.from({ length: drafts }, (_, i) =>
      sqlScriptOfBytes(THROUGHPUT.scriptBytes, String(i)),
    );
    for (let round = 1; round <= runs; round++) {
      const repo = await initRepo();
      const api = await FakeVervericaApi.start({
        credentials: [CREDENTIAL],
        latencyMs: THROUGHPUT.latencyMs,
      });
      try {
        const folders: string[] = [];
        for (let t = 0; t < teams; t++) {
          for (let s = 0; s < perTeam; s++)
            folders.push(api.seedFolder(WORKSPACE, NAMESPACE, `team-${t}/job-${s}`));
        }
        scripts.forEach((sqlScript, i) =>
          api.seedDraft({
            deploymentDraftId: `b0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            name: `job-${i}`,
            parentId: folders[i % folders.length],
            workspace: WORKSPACE,
            namespace: NAMESPACE,
            engineVersion: 'vvr-8.0.11-flink-1.17',
            executionMode: 'STREAMING',
            artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript } },
          }),
        );
        api.reset();
        const started = performance.now();
        const run = await runCli(
          node.path,
          [
            'import',
            '--workspace',
            WORKSPACE,
            '--namespace',
            NAMESPACE,
            '--endpoint',
            api.url,
            '--out',
            'sql',
            '--concurrency',
            String(concurrency),
          ],
          repo,
        );
        const wallMs = performance.now() - started;
        let failure = run.code === 0 ? undefined : `exit ${run.code}: ${run.out.slice(-300)}`;
        if (!failure) {
          const manifest = await readFile(path.join(repo, 'flink-drafts.yaml'), 'utf8');
          const entries = manifest.match(/^ {2}- file: /gm)?.length ?? 0;
          const last = drafts - 1;
          const f = last % folders.length;
          const sample = await readFile(
            path.join(
              repo,
              'sql',
              `team-${Math.floor(f / perTeam)}`,
              `job-${f % perTeam}`,
              `job-${last}.sql`,
            ),
            'utf8',
          ).catch(() => undefined);
          if (entries !== drafts) failure = `${entries} manifest entries of ${drafts}`;
          else if (sample !== scripts[last]) failure = `job-${last}.sql is not its draft's script`;
        }
        records.push({ wallMs, failure, calls: countCalls(api) });
      } finally {
        await api.stop();
        await removeDir(repo);
      }
      log(
        `round ${round}/${runs}: import of ${drafts} drafts ${formatNumber(records.at(-1)?.wallMs ?? NaN)} ms`,
      );
    }
    const pages = Math.ceil(drafts / 100);
    const listing = 1 + Math.ceil((pages - 1) / concurrency);
    const levels = 1 + Math.ceil(teams / concurrency) + Math.ceil((teams * perTeam) / concurrency);
    const floor = Math.max(listing, levels) * THROUGHPUT.latencyMs;
    const target = floor + IMPORT.startMs;
    const walls = records.map((r) => r.wallMs);
    const row: Row = makeRow({
      id: '9.1',
      section: 'Import',
      measure: `import of ${drafts} SQL drafts in ${teams * perTeam} folders into files and the manifest: wall time`,
      unit: 'ms',
      values: walls,
      target: {
        bound: 'max',
        value: target,
        basis: `floor ${formatNumber(floor)} ms + ${IMPORT.startMs} ms for the CLI's start and writing ${drafts} files and the manifest`,
      },
      verification: { runs: records.length, failures: runFailures(records) },
      note:
        `floor max(${listing} rounds of ${pages} pages, ${levels} rounds of GetFolder) × 50 ms; ` +
        `calls per run: ${describeCalls(records.map((r) => r.calls))}`,
    });
    return [row];
  },
};
