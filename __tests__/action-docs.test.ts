import { afterEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { ClientCode } from '../src/ververica/errors.js';
import { Code } from '../src/codes.js';
import { checkReadme, generateReadme } from '../scripts/action-docs/readme.js';
import { checkCliDocs } from '../scripts/action-docs/cli-docs.js';
import {
  codeSpan,
  codesTable,
  escapeCell,
  firstDifference,
  inputsTable,
  outputsTable,
  readActionDocs,
  renderReadme,
  replaceSection,
  type ActionInput,
} from '../scripts/action-docs/render.js';
import { makeTempDir, removeDir } from './support/git-repo.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Splits a table row into cells the way GFM does: a backslash and the next character are one unit. */
function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  const found: string[] = [];
  let cell = '';
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i] as string;
    if (char === '\\' && i + 1 < inner.length) {
      cell += char + inner[i + 1];
      i++;
    } else if (char === '|') {
      found.push(cell.trim());
      cell = '';
    } else {
      cell += char;
    }
  }
  return [...found, cell.trim()];
}

function dataRows(table: string): string[][] {
  return table.split('\n').slice(2).map(cells);
}

const input = (over: Partial<ActionInput> = {}): ActionInput => ({
  description: 'Some input.',
  default: '',
  required: false,
  ...over,
});

