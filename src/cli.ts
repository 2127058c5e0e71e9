#!/usr/bin/env node
// The entry point of the `flink-draft-sync` command (bundled to dist/cli.js).
import { runCli } from './cli/main.js';

process.exitCode = await runCli(process.argv.slice(2), process.env, process.cwd(), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY === true,
});
