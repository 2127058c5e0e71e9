import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ChangeSet, FileChange } from '../src/checkout/git.js';
import { planSync, type PlanEntry, type PlanItem } from '../src/sync/plan.js';

const MANIFEST = '.flink/drafts.yaml';

interface Entry extends PlanEntry {
  line: number;
  column: number;
}

function entry(file: string, draftId: string, extra: Partial<Entry> = {}): Entry {
  return { file, draftId, workspace: 'ws-1', namespace: 'ns-1', line: 1, column: 1, ...extra };
}

function diff(...changes: FileChange[]): ChangeSet {
  return { kind: 'diff', base: 'a'.repeat(40), head: 'b'.repeat(40), changes, warnings: [] };
}

const orders = entry('sql/orders.sql', 'd-orders');
const users = entry('sql/users.sql', 'd-users');
const audit = entry('sql/audit.sql', 'd-audit');
const ordersCopy = entry('sql/orders.sql', 'd-orders-staging', { namespace: 'staging' });

function summary(items: PlanItem<Entry>[]): Array<[string, string, boolean]> {
  return items.map((item) => [item.entry.draftId, item.reason, item.deleted]);
}

describe('planSync', () => {
  const cases: Array<{
    name: string;
    entries: Entry[];
    previousEntries?: Entry[];
    changes: ChangeSet;
    expected: Array<[string, string, boolean]>;
  }> = [
    {
      name: 'sync-all plans every entry in manifest order',
      entries: [users, orders, audit],
      changes: { kind: 'all', reason: 'first push of this branch', warnings: [] },
      expected: [
        ['d-users', 'sync-all', false],
        ['d-orders', 'sync-all', false],
        ['d-audit', 'sync-all', false],
      ],
    },
    {
      name: 'a modified file plans only its entries, all drafts that map it',
      entries: [orders, users, ordersCopy],
      changes: diff({ status: 'modified', path: 'sql/orders.sql' }),
      expected: [
        ['d-orders', 'file-changed', false],
        ['d-orders-staging', 'file-changed', false],
      ],
    },
    {
      name: 'added, copied-to and type-changed files count as changed',
      entries: [orders, users, audit],
      changes: diff(
        { status: 'added', path: 'sql/orders.sql' },
        { status: 'copied', path: 'sql/users.sql', previousPath: 'sql/audit.sql' },
        { status: 'type-changed', path: 'sql/audit.sql' },
      ),
      expected: [
        ['d-orders', 'file-changed', false],
        ['d-users', 'file-changed', false],
        ['d-audit', 'file-changed', false],
      ],
    },
    {
      name: 'the source of a copy is not changed',
      entries: [orders, users],
      changes: diff({ status: 'copied', path: 'sql/new.sql', previousPath: 'sql/orders.sql' }),
      expected: [],
    },
    {
      name: 'unrelated changes plan nothing',
      entries: [orders, users],
      changes: diff({ status: 'modified', path: 'README.md' }),
      expected: [],
    },
    {
      name: 'a deleted file is planned as deleted',
      entries: [orders, users],
      changes: diff({ status: 'deleted', path: 'sql/users.sql' }),
      expected: [['d-users', 'file-changed', true]],
    },
    {
      name: 'a deleted path written again in the same push is not deleted',
      entries: [orders],
      changes: diff(
        { status: 'deleted', path: 'sql/orders.sql' },
        { status: 'renamed', path: 'sql/orders.sql', previousPath: 'sql/old.sql' },
      ),
      expected: [['d-orders', 'file-renamed', false]],
    },
    {
      name: 'rename to an unmapped path: the old entry is deleted, never emptied',
      entries: [orders, users],
      changes: diff({
        status: 'renamed',
        path: 'sql/orders_v2.sql',
        previousPath: 'sql/orders.sql',
      }),
      expected: [['d-orders', 'file-renamed', true]],
    },
    {
      name: 'rename with the manifest following it: the entry syncs from the new path',
      entries: [entry('sql/orders_v2.sql', 'd-orders'), users],
      previousEntries: [orders, users],
      changes: diff(
        { status: 'renamed', path: 'sql/orders_v2.sql', previousPath: 'sql/orders.sql' },
        { status: 'modified', path: MANIFEST },
      ),
      expected: [['d-orders', 'file-renamed', false]],
    },
    {
      name: 'manifest change plans new and re-targeted entries only',
      entries: [
        orders,
        entry('sql/users.sql', 'd-users-2'),
        entry('sql/audit.sql', 'd-audit', { workspace: 'ws-2' }),
        entry('sql/new.sql', 'd-new'),
      ],
      previousEntries: [orders, users, audit],
      changes: diff({ status: 'modified', path: MANIFEST }),
      expected: [
        ['d-users-2', 'manifest-changed', false],
        ['d-audit', 'manifest-changed', false],
        ['d-new', 'manifest-changed', false],
      ],
    },
    {
      name: 'an entry that only moved within the manifest is not planned',
      entries: [users, orders],
      previousEntries: [orders, users],
      changes: diff({ status: 'modified', path: MANIFEST }),
      expected: [],
    },
    {
      name: 'a manifest added in the push plans every entry',
      entries: [orders, users],
      previousEntries: [],
      changes: diff({ status: 'added', path: MANIFEST }),
      expected: [
        ['d-orders', 'manifest-changed', false],
        ['d-users', 'manifest-changed', false],
      ],
    },
    {
      name: 'an unknown earlier manifest counts as empty when the manifest changed',
      entries: [orders],
      changes: diff({ status: 'modified', path: MANIFEST }),
      expected: [['d-orders', 'manifest-changed', false]],
    },
    {
      name: 'earlier entries are ignored when the manifest itself did not change',
      entries: [orders, users],
      previousEntries: [],
      changes: diff({ status: 'modified', path: 'README.md' }),
      expected: [],
    },
    {
      name: 'a file change wins over a manifest change for the reason',
      entries: [entry('sql/new.sql', 'd-new')],
      previousEntries: [],
      changes: diff({ status: 'added', path: MANIFEST }, { status: 'added', path: 'sql/new.sql' }),
      expected: [['d-new', 'file-changed', false]],
    },
    {
      name: 'manifest paths are compared in normal form',
      entries: [entry('./sql//orders.sql', 'd-orders')],
      previousEntries: [entry('sql/orders.sql', 'd-orders')],
      changes: diff(
        { status: 'modified', path: 'sql/orders.sql' },
        { status: 'modified', path: MANIFEST },
      ),
      expected: [['d-orders', 'file-changed', false]],
    },
    {
      name: 'normal form also applies to the earlier manifest',
      entries: [entry('./sql/orders.sql', 'd-orders')],
      previousEntries: [entry('sql/orders.sql', 'd-orders')],
      changes: diff({ status: 'modified', path: `./${MANIFEST}` }),
      expected: [],
    },
    {
      name: 'paths with spaces, unicode and newlines match exactly',
      entries: [entry('sql/über ordérs.sql', 'd-u'), entry('sql/line\nbreak.sql', 'd-n')],
      changes: diff(
        { status: 'modified', path: 'sql/über ordérs.sql' },
        { status: 'deleted', path: 'sql/line\nbreak.sql' },
      ),
      expected: [
        ['d-u', 'file-changed', false],
        ['d-n', 'file-changed', true],
      ],
    },
  ];

  it.each(cases)('$name', ({ entries, previousEntries, changes, expected }) => {
    const items = planSync({ entries, previousEntries, changes, manifestPath: MANIFEST });
    expect(summary(items)).toEqual(expected);
  });

  it('returns the very entry objects it was given', () => {
    const items = planSync({
      entries: [orders],
      changes: diff({ status: 'modified', path: 'sql/orders.sql' }),
      manifestPath: MANIFEST,
    });
    expect(items[0]?.entry).toBe(orders);
  });
});

