// The fake API's ValidateSqlStatement: a small, deterministic checker, good enough to test
// against. It finds unbalanced parentheses, quotes and comments, and an unknown statement keyword,
// and reports each at its 1-based line and column, counted as Java counts a string (UTF-16 code
// units), as the server is assumed to. Valid scripts get the result naming what they hold.

export interface FakeVerdict {
  success: boolean;
  validationResult: string;
  message: string;
  errorDetails?: {
    lineNumber: string;
    columnNumber: string;
    endLineNumber: string;
    endColumnNumber: string;
    message: string;
  };
}

const KEYWORDS = new Set([
  'ADD',
  'ALTER',
  'BEGIN',
  'CREATE',
  'DESC',
  'DESCRIBE',
  'DROP',
  'END',
  'EXPLAIN',
  'INSERT',
  'LOAD',
  'RESET',
  'SELECT',
  'SET',
  'SHOW',
  'UNLOAD',
  'USE',
  'WITH',
]);

interface Position {
  line: number;
  column: number;
}

interface Problem {
  start: Position;
  end: Position;
  message: string;
}

/** Walks the script once, keeping line and column (UTF-16 units) of every character. */
function scan(text: string): { problem?: Problem; statements: { word: string; at: Position }[] } {
  const statements: { word: string; at: Position }[] = [];
  const opens: Position[] = [];
  let line = 1;
  let column = 1;
  let i = 0;
  let wordWanted = true;
  const here = (): Position => ({ line, column });
  const step = (): void => {
    if (text[i] === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
    i++;
  };
  const endOfText = (): Position => {
    let l = line;
    let c = column;
    for (let j = i; j < text.length; j++) {
      if (text[j] === '\n') {
        l++;
        c = 1;
      } else c++;
    }
    return { line: l, column: Math.max(1, c - 1) };
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') step();
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const start = here();
      step();
      step();
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) step();
      if (i >= text.length) {
        return { statements, problem: { start, end: endOfText(), message: 'Unclosed comment' } };
      }
      step();
      step();
      continue;
    }
    if (ch === "'" || ch === '`' || ch === '"') {
      const start = here();
      step();
      for (;;) {
        if (i >= text.length) {
          const message = `Unclosed ${ch === "'" ? 'string literal' : 'quoted identifier'}`;
          return { statements, problem: { start, end: endOfText(), message } };
        }
        if (text[i] === ch && text[i + 1] === ch) {
          step();
          step();
          continue;
        }
        if (text[i] === ch) break;
        step();
      }
      step();
      wordWanted = false;
      continue;
    }
    if (ch === '(') opens.push(here());
    if (ch === ')') {
      if (!opens.pop()) {
        const at = here();
        return { statements, problem: { start: at, end: at, message: "Unexpected ')'" } };
      }
    }
    if (ch === ';') {
      if (opens.length > 0) break;
      wordWanted = true;
      step();
      continue;
    }
    if (wordWanted && /[A-Za-z_]/.test(ch)) {
      const at = here();
      let word = '';
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i] as string)) {
        word += text[i];
        step();
      }
      statements.push({ word, at });
      wordWanted = false;
      continue;
    }
    if (!/\s/.test(ch)) wordWanted = false;
    step();
  }
  const open = opens[0];
  if (open) return { statements, problem: { start: open, end: open, message: "Unclosed '('" } };
  return { statements };
}

function invalid(problem: Problem): FakeVerdict {
  return {
    success: true,
    validationResult: 'VALIDATION_RESULT_INVALID',
    message: problem.message,
    errorDetails: {
      lineNumber: String(problem.start.line),
      columnNumber: String(problem.start.column),
      endLineNumber: String(problem.end.line),
      endColumnNumber: String(problem.end.column),
      message: `SQL validate failed: ${problem.message}`,
    },
  };
}

/** `batchMode` is required by the API; this checker judges both modes alike. */
export function validateSql(statement: string, _batchMode: boolean): FakeVerdict {
  const { problem, statements } = scan(statement);
  if (problem) return invalid(problem);
  for (const { word, at } of statements) {
    if (!KEYWORDS.has(word.toUpperCase())) {
      const end = { line: at.line, column: at.column + word.length - 1 };
      return invalid({ start: at, end, message: `Unknown statement keyword '${word}'` });
    }
  }
  const words = statements.map((s) => s.word.toUpperCase());
  const validationResult = words.includes('INSERT')
    ? 'VALIDATION_RESULT_VALID_INSERT_QUERY'
    : words.includes('SELECT')
      ? 'VALIDATION_RESULT_VALID_SELECT_QUERY'
      : 'VALIDATION_RESULT_VALID_DDL_STATEMENT';
  return { success: true, validationResult, message: '' };
}
