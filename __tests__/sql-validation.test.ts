import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { placeSpan, SERVER_COLUMN_UNIT } from '../src/sync/validate.js';
import { readVerdict, statementFor } from '../src/ververica/sql-validation.js';
import { validateSql } from './support/fake-sql-validator.js';

describe('readVerdict', () => {
  it.each<[string, unknown, unknown]>([
    [
      'an invalid script, positions as strings',
      {
        success: true,
        validationResult: 'VALIDATION_RESULT_INVALID',
        message: 'SQL validate failed',
        errorDetails: {
          lineNumber: '3',
          columnNumber: '7',
          endLineNumber: '3',
          endColumnNumber: '12',
          message: "Encountered 'FORM'",
        },
      },
      {
        kind: 'invalid',
        result: 'VALIDATION_RESULT_INVALID',
        message: "Encountered 'FORM'",
        span: { line: 3, column: 7, endLine: 3, endColumn: 12 },
      },
    ],
    [
      'an invalid script with no position',
      { validationResult: 'VALIDATION_RESULT_INVALID', message: 'bad' },
      { kind: 'invalid', result: 'VALIDATION_RESULT_INVALID', message: 'bad' },
    ],
    [
      'positions as numbers, an end before the start dropped',
      {
        validationResult: 'VALIDATION_RESULT_INVALID',
        errorDetails: { lineNumber: 4, columnNumber: 2, endLineNumber: 1, message: 'x' },
      },
      {
        kind: 'invalid',
        result: 'VALIDATION_RESULT_INVALID',
        message: 'x',
        span: { line: 4, column: 2 },
      },
    ],
    [
      'a position that is not a number',
      {
        validationResult: 'VALIDATION_RESULT_INVALID',
        errorDetails: { lineNumber: 'three', message: 'x' },
      },
      { kind: 'invalid', result: 'VALIDATION_RESULT_INVALID', message: 'x' },
    ],
    [
      'an INSERT query',
      { success: true, validationResult: 'VALIDATION_RESULT_VALID_INSERT_QUERY' },
      { kind: 'valid', result: 'VALIDATION_RESULT_VALID_INSERT_QUERY' },
    ],
    [
      'DDL',
      { validationResult: 'VALIDATION_RESULT_VALID_DDL_STATEMENT' },
      { kind: 'valid', result: 'VALIDATION_RESULT_VALID_DDL_STATEMENT' },
    ],
    [
      'a result this action does not know: the prefix VALIDATION is no verdict',
      { validationResult: 'VALIDATION_RESULT_UNSUPPORTED', message: 'not supported' },
      { kind: 'unknown', result: 'VALIDATION_RESULT_UNSUPPORTED', message: 'not supported' },
    ],
    [
      'no result at all',
      { success: false, message: 'internal' },
      { kind: 'unknown', result: '', message: 'internal' },
    ],
  ])('%s', (_name, data, expected) => {
    expect(readVerdict(data)).toEqual(expected);
  });

  it.each([null, 'VALID', [], 3])('refuses data that is no validation result: %p', (data) => {
    expect(readVerdict(data)).toBeUndefined();
  });
});

describe('statementFor', () => {
  it("takes the draft's mode, engine version and dependencies", () => {
    const draft = {
      deploymentDraftId: 'd',
      executionMode: 'BATCH',
      engineVersion: 'vvr-8.0.9-flink-1.17',
      artifact: {
        kind: 'SQLSCRIPT',
        sqlArtifact: { sqlScript: 'old', additionalDependencies: ['oss://bucket/udf.jar'] },
      },
    };
    expect(statementFor(draft, 'SELECT 1;')).toEqual({
      statement: 'SELECT 1;',
      batchMode: true,
      versionName: 'vvr-8.0.9-flink-1.17',
      additionalDependencies: ['oss://bucket/udf.jar'],
    });
  });

  it('sends a streaming draft with no engine or dependencies as just the two required fields', () => {
    const draft = { deploymentDraftId: 'd', executionMode: 'STREAMING' };
    expect(statementFor(draft, 'x')).toEqual({ statement: 'x', batchMode: false });
    expect(statementFor({ deploymentDraftId: 'd' }, 'x')).toEqual({
      statement: 'x',
      batchMode: false,
    });
  });
});

