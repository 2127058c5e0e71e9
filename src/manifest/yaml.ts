// Reads the manifest's YAML into a document with source positions, refusing what a manifest never
// needs and what could exhaust the stack or the CPU. The manifest's own rules live in manifest.ts.
import { CST, Composer, Lexer, Parser, type Document, type LineCounter } from 'yaml';
import { err, ok, type Result } from '../runtime/result.js';

export const YAML_LIMITS = {
  /** Nested collections; a valid manifest needs 3. Kept far below where yaml's composer overflows the stack. */
  maxDepth: 32,
  /** Aliases and anchors are refused outright: a manifest has no use for them. */
  maxAliases: 0,
} as const;

export const YamlCode = {
  NestingTooDeep: 'NestingTooDeep',
  YamlSyntax: 'YamlSyntax',
  MultipleDocuments: 'MultipleDocuments',
  AnchorNotAllowed: 'AnchorNotAllowed',
  AliasNotAllowed: 'AliasNotAllowed',
  TagNotAllowed: 'TagNotAllowed',
} as const;

export type YamlCodeValue = (typeof YamlCode)[keyof typeof YamlCode];

/** Located by offset; the caller turns it into line and column once the whole text is counted. */
export interface YamlProblem {
  offset: number;
  code: YamlCodeValue;
  message: string;
}

/**
 * `doc` is absent when the text holds no document at all (only comments, say); the caller words
 * that, as it does an empty document, in the manifest's terms.
 */
export type YamlRead = Result<
  { doc: Document.Parsed | undefined; properties: YamlProblem[] },
  YamlProblem[]
>;

/**
 * yaml's composer recurses once per nesting level and, deep enough, overflows the stack; V8 can
 * even abort the process outright when the overflow lands in regex compilation. Its CST parser
 * does not recurse but grows without bound on `[[[[...`. So nesting is measured twice: roughly on
 * the lexemes as they stream, which stops the parser early, then exactly on the CST.
 *
 * Anchors, aliases and tags do not stop the reading: they come back as `properties`, so that the
 * caller reports them together with the manifest's own problems.
 */
export function readYaml(text: string, lines: LineCounter): YamlRead {
  const scan = new LexemeScan();
  const parser = new Parser(lines.addNewLine);
  const tokens: CST.Token[] = [];
  lines.addNewLine(0);
  for (const lexeme of new Lexer().lex(text)) {
    if (scan.feed(lexeme) > ROUGH_DEPTH_LIMIT) return err([tooDeep(scan.start)]);
    for (const token of parser.next(lexeme)) tokens.push(token);
  }
  for (const token of parser.end()) tokens.push(token);
  const deepAt = firstTooDeep(tokens);
  if (deepAt !== undefined) return err([tooDeep(deepAt)]);

  const docs = compose(tokens, text.length);
  const doc = docs[0];
  if (!doc) return ok({ doc: undefined, properties: [] });
  const problems = doc.errors.map((e) =>
    at(e.pos[0], YamlCode.YamlSyntax, `invalid YAML: ${e.message}`),
  );
  const second = docs[1];
  if (second) {
    const message =
      'the manifest holds more than one YAML document; keep one (a `---` line starts another)';
    problems.push(at(second.range[0], YamlCode.MultipleDocuments, message));
  }
  return problems.length > 0 ? err(problems) : ok({ doc, properties: scan.properties });
}

/** A user's value, quoted so that odd characters show, and cut short so that messages stay short. */
export function show(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
}

function at(offset: number, code: YamlCodeValue, message: string): YamlProblem {
  return { offset, code, message };
}

