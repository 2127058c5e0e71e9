// The fake Ververica API for the e2e workflow: writes a sample manifest and .sql files into the
// checkout, seeds the drafts they map to with older scripts, and serves the API until SIGTERM.
// A second, read-only endpoint serves the drafts as the fake holds them, so that a later step can
// compare them with the files byte for byte.
//
//   npx tsx scripts/fake-api.ts --sample-dir <dir in the checkout> [--ready-file <path>]
//
// The connection details go to $GITHUB_OUTPUT (or stdout), then the ready file is created: a
// workflow step that starts this in the background waits for that file.
import { randomBytes } from 'node:crypto';
import { appendFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FakeVervericaApi } from '../__tests__/support/fake-ververica.js';
import { writeFiles } from '../__tests__/support/git-repo.js';
import { manifestYaml, sqlDraft } from '../__tests__/support/scenario.js';

/** One draft as the state endpoint reports it. */
export interface DraftState {
  /** The manifest's `file:`, relative to the checkout. */
  file: string;
  workspace: string;
  namespace: string;
  draftId: string;
  /** The script the draft held before the action ran. */
  seededScript: string;
  /** The script the draft holds now; null when the draft is gone or is not a SQL draft. */
  sqlScript: string | null;
  labels: Record<string, string>;
}

export interface StateDocument {
  drafts: DraftState[];
}

const WORKSPACE = 'e2e0a14bd5d90a';
const NAMESPACE = 'e2e-namespace';
const OLD_SCRIPT = '-- before the sync\nSELECT 1;\n';

interface SampleDraft {
  id: string;
  name: string;
  file: string;
  /** Exact bytes of the file, so the comparison covers encodings and line ends. */
  text: string;
  /** True when the draft already holds the file's text: the action must leave it unchanged. */
  inSync?: boolean;
}

const SAMPLE: readonly SampleDraft[] = [
  {
    id: 'c84d73be-40ad-4627-8bdd-fa1eba51b234',
    name: 'orders-enrich',
    file: 'sql/orders_enrich.sql',
    text: '-- 订单宽表 🚀\nINSERT INTO orders_enriched\nSELECT o.*, c.name FROM orders o JOIN customers c ON o.cid = c.id;\n',
  },
  {
    id: '0b8f1c2e-5d4a-4f3b-9e21-7a6c5d4e3f21',
    name: 'user-sessions',
    file: 'sql/user_sessions.sql',
    // A byte order mark and CRLF line ends must reach the draft unchanged.
    text: "\uFEFFINSERT INTO sessions\r\nSELECT user_id, SESSION_START(ts, INTERVAL '15' MINUTE)\r\nFROM clicks GROUP BY user_id, SESSION(ts, INTERVAL '15' MINUTE);\r\n",
  },
  {
    id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    name: 'payments-alerts',
    file: 'sql/payments_alerts.sql',
    text: 'INSERT INTO alerts\n\tSELECT * FROM payments WHERE amount > 5000;',
  },
  {
    id: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
    name: 'clicks-dedup',
    file: 'sql/clicks_dedup.sql',
    text: 'INSERT INTO clicks_dedup SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts) AS rn FROM clicks) WHERE rn = 1;\n',
    inSync: true,
  },
];

/** The sample folder as a POSIX path inside the checkout: the manifest's paths are built from it. */
function sampleFolder(raw: string | undefined): string {
  const folder = path.posix.normalize((raw ?? '').replace(/\\/g, '/')).replace(/\/+$/, '');
  if (!raw || folder === '.' || folder.startsWith('..') || path.posix.isAbsolute(folder)) {
    throw new Error('--sample-dir must name a folder inside the checkout, e.g. e2e-sample');
  }
  return folder;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function stateOf(api: FakeVervericaApi, folder: string): StateDocument {
  return {
    drafts: SAMPLE.map((d) => {
      const draft = api.draft(WORKSPACE, NAMESPACE, d.id);
      return {
        file: `${folder}/${d.file}`,
        workspace: WORKSPACE,
        namespace: NAMESPACE,
        draftId: d.id,
        seededScript: d.inSync ? d.text : OLD_SCRIPT,
        sqlScript: draft?.artifact?.sqlArtifact?.sqlScript ?? null,
        labels: { ...draft?.labels },
      };
    }),
  };
}

/** GET /drafts and nothing else: the state endpoint cannot change the fake. */
function stateServer(state: () => StateDocument): http.Server {
  return http.createServer((req, res) => {
    const found = req.url === '/drafts';
    const allowed = req.method === 'GET';
    const status = !found ? 404 : !allowed ? 405 : 200;
    const body = status === 200 ? JSON.stringify(state()) : JSON.stringify({ status });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
  });
}

async function publish(outputs: Record<string, string>): Promise<void> {
  const lines = Object.entries(outputs).map(([name, value]) => `${name}=${value}\n`);
  const file = process.env.GITHUB_OUTPUT;
  if (file) await appendFile(file, lines.join(''));
  else process.stdout.write(lines.join(''));
}

const { values } = parseArgs({
  options: { 'sample-dir': { type: 'string' }, 'ready-file': { type: 'string' } },
});
const folder = sampleFolder(values['sample-dir']);
const checkout = process.env.GITHUB_WORKSPACE || process.cwd();
const manifest = `${folder}/flink-drafts.yaml`;

await writeFiles(checkout, {
  [manifest]: manifestYaml(
    SAMPLE.map((d) => ({ file: `${folder}/${d.file}`, draftId: d.id })),
    { workspace: WORKSPACE, namespace: NAMESPACE },
  ),
  ...Object.fromEntries(SAMPLE.map((d) => [`${folder}/${d.file}`, d.text])),
});

// A fresh key pair each run: it opens nothing but this fake, which lives as long as the job.
const key = {
  accessKeyId: `LTAI5tE2e${randomBytes(6).toString('hex')}`,
  accessKeySecret: randomBytes(18).toString('base64url'),
};
const api = await FakeVervericaApi.start({ credentials: [key] });
for (const d of SAMPLE) {
  api.seedDraft(
    sqlDraft({
      id: d.id,
      name: d.name,
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      sqlScript: d.inSync ? d.text : OLD_SCRIPT,
      engineVersion: 'vvr-8.0.9-flink-1.17',
      executionMode: 'STREAMING',
      labels: { team: 'data-platform' },
    }),
  );
}
const state = stateServer(() => stateOf(api, folder));
const stateUrl = `${await listen(state)}/drafts`;

const stop = async (): Promise<void> => {
  state.closeAllConnections();
  await Promise.all([api.stop(), new Promise((resolve) => state.close(resolve))]);
  console.log(`fake Ververica API stopped after ${api.calls.length} calls`);
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

await publish({
  endpoint: api.url,
  workspace: WORKSPACE,
  namespace: NAMESPACE,
  'access-key-id': key.accessKeyId,
  'access-key-secret': key.accessKeySecret,
  'state-url': stateUrl,
  pid: String(process.pid),
});
console.log(`fake Ververica API at ${api.url}, drafts at ${stateUrl}, sample in ${folder}/`);
if (values['ready-file']) await writeFile(values['ready-file'], `${process.pid}\n`);
