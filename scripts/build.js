#!/usr/bin/env node
/**
 * Bundles main.ts into lib/main.js with esbuild (about 0.3 s; tsc on the 10 MB of generated bindings takes
 * ~15 s). Type checking is done by `npm test` (tsc --noEmit), so a type error still fails CI.
 */
'use strict';
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..');
const stampFile = path.join(root, 'lib', '.build-inputs.json');

/**
 * Whether lib/ is up to date: every input esbuild read last time (from its metafile; the installed packages as
 * node_modules/.package-lock.json), this script and package.json still have the size and modification time recorded
 * then, and the outputs exist. Then nothing is rebuilt (not even esbuild is loaded); a new file can only enter the
 * bundle through an edit of a recorded one. A file of node_modules edited by hand needs `node scripts/build.js --force`.
 */
function upToDate() {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    return false;
  }
  for (const [file, sig] of Object.entries(stamp.inputs)) {
    let st;
    try {
      st = fs.statSync(path.join(root, file));
    } catch {
      return false;
    }
    if (`${st.size}:${st.mtimeMs}` !== sig) return false;
  }
  return stamp.outputs.every((f) => fs.existsSync(path.join(root, f)));
}

/** Bundles when an input changed since the last bundle (or always with `force`); loads esbuild only then. */
function ensureBuilt(force = false) {
  if (force || !upToDate()) build();
}

/**
 * How every bundle is built, lib/ and the entry points the tests bundle: one CommonJS file for Node 20 with its
 * dependencies, the compiled data of imports/ copied beside it (see build() for why).
 */
const BUNDLE_OPTIONS = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', loader: { '.json': 'copy' }, assetNames: '[name]' };

if (require.main === module) ensureBuilt(process.argv.includes('--force'));
module.exports = { ensureBuilt, BUNDLE_OPTIONS };

function build() {
  const esbuild = require('esbuild');
  const result = esbuild.buildSync({
    absWorkingDir: root,
    // main.ts -> lib/main.js, the command-line scripts -> lib/bench.js and lib/diff.js, and the synth worker beside
    // them (lib/synth-worker.js), where src/synth/document-pipeline.ts looks for it.
    entryPoints: [
      { in: 'main.ts', out: 'main' },
      { in: 'scripts/bench.ts', out: 'bench' },
      { in: 'scripts/diff.ts', out: 'diff' },
      { in: 'src/synth/synth-worker.ts', out: 'synth-worker' },
    ]
      .map((e) => ({ in: path.join(root, e.in), out: e.out }))
      .filter((e) => fs.existsSync(e.in)),
    outdir: path.join(root, 'lib'),
    ...BUNDLE_OPTIONS,
    // Dependencies are bundled too: one file per entry point is read and compiled once (from run.js's code cache), where
    // loading cdk8s, its YAML library and the others from node_modules took a third of a second of module resolution
    // and compilation on every run. package-lock.json is an input (below), so an upgrade rebuilds.
    // The compiled data of imports/ (schema bundle, chart data) is copied next to the bundle and loaded with Node's
    // JSON.parse at run time, which is several times faster than parsing it as an inlined object literal.
    // Whitespace and syntax only (names stay, so stack traces still name functions): a smaller file to read and
    // compile, about 25 ms less start-up.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: false,
    logLevel: 'warning',
    metafile: true,
  });
  const inputs = {};
  // Installed packages are one input: npm rewrites node_modules/.package-lock.json whenever it installs or removes one
  // (`npm ci`, `npm install`, an upgrade), so the 300 files esbuild read from node_modules are not checked one by one.
  const own = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
  const installed = fs.existsSync(path.join(root, 'node_modules/.package-lock.json')) ? ['node_modules/.package-lock.json'] : [];
  const deps = installed.length > 0 ? installed : Object.keys(result.metafile.inputs).filter((f) => f.startsWith('node_modules/'));
  for (const file of [...own, ...deps, 'scripts/build.js', 'package.json', 'package-lock.json']) {
    const st = fs.statSync(path.join(root, file));
    inputs[file] = `${st.size}:${st.mtimeMs}`;
  }
  fs.writeFileSync(stampFile, JSON.stringify({ inputs, outputs: Object.keys(result.metafile.outputs) }));
}