// yaml reports each syntax error as an Error, and capturing a stack trace for each is what makes
// a megabyte of stray brackets slow. The traces are never shown, so none are captured.
function compose(tokens: CST.Token[], length: number): Document.Parsed[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    // Repeated keys are reported by manifest.ts, which knows their field names.
    return Array.from(new Composer({ uniqueKeys: false }).compose(tokens, true, length));
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function tooDeep(offset: number): YamlProblem {
  const message = `collections are nested more than ${YAML_LIMITS.maxDepth} levels deep; a manifest needs 3 (the drafts list, an entry, a field); flatten it`;
  return at(offset, YamlCode.NestingTooDeep, message);
}

/**
 * The rough bound may overshoot the real depth about twofold; this leaves room for that while
 * staying far below the depth at which yaml's composer runs out of stack.
 */
const ROUGH_DEPTH_LIMIT = 4 * YAML_LIMITS.maxDepth;

/**
 * What the lexemes alone tell: anchors, aliases and tags, and an upper bound on nesting. In block
 * context every open collection starts at a distinct, increasing column (a sequence under a map
 * key may share the key's column, hence the factor 2); in flow context every bracket opens one
 * level and may hold one implicit single-pair map.
 */
class LexemeScan {
  readonly properties: YamlProblem[] = [];
  /** Offset of the lexeme fed last. */
  start = 0;
  private offset = 0;
  private columns: number[] = [];
  private flow = 0;
  private column = 0;
  private atLineStart = true;
  private atScalar = false;

  feed(lexeme: string): number {
    this.start = this.offset;
    if (this.atScalar) {
      this.atScalar = false;
      this.offset += lexeme.length;
      this.content(lexeme);
      return this.bound();
    }
    const type = CST.tokenType(lexeme);
    // The lexer's control lexemes mark what follows and take up no input.
    if (type !== 'scalar' && type !== 'doc-mode' && type !== 'flow-error-end') {
      this.offset += lexeme.length;
    }
    switch (type) {
      case 'scalar':
      case 'doc-mode':
      case 'flow-error-end':
        if (lexeme === CST.SCALAR) this.atScalar = true;
        return this.bound();
      case 'newline':
        this.column = 0;
        this.atLineStart = true;
        return this.bound();
      case 'space':
      case 'comment':
      case 'comma':
        this.column += lexeme.length;
        return this.bound();
      case 'doc-start':
      case 'doc-end':
        this.columns = [];
        this.flow = 0;
        this.column += lexeme.length;
        return this.bound();
      case 'flow-seq-end':
      case 'flow-map-end':
        this.flow = Math.max(0, this.flow - 1);
        this.column += lexeme.length;
        return this.bound();
      case 'anchor':
      case 'alias':
      case 'tag':
        this.properties.push(propertyProblem(type, lexeme, this.start));
        break;
    }
    this.content(lexeme);
    if (type === 'flow-seq-start' || type === 'flow-map-start') this.flow += 1;
    return this.bound();
  }

  private content(lexeme: string): void {
    if (this.flow === 0) {
      if (this.atLineStart) {
        while ((this.columns.at(-1) ?? -1) > this.column) this.columns.pop();
      }
      if ((this.columns.at(-1) ?? -1) < this.column) this.columns.push(this.column);
    }
    this.atLineStart = false;
    const newline = lexeme.lastIndexOf('\n');
    this.column = newline < 0 ? this.column + lexeme.length : lexeme.length - newline - 1;
  }

  private bound(): number {
    return 2 * this.columns.length + 2 * this.flow;
  }
}

// A manifest needs none of these; refusing them outright also disarms "billion laughs".
const PROPERTY_PROBLEMS = {
  anchor: [YamlCode.AnchorNotAllowed, 'remove it'],
  alias: [YamlCode.AliasNotAllowed, 'write the value out in full'],
  tag: [YamlCode.TagNotAllowed, 'remove it (quote the value if it must be text)'],
} as const;

function propertyProblem(
  type: 'anchor' | 'alias' | 'tag',
  lexeme: string,
  offset: number,
): YamlProblem {
  const [code, fix] = PROPERTY_PROBLEMS[type];
  return at(offset, code, `${type} ${show(lexeme)} is not allowed; ${fix}`);
}

/** Offset of the first collection, in document order, nested deeper than allowed. */
function firstTooDeep(tokens: CST.Token[]): number | undefined {
  // An explicit stack, children pushed in reverse so that they pop in document order.
  const stack = tokens.map((token) => ({ token, depth: 0 })).reverse();
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { token, depth } = next;
    if (token.type === 'document') {
      if (token.value) stack.push({ token: token.value, depth });
      continue;
    }
    if (!CST.isCollection(token)) continue;
    if (depth + 1 > YAML_LIMITS.maxDepth) return token.offset;
    const children: CST.Token[] = [];
    for (const item of token.items as CST.CollectionItem[]) {
      if (item.key) children.push(item.key);
      if (item.value) children.push(item.value);
    }
    for (const child of children.reverse()) stack.push({ token: child, depth: depth + 1 });
  }
  return undefined;
}
