// Generated inputs for the benchmarks: SQL scripts, manifests and result rows of a chosen size.
// Deterministic, so two runs measure the same work.
import { Buffer } from 'node:buffer';
import type { DraftResult, DraftStatus } from '../../src/results.js';

export const WORKSPACE = 'a14bd5d90a0000';
export const NAMESPACE = 'bench-namespace';

/** A valid, distinct draft id for each index. */
export function draftId(index: number): string {
  return `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

export function sqlPath(index: number): string {
  return `sql/jobs/job_${String(index).padStart(5, '0')}.sql`;
}

/** A manifest in the documented layout, one entry per file, with workspace and namespace as defaults. */
export function manifestText(files: readonly string[]): string {
  const lines = [
    'version: 1',
    'defaults:',
    `  workspace: ${WORKSPACE}`,
    `  namespace: ${NAMESPACE}`,
  ];
  lines.push('drafts:');
  files.forEach((file, index) => {
    lines.push(`  - file: ${file}`, `    draftId: ${draftId(index)}`);
  });
  return `${lines.join('\n')}\n`;
}

/**
 * A Flink SQL job of about `lineCount` lines: a wide projection, as generated pipelines have. Some
 * lines carry CJK comments and an emoji, so a byte-identical check also covers multi-byte UTF-8.
 */
export function sqlScript(lineCount: number, variant = ''): string {
  const lines = [`-- job ${variant}`, 'INSERT INTO sink_orders_enriched', 'SELECT'];
  for (let i = 0; lines.length < lineCount - 3; i++) {
    const note = i % 16 === 0 ? ` -- 字段 ${i} 说明 🚀` : '';
    lines.push(`  , CAST(o.attribute_${i} AS STRING) AS attr_${i}${note}`);
  }
  lines.push(
    'FROM orders AS o',
    'JOIN customers AS c ON o.customer_id = c.id',
    'WHERE o.amount > 0;',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * A script of about `bytes` bytes (within one line) in the layout of `sqlScript`. Each variant is
 * distinct, so no two drafts share their text.
 */
export function sqlScriptOfBytes(bytes: number, variant = ''): string {
  const probe = 200;
  const perLine = Buffer.byteLength(sqlScript(probe, variant)) / probe;
  return sqlScript(Math.max(8, Math.round(bytes / perLine)), variant);
}

/** `count` pairs of distinct scripts of about `bytes` bytes: the drafts' text and the pushed one. */
export function changedScripts(count: number, bytes: number): { old: string; new: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const old = sqlScriptOfBytes(bytes, `draft ${i}`);
    return { old, new: scatteredEdits(old, 25).text };
  });
}

/** The script with every `every`-th line changed, one line inserted and one removed nearby. */
export function scatteredEdits(text: string, every: number): { text: string; edits: number } {
  const lines = text.split('\n');
  const out: string[] = [];
  let edits = 0;
  lines.forEach((line, i) => {
    if (i > 0 && i % every === 0) {
      out.push(`${line} /* edited */`, `  , 'added_${i}' AS added_${i}`);
      edits += 1;
    } else if (i > 0 && i % every === 7) {
      edits += 1; // removed
    } else {
      out.push(line);
    }
  });
  return { text: out.join('\n'), edits };
}

/**
 * Result rows of a large plan-mode run: mostly drafts that would change, with a diff each, and a
 * share of failures with long API messages, which is what makes a summary big.
 */
export function planResults(count: number): DraftResult[] {
  return Array.from({ length: count }, (_, i): DraftResult => {
    const status: DraftStatus =
      i % 10 === 0 ? 'would-fail' : i % 7 === 0 ? 'unchanged' : 'would-update';
    const file = sqlPath(i);
    const base = {
      file,
      draftId: draftId(i),
      draftName: `orders-enrich-<${i}>`,
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      status,
      requestId: `8F2C1A3B-${String(i).padStart(4, '0')}-4E5D-9A8B-7C6D5E4F3A2B`,
    };
    if (status === 'would-fail') {
      return {
        ...base,
        code: 'Forbidden.RAM',
        message: `User not authorized to operate on the specified resource. ${'Detail & context. '.repeat(30)}`,
      };
    }
    if (status === 'unchanged') return base;
    const diff = [
      `--- draft orders-enrich-${i}`,
      `+++ ${file}`,
      '@@ -1,4 +1,4 @@',
      ' INSERT INTO sink',
      '-SELECT a, b FROM src WHERE amount > 100;',
      `+SELECT a, b, c FROM src WHERE amount > ${i};`,
      ' -- trailing context',
    ].join('\n');
    return { ...base, diff: `${diff}\n` };
  });
}
