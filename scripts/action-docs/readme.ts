// The files behind `npm run docs`: reads action.yml, the action's code list (src/codes.ts) and
// README.md under a root, and formats the
// generated README with the project's Prettier settings, so `prettier --check` and the docs check
// never disagree.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';
import { parse } from 'yaml';
import { CODE_MEANINGS } from '../../src/codes.js';
import {
  describeDifference,
  firstDifference,
  readActionDocs,
  renderReadme,
  type Result,
} from './render.js';

export interface ReadmeState {
  readmePath: string;
  current: string;
  expected: string;
}

/** The README as it is, and as action.yml says it should be. */
export async function generateReadme(root: string): Promise<Result<ReadmeState>> {
  const actionPath = path.join(root, 'action.yml');
  const readmePath = path.join(root, 'README.md');
  let metadata: unknown;
  try {
    metadata = parse(await readFile(actionPath, 'utf8'));
  } catch (error) {
    return { ok: false, problems: [`${actionPath}: ${(error as Error).message}`] };
  }
  const docs = readActionDocs(metadata);
  if (!docs.ok) return docs;
  const current = await readFile(readmePath, 'utf8');
  const rendered = renderReadme(current, { ...docs.value, codes: { ...CODE_MEANINGS } });
  if (!rendered.ok) return rendered;
  const options = (await prettier.resolveConfig(readmePath)) ?? {};
  const expected = await prettier.format(rendered.value, { ...options, filepath: readmePath });
  return { ok: true, value: { readmePath, current, expected } };
}

/** Undefined when README.md matches action.yml; otherwise what to tell the user. */
export async function checkReadme(root: string): Promise<string | undefined> {
  const state = await generateReadme(root);
  if (!state.ok) return state.problems.join('\n');
  const difference = firstDifference(state.value.expected, state.value.current);
  return difference && describeDifference('README.md', difference);
}
