// A sample Flink SQL repository and a fake Ververica API seeded with matching drafts. Used by
// `npm run demo` and by the CI smoke run of the bundled action.
import { FakeVervericaApi } from '../__tests__/support/fake-ververica.js';
import { commitFiles, headOf, initRepo } from '../__tests__/support/git-repo.js';
import { pushEvent } from '../__tests__/support/events.js';

export const WORKSPACE = 'a14bd5d90a0000';
export const NAMESPACE = 'demo-namespace';
export const CREDENTIAL = {
  accessKeyId: 'LTAI5tDemoKeyId000000',
  accessKeySecret: 'demo-secret-never-printed',
};

export const DRAFTS = {
  orders: 'c84d73be-40ad-4627-8bdd-fa1eba51b234',
  sessions: '0b8f1c2e-5d4a-4f3b-9e21-7a6c5d4e3f21',
  clicks: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  payments: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  legacy: '11111111-2222-4333-8444-555555555555',
  inventory: '66666666-7777-4888-9999-aaaaaaaaaaaa',
};

const MANIFEST = `version: 1
defaults:
  workspace: ${WORKSPACE}
  namespace: ${NAMESPACE}
drafts:
  - file: sql/orders_enrich.sql
    draftId: ${DRAFTS.orders}
  - file: sql/user_sessions.sql
    draftId: ${DRAFTS.sessions}
  - file: sql/clicks_dedup.sql
    draftId: ${DRAFTS.clicks}
  - file: sql/payments_alerts.sql
    draftId: ${DRAFTS.payments}
  - file: sql/legacy_udf_job.sql
    draftId: ${DRAFTS.legacy}
  - file: sql/inventory.sql
    draftId: ${DRAFTS.inventory}
`;

const V1: Record<string, string> = {
  'sql/orders_enrich.sql':
    'INSERT INTO orders_enriched\nSELECT o.*, c.name FROM orders o JOIN customers c ON o.cid = c.id;\n',
  'sql/user_sessions.sql':
    "INSERT INTO sessions SELECT user_id, SESSION_START(ts, INTERVAL '30' MINUTE) FROM clicks GROUP BY user_id, SESSION(ts, INTERVAL '30' MINUTE);\n",
  'sql/clicks_dedup.sql':
    'INSERT INTO clicks_dedup SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts) AS rn FROM clicks) WHERE rn = 1;\n',
  'sql/payments_alerts.sql': 'INSERT INTO alerts SELECT * FROM payments WHERE amount > 10000;\n',
  'sql/legacy_udf_job.sql': '-- kept for reference\nSELECT 1;\n',
  'sql/inventory.sql': 'INSERT INTO stock SELECT sku, SUM(delta) FROM moves GROUP BY sku;\n',
};

const V2: Record<string, string> = {
  'sql/orders_enrich.sql':
    '-- 订单宽表 🚀\nINSERT INTO orders_enriched\nSELECT o.*, c.name, c.tier FROM orders o JOIN customers c ON o.cid = c.id;\n',
  'sql/user_sessions.sql':
    "INSERT INTO sessions SELECT user_id, SESSION_START(ts, INTERVAL '15' MINUTE) FROM clicks GROUP BY user_id, SESSION(ts, INTERVAL '15' MINUTE);\n",
  'sql/payments_alerts.sql': 'INSERT INTO alerts SELECT * FROM payments WHERE amount > 5000;\n',
  'sql/legacy_udf_job.sql': '-- kept for reference\nSELECT 2;\n',
  'sql/inventory.sql': 'INSERT INTO stock SELECT sku, SUM(delta) AS qty FROM moves GROUP BY sku;\n',
};

export interface Sample {
  repo: string;
  before: string;
  after: string;
  api: FakeVervericaApi;
  event: Record<string, unknown>;
  inputs: Record<string, string>;
}

/** A new job in the second commit, named rather than given by ID: the push creates its draft. */
const NEW_JOB = `  - file: sql/fraud_score.sql
    name: fraud-score
    folder: risk/scoring
    executionMode: STREAMING
`;

/**
 * Two commits: the first is what the drafts hold; the second changes five of the six files and
 * adds a seventh job by name, whose draft (and folders) the push creates.
 */
export async function createSample(): Promise<Sample> {
  const repo = await initRepo();
  const before = await commitFiles(
    repo,
    { 'flink-drafts.yaml': MANIFEST, ...V1 },
    'Add Flink SQL jobs',
  );
  const after = await commitFiles(
    repo,
    {
      ...V2,
      'flink-drafts.yaml': MANIFEST + NEW_JOB,
      'sql/fraud_score.sql':
        'INSERT INTO fraud_scores SELECT id, amount / NULLIF(avg_amount, 0) AS score FROM payments;\n',
    },
    'Tune session window, alerts threshold and order columns',
  );
  await headOf(repo);
  const api = await FakeVervericaApi.start({ credentials: [CREDENTIAL] });
  const names: Record<string, string> = {
    orders: 'orders-enrich',
    sessions: 'user-sessions',
    clicks: 'clicks-dedup',
    payments: 'payments-alerts',
    legacy: 'legacy-udf-job',
    inventory: 'inventory',
  };
  const files = Object.keys(V1);
  Object.entries(DRAFTS).forEach(([key, id], index) => {
    const file = files[index] as string;
    const isJar = key === 'legacy';
    api.seedDraft({
      deploymentDraftId: id,
      name: names[key],
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      engineVersion: 'vvr-8.0.9-flink-1.17',
      executionMode: 'STREAMING',
      artifact: isJar
        ? {
            kind: 'JAR',
            jarArtifact: { jarUri: 'oss://bucket/legacy.jar', entryClass: 'com.example.Legacy' },
          }
        : {
            kind: 'SQLSCRIPT',
            sqlArtifact: {
              // inventory already holds the new text: it shows as unchanged
              sqlScript: key === 'inventory' ? (V2[file] as string) : (V1[file] as string),
              additionalDependencies: ['oss://bucket/udfs.jar'],
            },
          },
      localVariables: [{ name: 'env', value: 'prod' }],
      labels: { team: 'data-platform' },
      createdAt: 1760000000,
      modifiedAt: 1760000000,
    });
  });
  api.lockDraft(WORKSPACE, NAMESPACE, DRAFTS.payments, 'Li Wei');
  return {
    repo,
    before,
    after,
    api,
    event: pushEvent({ before, after }),
    inputs: {
      endpoint: api.url,
      'access-key-id': CREDENTIAL.accessKeyId,
      'access-key-secret': CREDENTIAL.accessKeySecret,
    },
  };
}