describe('planSync properties', () => {
  const paths = fc.constantFrom('a.sql', 'b.sql', 'dir/c.sql', 'd e.sql', 'é.sql', MANIFEST);
  const arbEntry = fc.record({
    file: paths,
    draftId: fc.constantFrom('d1', 'd2', 'd3'),
    workspace: fc.constantFrom('w1', 'w2'),
    namespace: fc.constantFrom('n1', 'n2'),
  });
  const arbChange: fc.Arbitrary<FileChange> = fc.oneof(
    fc.record({
      status: fc.constantFrom('added', 'modified', 'deleted', 'type-changed') as fc.Arbitrary<
        FileChange['status']
      >,
      path: paths,
    }),
    fc.record({
      status: fc.constantFrom('renamed', 'copied') as fc.Arbitrary<FileChange['status']>,
      path: paths,
      previousPath: paths,
    }),
  );
  const arbInput = fc.record({
    entries: fc.array(arbEntry, { maxLength: 8 }),
    previousEntries: fc.option(fc.array(arbEntry, { maxLength: 8 }), { nil: undefined }),
    changes: fc.array(arbChange, { maxLength: 8 }),
  });

  it('plans a subsequence of the entries, each at most once', () => {
    fc.assert(
      fc.property(arbInput, ({ entries, previousEntries, changes }) => {
        const items = planSync({
          entries,
          previousEntries,
          changes: diff(...changes),
          manifestPath: MANIFEST,
        });
        let cursor = 0;
        for (const item of items) {
          const index = entries.indexOf(item.entry, cursor);
          expect(index).toBeGreaterThanOrEqual(cursor);
          cursor = index + 1;
        }
      }),
    );
  });

  it('plans every entry whose file the push wrote or removed', () => {
    fc.assert(
      fc.property(arbInput, ({ entries, previousEntries, changes }) => {
        const items = planSync({
          entries,
          previousEntries,
          changes: diff(...changes),
          manifestPath: MANIFEST,
        });
        const touched = new Set(
          changes.flatMap((c) =>
            c.status === 'renamed' ? [c.path, c.previousPath ?? ''] : [c.path],
          ),
        );
        const planned = new Set(items.map((item) => item.entry));
        for (const e of entries) {
          if (touched.has(e.file)) expect(planned.has(e)).toBe(true);
        }
      }),
    );
  });

  it('marks deleted only entries whose file is gone after the push', () => {
    fc.assert(
      fc.property(arbInput, ({ entries, previousEntries, changes }) => {
        const items = planSync({
          entries,
          previousEntries,
          changes: diff(...changes),
          manifestPath: MANIFEST,
        });
        const written = new Set(changes.filter((c) => c.status !== 'deleted').map((c) => c.path));
        for (const item of items.filter((i) => i.deleted)) {
          expect(written.has(item.entry.file)).toBe(false);
          const removed = changes.some(
            (c) =>
              (c.status === 'deleted' && c.path === item.entry.file) ||
              (c.status === 'renamed' && c.previousPath === item.entry.file),
          );
          expect(removed).toBe(true);
        }
      }),
    );
  });

  it('plans nothing beyond file changes when the manifest did not change', () => {
    fc.assert(
      fc.property(arbInput, ({ entries, previousEntries, changes }) => {
        const untouched = changes.filter((c) => c.path !== MANIFEST);
        const items = planSync({
          entries,
          previousEntries,
          changes: diff(...untouched),
          manifestPath: MANIFEST,
        });
        expect(items.every((item) => item.reason !== 'manifest-changed')).toBe(true);
      }),
    );
  });

  it('plans everything, in order, for a sync-all change set', () => {
    fc.assert(
      fc.property(arbInput, ({ entries, previousEntries }) => {
        const items = planSync({
          entries,
          previousEntries,
          changes: { kind: 'all', reason: 'test', warnings: [] },
          manifestPath: MANIFEST,
        });
        expect(items.map((item) => item.entry)).toEqual(entries);
        expect(items.every((item) => item.reason === 'sync-all' && !item.deleted)).toBe(true);
      }),
    );
  });
});
