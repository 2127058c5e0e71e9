// The e2e workflow's last step: checks the action's outputs and the drafts the fake now holds
// against the sample files in the checkout. Exits 1 with one `::error::` line per problem.
//
// Env: STATE_URL (the fake's read-only drafts endpoint), UPDATED, UNCHANGED, SKIPPED, FAILED and
// RESULTS (the action's outputs), GITHUB_WORKSPACE (the checkout; default the working directory).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { COMMIT_LABEL } from '../src/codes.js';
import type { DraftState, StateDocument } from './fake-api.js';

interface Outputs {
  updated?: string;
  unchanged?: string;
  skipped?: string;
  failed?: string;
  results?: string;
}

interface DraftCheck {
  draft: DraftState;
  /** The file's bytes in the checkout; undefined when it cannot be read. */
  file: Buffer | undefined;
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function resultRows(raw: string | undefined, problems: string[]): Map<string, unknown> {
  try {
    const rows = JSON.parse(raw ?? '') as Array<{ file?: unknown; status?: unknown }>;
    return new Map(rows.map((row) => [String(row.file), row.status]));
  } catch {
    problems.push(`output results is not a JSON array: ${JSON.stringify(raw)}`);
    return new Map();
  }
}

/** Every way the run falls short of the sample; empty when it is right. Pure. */
function problemsOf(outputs: Outputs, checks: readonly DraftCheck[]): string[] {
  const problems: string[] = [];
  const rows = resultRows(outputs.results, problems);
  let updated = 0;
  for (const { draft, file } of checks) {
    if (file === undefined) {
      problems.push(`${draft.file} cannot be read from the checkout`);
      continue;
    }
    // A draft whose seeded script already equals the file is the one the action must leave alone.
    const expected = draft.seededScript === file.toString('utf8') ? 'unchanged' : 'updated';
    if (expected === 'updated') updated += 1;
    const status = rows.get(draft.file);
    if (status !== expected) {
      problems.push(`${draft.file}: results says ${String(status)}, expected ${expected}`);
    }
    if (draft.sqlScript === null) {
      problems.push(`draft ${draft.draftId} (${draft.file}) holds no SQL script`);
      continue;
    }
    const held = Buffer.from(draft.sqlScript, 'utf8');
    if (!held.equals(file)) {
      problems.push(
        `draft ${draft.draftId} differs from ${draft.file} at byte ${firstDifference(held, file)} ` +
          `(draft ${held.length} bytes, file ${file.length} bytes)`,
      );
    }
    const label = draft.labels[COMMIT_LABEL];
    if (expected === 'updated' && !/^[0-9a-f]{40}$/.test(label ?? '')) {
      problems.push(`draft ${draft.draftId}: label ${COMMIT_LABEL} is ${String(label)}, not a SHA`);
    }
  }
  const counts: Record<keyof Omit<Outputs, 'results'>, number> = {
    updated,
    unchanged: checks.length - updated,
    skipped: 0,
    failed: 0,
  };
  for (const [name, count] of Object.entries(counts)) {
    const actual = outputs[name as keyof typeof counts];
    if (actual !== String(count)) {
      problems.push(`output ${name} is ${JSON.stringify(actual)}, expected ${count}`);
    }
  }
  if (rows.size !== checks.length) {
    problems.push(`results has ${rows.size} rows for ${checks.length} drafts`);
  }
  return problems;
}

async function readState(url: string | undefined): Promise<StateDocument> {
  if (!url) throw new Error('STATE_URL is not set');
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as StateDocument;
}

const env = process.env;
const checkout = env.GITHUB_WORKSPACE || process.cwd();
const state = await readState(env.STATE_URL);
const checks = await Promise.all(
  state.drafts.map(async (draft) => ({
    draft,
    file: await readFile(path.join(checkout, draft.file)).catch(() => undefined),
  })),
);
const problems = problemsOf(
  {
    updated: env.UPDATED,
    unchanged: env.UNCHANGED,
    skipped: env.SKIPPED,
    failed: env.FAILED,
    results: env.RESULTS,
  },
  checks,
);
if (checks.length === 0) problems.push('the fake reports no drafts');
for (const problem of problems) console.log(`::error title=e2e verify::${problem}`);
if (problems.length > 0) process.exit(1);
console.log(
  `e2e verify passed: ${env.UPDATED} updated, ${env.UNCHANGED} unchanged; ` +
    `${checks.length} drafts hold their files' bytes exactly`,
);
