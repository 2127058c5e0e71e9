// `npm run licenses`: fails when a production dependency (one bundled into dist/) carries a licence
// that is not on the allow-list in scripts/licenses/allow.ts, or none at all. Reads the lock file,
// which records each package's licence, and the installed package.json where there is one, so a
// lock file edited by hand cannot hide a package's real licence.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { licenceAllowed, refusedPackages } from './licenses/allow.js';

const root = path.resolve(import.meta.dirname, '..');
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages?: Record<string, { dev?: boolean; license?: string }>;
};

const refused = refusedPackages(lock);
let checked = 0;
for (const [where, entry] of Object.entries(lock.packages ?? {})) {
  if (where === '' || entry.dev === true) continue;
  checked++;
  let installed: string | undefined;
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, where, 'package.json'), 'utf8')) as {
      license?: unknown;
    };
    installed = typeof manifest.license === 'string' ? manifest.license : undefined;
  } catch {
    continue; // not installed here (an optional package for another platform)
  }
  if (!licenceAllowed(installed) && !refused.some((r) => r.path === where)) {
    refused.push({ path: where, license: installed });
  }
}

if (refused.length > 0) {
  for (const r of refused) {
    console.error(`${r.path}: licence ${r.license ?? '(none)'} is not on the allow-list`);
  }
  console.error(
    `${refused.length} of ${checked} production packages refused; see scripts/licenses/allow.ts`,
  );
  process.exit(1);
}
console.log(`licences: all ${checked} production packages are on the allow-list`);