describe('README gate', () => {
  it('README.md holds exactly the tables that action.yml generates (run `npm run docs`)', async () => {
    expect(await checkReadme(ROOT)).toBeUndefined();
  });

  it("the CLI's help holds exactly action.yml's descriptions (run `npm run docs`)", async () => {
    expect(await checkCliDocs(ROOT)).toBeUndefined();
  });

  it('README.md lists every code the action assigns itself, and no other', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const from = readme.indexOf('<!-- action-docs:codes -->');
    const to = readme.indexOf('<!-- /action-docs:codes -->');
    const table = readme
      .slice(from, to)
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    const documented = table.map((line) => /^\| `([^`]+)`/.exec(line)?.[1]).sort();
    const emitted = [...new Set([...Object.values(Code), ...Object.values(ClientCode)])].sort();
    expect(documented).toEqual(emitted);
    // The ones a hostile-server review found missing from an earlier, hand-written table.
    for (const code of [
      'FileUnreadable',
      'InvalidResponse',
      'ResponseTooLarge',
      'RequestTimeout',
    ]) {
      expect(documented).toContain(code);
    }
    expect(codesTable({ A: 'x | y' })).toContain('x \\| y');
  });

  it('.env.example sets each input of action.yml, by the name a runner gives it', async () => {
    const action = parseDocument(await readFile(path.join(ROOT, 'action.yml'), 'utf8')).toJS() as {
      inputs: Record<string, unknown>;
    };
    const example = await readFile(path.join(ROOT, '.env.example'), 'utf8');
    const set = [...example.matchAll(/^(INPUT_[^=\s]+)=/gm)].map((match) => match[1]);
    expect(set.sort()).toEqual(
      Object.keys(action.inputs)
        .map((name) => `INPUT_${name.toUpperCase()}`)
        .sort(),
    );
  });
});

describe('escapeCell', () => {
  it.each([
    ['plain text', 'plain text'],
    ['a | b', 'a \\| b'],
    ['`a|b`', '`a\\|b`'],
    ['already \\| escaped', 'already \\| escaped'],
    ['backslash then pipe \\\\|', 'backslash then pipe \\\\\\|'],
    ['line one\nline two', 'line one<br>line two'],
    ['windows\r\nline', 'windows<br>line'],
    ['folded block\n', 'folded block'],
    ['  padded  ', 'padded'],
  ])('%j → %j', (text, cell) => {
    expect(escapeCell(text)).toBe(cell);
  });

  it('never leaves a newline or a pipe that would end the cell', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii' }), (text) => {
        const cell = escapeCell(text);
        expect(cell).not.toMatch(/[\r\n]/);
        expect(cells(`| ${cell} |`)).toHaveLength(1);
      }),
    );
  });
});

describe('codeSpan', () => {
  it.each([
    ['flink-drafts.yaml', '`flink-drafts.yaml`'],
    ['${{ github.token }}', '`${{ github.token }}`'],
    ['a`b', '``a`b``'],
    ['`edge', '`` `edge ``'],
  ])('%j → %j', (text, span) => {
    expect(codeSpan(text)).toBe(span);
  });
});

describe('inputsTable', () => {
  it.each<[string, ActionInput, string[]]>([
    ['empty default', input({ default: '' }), ['`x`', '', 'no', 'Some input.']],
    ['default', input({ default: '4' }), ['`x`', '`4`', 'no', 'Some input.']],
    ['required', input({ required: true }), ['`x`', '', 'yes', 'Some input.']],
    [
      'pipe in the description',
      input({ description: 'fail | warn' }),
      ['`x`', '', 'no', 'fail \\| warn'],
    ],
    [
      'multi-line description',
      input({ description: 'First.\nSecond.\n' }),
      ['`x`', '', 'no', 'First.<br>Second.'],
    ],
    ['pipe in the default', input({ default: 'a|b' }), ['`x`', '`a\\|b`', 'no', 'Some input.']],
  ])('%s', (_, spec, expected) => {
    const table = inputsTable({ x: spec });
    expect(table.split('\n').slice(0, 1).map(cells)).toEqual([
      ['Input', 'Default', 'Required', 'Description'],
    ]);
    expect(dataRows(table)).toEqual([expected]);
  });

  it('keeps the order of action.yml and pads every row to the same width', () => {
    const table = inputsTable({ b: input(), a: input({ default: 'long default value' }) });
    expect(dataRows(table).map((row) => row[0])).toEqual(['`b`', '`a`']);
    expect(new Set(table.split('\n').map((line) => line.length)).size).toBe(1);
  });

  it('gives every row four cells, whatever the descriptions hold', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.stringMatching(/^[a-z][a-z-]{0,10}$/),
          fc.record({ description: fc.string(), default: fc.string(), required: fc.boolean() }),
        ),
        (inputs) => {
          for (const row of dataRows(inputsTable(inputs))) expect(row).toHaveLength(4);
        },
      ),
    );
  });
});

describe('outputsTable', () => {
  it('lists each output with its description', () => {
    const table = outputsTable({
      results: { description: 'JSON | array' },
      failed: { description: 'Count.' },
    });
    expect(dataRows(table)).toEqual([
      ['`results`', 'JSON \\| array'],
      ['`failed`', 'Count.'],
    ]);
  });
});

describe('readActionDocs', () => {
  it.each<[string, unknown, string[]]>([
    ['no description', { inputs: { a: { default: '' } } }, ['input a has no description']],
    [
      'blank description',
      { inputs: { a: { description: ' ', default: '' } } },
      ['input a has no description'],
    ],
    ['no default', { inputs: { a: { description: 'A.' } } }, ['input a: default must be a string']],
    [
      'number default',
      { inputs: { a: { description: 'A.', default: 4 } } },
      ['input a: default must be a string'],
    ],
    [
      'required not a boolean',
      { inputs: { a: { description: 'A.', default: '', required: 'yes' } } },
      ['input a: required must be true or false'],
    ],
    ['output without description', { outputs: { o: {} } }, ['output o has no description']],
    ['not a mapping', 'text', ['action.yml is not a mapping']],
  ])('%s is a problem', (_, metadata, problems) => {
    expect(readActionDocs(metadata)).toEqual({ ok: false, problems });
  });

  it('reads inputs and outputs, required defaulting to false', () => {
    const docs = readActionDocs({
      inputs: {
        a: { description: 'A.', default: '' },
        b: { description: 'B.', default: 'x', required: true },
      },
      outputs: { o: { description: 'O.' } },
    });
    expect(docs).toEqual({
      ok: true,
      value: {
        inputs: {
          a: { description: 'A.', default: '', required: false },
          b: { description: 'B.', default: 'x', required: true },
        },
        outputs: { o: { description: 'O.' } },
      },
    });
  });
});

describe('replaceSection', () => {
  const readme = [
    '# Title',
    '',
    '<!-- action-docs:inputs -->',
    'old table',
    '<!-- /action-docs:inputs -->',
    '',
    'Prose after.',
    '',
  ].join('\n');

  it('replaces only what lies between the markers', () => {
    expect(replaceSection(readme, 'inputs', 'NEW')).toEqual({
      ok: true,
      value: [
        '# Title',
        '',
        '<!-- action-docs:inputs -->',
        '',
        'NEW',
        '',
        '<!-- /action-docs:inputs -->',
        '',
        'Prose after.',
        '',
      ].join('\n'),
    });
  });

  it('gives the same text when run twice', () => {
    const once = replaceSection(readme, 'inputs', 'NEW');
    if (!once.ok) throw new Error(once.problems.join());
    expect(replaceSection(once.value, 'inputs', 'NEW')).toEqual(once);
  });

  it.each([
    [
      'no markers',
      'text',
      [
        'README.md has no <!-- action-docs:inputs --> marker',
        'README.md has no <!-- /action-docs:inputs --> marker',
      ],
    ],
    [
      'markers in the wrong order',
      '<!-- /action-docs:inputs -->\n<!-- action-docs:inputs -->',
      ['<!-- /action-docs:inputs --> comes before <!-- action-docs:inputs -->'],
    ],
    [
      'a start marker twice',
      '<!-- action-docs:inputs -->\n<!-- action-docs:inputs -->\n<!-- /action-docs:inputs -->',
      ['<!-- action-docs:inputs --> appears twice'],
    ],
  ])('%s is a problem', (_, text, problems) => {
    expect(replaceSection(text, 'inputs', 'NEW')).toEqual({ ok: false, problems });
  });
});

describe('firstDifference', () => {
  it.each([
    ['same', 'a\nb', 'a\nb', undefined],
    ['second line', 'a\nb', 'a\nc', { line: 2, expected: 'b', actual: 'c' }],
    ['README shorter', 'a\nb', 'a', { line: 2, expected: 'b', actual: undefined }],
    ['README longer', 'a', 'a\nextra', { line: 2, expected: undefined, actual: 'extra' }],
  ])('%s', (_, expected, actual, difference) => {
    expect(firstDifference(expected, actual)).toEqual(difference);
  });
});

describe('the check on a copy of the repository', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await removeDir(dir);
    dir = '';
  });

  /** A copy whose README is up to date, so each case sees only the difference it makes. */
  async function copyOfRepository(): Promise<string> {
    dir = await makeTempDir('action-docs-');
    for (const file of ['action.yml', 'README.md', '.prettierrc.json']) {
      await copyFile(path.join(ROOT, file), path.join(dir, file));
    }
    await writeGeneratedReadme(dir);
    expect(await checkReadme(dir)).toBeUndefined();
    return dir;
  }

  async function writeGeneratedReadme(root: string): Promise<void> {
    const state = await generateReadme(root);
    if (!state.ok) throw new Error(state.problems.join('\n'));
    await writeFile(state.value.readmePath, state.value.expected);
  }

  async function editActionYml(root: string, keys: string[], value: string): Promise<void> {
    const file = path.join(root, 'action.yml');
    const doc = parseDocument(await readFile(file, 'utf8'));
    doc.setIn(keys, value);
    await writeFile(file, doc.toString());
  }

  it('names the input whose description changed, with the line and both versions', async () => {
    const root = await copyOfRepository();
    await editActionYml(
      root,
      ['inputs', 'concurrency', 'description'],
      'Drafts at once (changed).',
    );
    const message = await checkReadme(root);
    const readme = (await readFile(path.join(root, 'README.md'), 'utf8')).split('\n');
    const line = readme.findIndex((text) => text.startsWith('| `concurrency`')) + 1;
    expect(message).toContain(`README.md:${line} does not match action.yml.`);
    expect(message).toMatch(/README\.md: +\| `concurrency` .*Most API calls in flight/);
    expect(message).toMatch(/action\.yml: +\| `concurrency` .*Drafts at once \(changed\)\./);
  });

  it('names the output whose description changed', async () => {
    const root = await copyOfRepository();
    await editActionYml(root, ['outputs', 'skipped', 'description'], 'Entries skipped.');
    expect(await checkReadme(root)).toMatch(/action\.yml: +\| `skipped` +\| Entries skipped\. +\|/);
  });

  it('passes again once the generated README is written', async () => {
    const root = await copyOfRepository();
    await editActionYml(root, ['inputs', 'mode', 'description'], 'Plan | apply.');
    expect(await checkReadme(root)).toMatch(/`mode`/);
    await writeGeneratedReadme(root);
    expect(await checkReadme(root)).toBeUndefined();
    expect(await readFile(path.join(root, 'README.md'), 'utf8')).toMatch(
      / \| Plan \\\| apply\. +\|$/m,
    );
  });

  it('reports an input that lost its description instead of rendering it', async () => {
    const root = await copyOfRepository();
    await editActionYml(root, ['inputs', 'region', 'description'], '');
    expect(await checkReadme(root)).toBe('input region has no description');
  });

  it('reports a README without markers', async () => {
    const root = await copyOfRepository();
    const readmePath = path.join(root, 'README.md');
    const text = await readFile(readmePath, 'utf8');
    await writeFile(readmePath, text.replace('<!-- /action-docs:outputs -->', ''));
    expect(await checkReadme(root)).toBe('README.md has no <!-- /action-docs:outputs --> marker');
  });
});

describe('renderReadme', () => {
  it('fills both sections', () => {
    const readme = [
      '<!-- action-docs:inputs -->',
      '<!-- /action-docs:inputs -->',
      '<!-- action-docs:outputs -->',
      '<!-- /action-docs:outputs -->',
    ].join('\n');
    const rendered = renderReadme(readme, {
      inputs: { mode: input({ default: 'auto' }) },
      outputs: { failed: { description: 'Count.' } },
    });
    if (!rendered.ok) throw new Error(rendered.problems.join());
    expect(rendered.value).toContain('| `mode` | `auto`  | no       | Some input. |');
    expect(rendered.value).toContain('| `failed` | Count.      |');
  });
});
