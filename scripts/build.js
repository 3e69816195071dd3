#!/usr/bin/env node
/**
 * Bundles main.ts into lib/main.js with esbuild (about 0.3 s; tsc on the 10 MB of generated bindings takes
 * ~15 s). Type checking is done by `npm test` (tsc --noEmit), so a type error still fails CI.
 */
'use strict';
const path = require('path');
const fs = require('fs');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
esbuild.buildSync({
  // main.ts -> lib/main.js; the command-line scripts -> lib/scripts/*.js
  entryPoints: ['main.ts', 'scripts/bench.ts', 'scripts/diff.ts']
    .map((f) => path.join(root, f))
    .filter((f) => fs.existsSync(f)),
  outdir: path.join(root, 'lib'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Dependencies stay external (loaded from node_modules), except the CEL evaluator: it is over a hundred small
  // modules, and bundled it loads in a third of the time.
  external: Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
    .filter((name) => !name.startsWith('@bufbuild/'))
    .flatMap((name) => [name, `${name}/*`]),
  // The compiled data of imports/ (schema bundle, chart data) is copied next to the bundle and loaded with Node's
  // JSON.parse at run time, which is several times faster than parsing it as an inlined object literal.
  loader: { '.json': 'copy' },
  assetNames: '[name]',
  sourcemap: false,
  logLevel: 'warning',
});
