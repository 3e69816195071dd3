/**
 * Entry point of `npm run synth` (and of `cdk8s synth` through cdk8s.yaml): the reference platform through the
 * package's own entry point, as a user's app does it. The only place that reads the command line.
 *
 *   node lib/main.js [synth] [--outdir=DIR] [--allow-prune]     (npm run synth -- ...)
 *   node lib/main.js images [--env=NAME ...] [--json]           (npm run images -- ...)
 */
import * as path from 'path';
import { buildApp, SYNTH_COMMAND } from './charts';
import { runSynth } from './src';

// lib/main.js: the repository root is one folder up, whatever folder synth is started from.
const root = path.resolve(__dirname, '..');
process.exitCode = runSynth(buildApp, {
  argv: process.argv.slice(2),
  command: SYNTH_COMMAND,
  cwd: root,
  // PLATFORM_OUTDIR lets tests run `cdk8s synth` (which passes no arguments) into a scratch folder.
  outdir: process.env.PLATFORM_OUTDIR ?? 'dist',
});
