// The repository's own workflows follow the supply-chain rules: third-party actions pinned by
// commit SHA with the version beside it, read-only token by default, no pull_request_target.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isScalar, parseDocument, visit } from 'yaml';
import { ROOT } from './support/action-runner.js';

const WORKFLOWS = path.join(ROOT, '.github', 'workflows');

interface UsesRef {
  uses: string;
  /** The trailing comment on the same line, without the `#`. */
  comment?: string;
}

const LOCAL = /^\.\/[\w./-]*$/;
const PINNED = /^[\w-]+\/[\w.-]+(\/[\w./-]+)?@([0-9a-f]{40})$/;
const VERSION = /^v\d+(\.\d+){0,2}$/;

/** Why a `uses:` reference breaks the pinning rule, or undefined when it follows it. */
function pinProblem({ uses, comment }: UsesRef): string | undefined {
  if (LOCAL.test(uses)) return undefined;
  if (!PINNED.test(uses)) {
    return `${uses}: pin third-party actions to a full 40-hex commit SHA (owner/repo@<sha> # vX.Y.Z)`;
  }
  const version = comment?.trim() ?? '';
  if (!VERSION.test(version)) {
    return `${uses}: add the version the SHA stands for as a trailing comment, e.g. # v4.2.2`;
  }
  return undefined;
}

/** Every `uses:` in a workflow, with its line comment, from the YAML document itself. */
function usesRefs(text: string): UsesRef[] {
  const refs: UsesRef[] = [];
  visit(parseDocument(text), {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
        const uses = String(pair.value.value);
        const comment = pair.value.comment;
        refs.push(typeof comment === 'string' ? { uses, comment } : { uses });
      }
    },
  });
  return refs;
}

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { steps?: Step[]; 'timeout-minutes'?: number; permissions?: unknown };
type Workflow = {
  on?: unknown;
  permissions?: unknown;
  concurrency?: unknown;
  jobs?: Record<string, Job>;
};

const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const workflows = files.map((file) => {
  const text = readFileSync(path.join(WORKFLOWS, file), 'utf8');
  const doc = parseDocument(text);
  return { file, text, doc, workflow: doc.toJS() as Workflow };
});
const byName = (file: string) => {
  const found = workflows.find((w) => w.file === file);
  if (!found) throw new Error(`.github/workflows/${file} is missing`);
  return found;
};
const stepsOf = (workflow: Workflow): Step[] =>
  Object.values(workflow.jobs ?? {}).flatMap((job) => job.steps ?? []);

describe('the pinning check', () => {
  const SHA = '11bd71901bbe5b1630ceea73d27597364c9af683';
  it.each<[string, boolean, UsesRef]>([
    ['a SHA with its version', true, { uses: `actions/checkout@${SHA}`, comment: ' v4.2.2' }],
    ['a SHA with a major version', true, { uses: `actions/checkout@${SHA}`, comment: ' v4' }],
    [
      'an action in a subfolder',
      true,
      { uses: `github/codeql-action/init@${SHA}`, comment: ' v3.28.0' },
    ],
    ['this repository', true, { uses: './' }],
    ['a local action folder', true, { uses: './.github/actions/setup' }],
    ['a tag', false, { uses: 'actions/checkout@v4.2.2', comment: ' v4.2.2' }],
    ['a major tag', false, { uses: 'actions/checkout@v4' }],
    ['a branch', false, { uses: 'actions/checkout@main' }],
    ['a short SHA', false, { uses: 'actions/checkout@11bd719', comment: ' v4.2.2' }],
    [
      'an upper-case SHA',
      false,
      { uses: `actions/checkout@${SHA.toUpperCase()}`, comment: ' v4.2.2' },
    ],
    ['a SHA without a comment', false, { uses: `actions/checkout@${SHA}` }],
    [
      'a SHA with a comment that is no version',
      false,
      { uses: `actions/checkout@${SHA}`, comment: ' latest' },
    ],
    ['no ref at all', false, { uses: 'actions/checkout' }],
    ['a Docker image', false, { uses: 'docker://alpine:3.20' }],
  ])('%s: accepted = %s', (_name, accepted, ref) => {
    expect(pinProblem(ref) === undefined).toBe(accepted);
  });

  it('finds the comment on the line of each uses: in YAML text', () => {
    const text = [
      'steps:',
      `  - uses: actions/checkout@${SHA} # v4.2.2`,
      '  - uses: actions/setup-node@v4',
      '  - uses: ./',
      '',
    ].join('\n');
    expect(usesRefs(text)).toEqual([
      { uses: `actions/checkout@${SHA}`, comment: ' v4.2.2' },
      { uses: 'actions/setup-node@v4' },
      { uses: './' },
    ]);
    expect(usesRefs(text).map(pinProblem).filter(Boolean)).toEqual([
      expect.stringContaining('actions/setup-node@v4: pin'),
    ]);
  });
});

describe.each(workflows.map((w) => [w.file, w] as const))('.github/workflows/%s', (_file, w) => {
  it('parses without errors', () => {
    expect(w.doc.errors).toEqual([]);
  });

  it('pins every action by commit SHA with its version', () => {
    const refs = usesRefs(w.text);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.map(pinProblem).filter(Boolean)).toEqual([]);
  });

  it('gives the token read-only contents access at the top level', () => {
    expect(w.workflow.permissions).toEqual({ contents: 'read' });
    for (const job of Object.values(w.workflow.jobs ?? {})) {
      expect(job.permissions).toBeUndefined();
    }
  });

  it('never runs on pull_request_target', () => {
    const on = w.workflow.on;
    const events = typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
    expect(events).not.toContain('pull_request_target');
    expect(events.length).toBeGreaterThan(0);
  });

  it('has a concurrency group and a timeout on every job', () => {
    expect(w.workflow.concurrency).toEqual(expect.objectContaining({ group: expect.any(String) }));
    for (const job of Object.values(w.workflow.jobs ?? {})) {
      expect(job['timeout-minutes']).toEqual(expect.any(Number));
    }
  });

  it('checks out without persisting the token', () => {
    const checkouts = stepsOf(w.workflow).filter((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const step of checkouts) expect(step.with?.['persist-credentials']).toBe(false);
  });
});

describe('what each workflow is for', () => {
  it('ci.yml runs .ci/run', () => {
    const runs = stepsOf(byName('ci.yml').workflow).map((s) => s.run ?? '');
    expect(runs).toContainEqual(expect.stringMatching(/^bash \.ci\/run\s*$/));
  });

  it('check-dist.yml builds dist/ and uploads it when it differs', () => {
    const steps = stepsOf(byName('check-dist.yml').workflow);
    expect(steps.map((s) => s.run ?? '')).toContainEqual(expect.stringMatching(/npm run build/));
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with?.path).toBe('dist/');
  });

  it('e2e.yml runs this repository as an action and verifies its outputs', () => {
    const steps = stepsOf(byName('e2e.yml').workflow);
    const action = steps.find((s) => s.uses === './');
    expect(action?.with?.['sync-all']).toBe('true');
    expect(steps.map((s) => s.run ?? '')).toContainEqual(
      expect.stringContaining('scripts/e2e-verify.ts'),
    );
  });

  it('all three workflows are there', () => {
    expect(files.sort()).toEqual(expect.arrayContaining(['check-dist.yml', 'ci.yml', 'e2e.yml']));
  });
});
