/**
 * Entry point of `npm run synth` (and of `cdk8s synth` through cdk8s.yaml): synthesizes every environment into
 * dist/ atomically. The only place that reads the command line.
 *
 *   node lib/main.js [--outdir DIR] [--allow-prune]
 *
 * --allow-prune  let production/dr lose a Namespace, StatefulSet or other stateful resource (the prune guard
 *                reports it as a warning instead of failing synth)
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildApp } from './charts';
import { ALLOW_PRUNE_FLAG, defaultPlugins, synthFailureMessage, synthesize } from './src';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): number {
  const root = path.resolve(__dirname, '..');
  // PLATFORM_OUTDIR lets tests run `cdk8s synth` into a scratch folder.
  const outdir = path.resolve(root, arg('--outdir') ?? process.env.PLATFORM_OUTDIR ?? 'dist');
  // `cdk8s synth` expects its output folder to exist; dist/ is written by us, atomically.
  if (process.env.CDK8S_OUTDIR) fs.mkdirSync(path.resolve(process.env.CDK8S_OUTDIR), { recursive: true });
  const started = process.hrtime.bigint();
  try {
    const app = buildApp();
    const allowPrune = process.argv.includes(ALLOW_PRUNE_FLAG);
    const result = synthesize(app, { outdir, plugins: defaultPlugins({ allowPrune }) });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const docs = result.environments.reduce((n, e) => n + e.documents.length, 0);
    const perEnv = new Map<string, number>();
    for (const e of result.environments) perEnv.set(e.name, (perEnv.get(e.name) ?? 0) + e.documents.length);
    const envs = [...perEnv].map(([name, n]) => `${name} ${n}`).join(', ');
    console.log(`synthesized ${docs} documents (${envs}) into ${path.relative(process.cwd(), outdir) || '.'} in ${ms.toFixed(0)} ms`);
    return 0;
  } catch (e) {
    // A user's mistake prints its message alone; only an internal error prints a stack.
    console.error(synthFailureMessage(e));
    return 1;
  }
}

process.exitCode = main();