describe('placeSpan: columns as a reviewer counts them', () => {
  it('assumes the server counts UTF-16 code units, as Java does', () => {
    expect(SERVER_COLUMN_UNIT).toBe('utf16');
  });

  it.each<[string, string, Parameters<typeof placeSpan>[1], ReturnType<typeof placeSpan>]>([
    [
      'ASCII',
      'SELECT 1;\nSELEC 2;\n',
      { line: 2, column: 1, endLine: 2, endColumn: 5 },
      { line: 2, column: 1, endColumn: 5 },
    ],
    [
      'CRLF: the CR is no character',
      'A;\r\nSELEC 2;\r\n',
      { line: 2, column: 7, endColumn: 9 },
      { line: 2, column: 7, endColumn: 9 },
    ],
    [
      'CJK: one column each',
      "SELECT '订单金额' FORM t;",
      { line: 1, column: 15, endColumn: 18 },
      { line: 1, column: 15, endColumn: 18 },
    ],
    [
      'an emoji: two UTF-16 units, one column',
      "SELECT '🚀' FORM t;",
      { line: 1, column: 13, endColumn: 16 },
      { line: 1, column: 12, endColumn: 15 },
    ],
    [
      'a ZWJ family: five code points, one column',
      "SELECT '👨‍👩‍👧' FORM t;",
      { line: 1, column: 19 },
      { line: 1, column: 12 },
    ],
    [
      'a column past the line: its end',
      'SELECT 1;',
      { line: 1, column: 50 },
      { line: 1, column: 10 },
    ],
    [
      'over lines',
      'a\nb\nc',
      { line: 1, column: 1, endLine: 3, endColumn: 1 },
      { line: 1, column: 1, endLine: 3, endColumn: 1 },
    ],
    [
      'an end past the file: the last line, no end column',
      'a\nb',
      { line: 1, column: 1, endLine: 9, endColumn: 4 },
      { line: 1, column: 1, endLine: 2 },
    ],
  ])('%s', (_name, text, span, expected) => {
    expect(placeSpan(text, span)).toEqual(expected);
  });

  it('puts a line past the end of the file on the file, not on a line', () => {
    expect(placeSpan('SELECT 1;\n', { line: 3, column: 1 })).toBeUndefined();
  });

  it('maps every UTF-16 offset at a character boundary to that character', () => {
    const char = fc.constantFrom('a', ' ', '订', '🚀', 'é', '👍🏽', "'", '\t');
    fc.assert(
      fc.property(fc.array(char, { minLength: 1, maxLength: 30 }), fc.nat(), (chars, pick) => {
        const at = pick % chars.length;
        const before = chars.slice(0, at).join('');
        const placed = placeSpan(chars.join(''), { line: 1, column: before.length + 1 });
        expect(placed).toEqual({ line: 1, column: at + 1 });
      }),
    );
  });
});

describe('the fake validator', () => {
  it.each<[string, string, Record<string, string> | undefined, string]>([
    [
      'valid INSERT',
      'INSERT INTO s SELECT * FROM t;',
      undefined,
      'VALIDATION_RESULT_VALID_INSERT_QUERY',
    ],
    [
      'valid DDL',
      'CREATE TABLE t (id INT);\nSET a = b;',
      undefined,
      'VALIDATION_RESULT_VALID_DDL_STATEMENT',
    ],
    [
      'comments and quotes hide what they hold',
      "-- (\n/* ) */ SELECT ')' FROM `t(`;",
      undefined,
      'VALIDATION_RESULT_VALID_SELECT_QUERY',
    ],
    [
      'an unknown keyword',
      'SELECT 1;\nSELEC 2;',
      { lineNumber: '2', columnNumber: '1', endLineNumber: '2', endColumnNumber: '5' },
      'VALIDATION_RESULT_INVALID',
    ],
    [
      'an unclosed parenthesis',
      'INSERT INTO s\nSELECT (a FROM t;',
      { lineNumber: '2', columnNumber: '8' },
      'VALIDATION_RESULT_INVALID',
    ],
    [
      'a stray parenthesis',
      'SELECT a) FROM t;',
      { lineNumber: '1', columnNumber: '9' },
      'VALIDATION_RESULT_INVALID',
    ],
    [
      'an unclosed string',
      "SELECT 'abc\nFROM t;",
      { lineNumber: '1', columnNumber: '8', endLineNumber: '2', endColumnNumber: '7' },
      'VALIDATION_RESULT_INVALID',
    ],
    [
      'CJK before the error: UTF-16 units',
      "SELECT '订单' AS 金额, (x FROM t;",
      { lineNumber: '1', columnNumber: '20' },
      'VALIDATION_RESULT_INVALID',
    ],
    [
      'an emoji before the error: two units',
      "SELECT '🚀', (x FROM t;",
      { lineNumber: '1', columnNumber: '14' },
      'VALIDATION_RESULT_INVALID',
    ],
    [
      'CRLF lines',
      'SELECT 1;\r\nSELEC 2;\r\n',
      { lineNumber: '2', columnNumber: '1' },
      'VALIDATION_RESULT_INVALID',
    ],
  ])('%s', (_name, statement, position, result) => {
    const verdict = validateSql(statement, false);
    expect(verdict.validationResult).toBe(result);
    if (position) expect(verdict.errorDetails).toMatchObject(position);
    else expect(verdict.errorDetails).toBeUndefined();
  });

  it('points, through placeSpan, at the character a reviewer sees', () => {
    const text = "SELECT '订单🚀' AS 金额,\r\n  (x FROM t;";
    const verdict = readVerdict(validateSql(text, false));
    expect(verdict?.kind).toBe('invalid');
    if (verdict?.kind !== 'invalid' || !verdict.span) throw new Error('expected a span');
    expect(placeSpan(text, verdict.span)).toMatchObject({ line: 2, column: 3 });
  });
});
