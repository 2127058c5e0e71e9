// Pure part of `npm run docs`: action.yml's inputs and outputs → Markdown tables, spliced into the
// README between marker comments, and the first line where a README disagrees.

export interface ActionInput {
  description: string;
  default: string;
  required: boolean;
}

export interface ActionOutput {
  description: string;
}

export interface ActionDocs {
  inputs: Record<string, ActionInput>;
  outputs: Record<string, ActionOutput>;
  /** The action's own result codes and what each means (src/codes.ts); no section when absent. */
  codes?: Record<string, string>;
}

export type Section = 'inputs' | 'outputs' | 'codes';

export type Result<T> = { ok: true; value: T } | { ok: false; problems: string[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * Checks the parsed action.yml: a Marketplace-ready action gives every input a description and a
 * default ('' when there is none), and every output a description. `required` may be left out.
 */
export function readActionDocs(metadata: unknown): Result<ActionDocs> {
  const problems: string[] = [];
  const docs: ActionDocs = { inputs: {}, outputs: {} };
  if (!isRecord(metadata)) return { ok: false, problems: ['action.yml is not a mapping'] };
  const inputs = metadata.inputs ?? {};
  const outputs = metadata.outputs ?? {};
  if (!isRecord(inputs)) problems.push('inputs is not a mapping');
  if (!isRecord(outputs)) problems.push('outputs is not a mapping');
  if (problems.length > 0) return { ok: false, problems };

  for (const [name, input] of Object.entries(inputs as Record<string, unknown>)) {
    if (!isRecord(input)) {
      problems.push(`input ${name} is not a mapping`);
      continue;
    }
    if (!nonEmpty(input.description)) problems.push(`input ${name} has no description`);
    // A runner passes every input as a string; a YAML number or boolean default would be one too,
    // but quoting it keeps what the README shows identical to what the action reads.
    if (typeof input.default !== 'string') problems.push(`input ${name}: default must be a string`);
    if (input.required !== undefined && typeof input.required !== 'boolean') {
      problems.push(`input ${name}: required must be true or false`);
    }
    docs.inputs[name] = {
      description: String(input.description ?? ''),
      default: String(input.default ?? ''),
      required: input.required === true,
    };
  }
  for (const [name, output] of Object.entries(outputs as Record<string, unknown>)) {
    if (!isRecord(output) || !nonEmpty(output.description)) {
      problems.push(`output ${name} has no description`);
      continue;
    }
    docs.outputs[name] = { description: output.description };
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: docs };
}

/**
 * One table cell: a `|` would end the cell and a newline the row. GFM reads a backslash and the
 * character after it as one unit, so a pipe stays content only behind an odd run of backslashes;
 * an odd run is already the author's escape and is kept.
 */
export function escapeCell(text: string): string {
  return text
    .trim()
    .replace(/(\\*)\|/g, (_, slashes: string) => `${slashes}${slashes.length % 2 ? '' : '\\'}|`)
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** A code span that holds any text, backticks included (the fence is longer than any run inside). */
export function codeSpan(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Columns padded to one width, as Prettier prints them, so the README needs no reformatting. */
export function markdownTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((width, column) => (cells[column] ?? '').padEnd(width)).join(' | ')} |`;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function inputsTable(inputs: Record<string, ActionInput>): string {
  const rows = Object.entries(inputs).map(([name, input]) => [
    codeSpan(name),
    input.default === '' ? '' : escapeCell(codeSpan(input.default)),
    input.required ? 'yes' : 'no',
    escapeCell(input.description),
  ]);
  // Narrow columns first: the description wraps, the default and required stay in view.
  return markdownTable(['Input', 'Default', 'Required', 'Description'], rows);
}

export function outputsTable(outputs: Record<string, ActionOutput>): string {
  const rows = Object.entries(outputs).map(([name, output]) => [
    codeSpan(name),
    escapeCell(output.description),
  ]);
  return markdownTable(['Output', 'Description'], rows);
}

export function codesTable(codes: Record<string, string>): string {
  const rows = Object.entries(codes).map(([code, meaning]) => [
    codeSpan(code),
    escapeCell(meaning),
  ]);
  return markdownTable(['Code', 'Meaning'], rows);
}

export function markers(section: Section): { start: string; end: string } {
  return { start: `<!-- action-docs:${section} -->`, end: `<!-- /action-docs:${section} -->` };
}

/** Replaces what lies between the section's two markers; the markers themselves stay. */
export function replaceSection(readme: string, section: Section, table: string): Result<string> {
  const { start, end } = markers(section);
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  const problems: string[] = [];
  if (from < 0) problems.push(`README.md has no ${start} marker`);
  if (to < 0) problems.push(`README.md has no ${end} marker`);
  if (from >= 0 && readme.indexOf(start, from + 1) >= 0) problems.push(`${start} appears twice`);
  if (to >= 0 && readme.indexOf(end, to + 1) >= 0) problems.push(`${end} appears twice`);
  if (from >= 0 && to >= 0 && to < from) problems.push(`${end} comes before ${start}`);
  if (problems.length > 0) return { ok: false, problems };
  const value = `${readme.slice(0, from + start.length)}\n\n${table}\n\n${readme.slice(to)}`;
  return { ok: true, value };
}

/** The README with every generated table in place. */
export function renderReadme(readme: string, docs: ActionDocs): Result<string> {
  const withInputs = replaceSection(readme, 'inputs', inputsTable(docs.inputs));
  if (!withInputs.ok) return withInputs;
  const withOutputs = replaceSection(withInputs.value, 'outputs', outputsTable(docs.outputs));
  if (!withOutputs.ok || docs.codes === undefined) return withOutputs;
  return replaceSection(withOutputs.value, 'codes', codesTable(docs.codes));
}

export interface Difference {
  /** 1-based line number in the README. */
  line: number;
  expected: string | undefined;
  actual: string | undefined;
}

export function firstDifference(expected: string, actual: string): Difference | undefined {
  const want = expected.split('\n');
  const got = actual.split('\n');
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] !== got[i]) return { line: i + 1, expected: want[i], actual: got[i] };
  }
  return undefined;
}

/** The message of a failed check: the line, both versions of it (the row names the input), the fix. */
export function describeDifference(file: string, difference: Difference): string {
  const show = (text: string | undefined): string =>
    text === undefined ? '(end of file)' : text === '' ? '(empty line)' : text;
  return [
    `${file}:${difference.line} does not match action.yml.`,
    `  ${`${file}:`.padEnd(12)} ${show(difference.actual)}`,
    `  ${'action.yml:'.padEnd(12)} ${show(difference.expected)}`,
    'Run `npm run docs` and commit README.md.',
  ].join('\n');
}
