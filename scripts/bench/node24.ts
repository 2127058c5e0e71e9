// The Node 24 binary the action runs on (action.yml: runs.using node24), from scripts/node24.sh,
// which fetches and checks it on first use.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../__tests__/support/action-runner.js';

function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: ROOT }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim()}`));
      else resolve(stdout.trim());
    });
  });
}

export interface NodeBinary {
  path: string;
  version: string;
}

export async function node24(): Promise<NodeBinary> {
  const binary = await run('bash', [path.join(ROOT, 'scripts', 'node24.sh')]);
  const version = await run(binary, ['--version']);
  if (!version.startsWith('v24.')) throw new Error(`${binary} is Node ${version}, not 24`);
  return { path: binary, version: version.slice(1) };
}
