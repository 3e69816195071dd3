#!/usr/bin/env node
/**
 * Builds the npm package into build/: `tsc -p tsconfig.build.json` (JavaScript and declarations, `@internal` members
 * stripped) of src/, bin/ and the generated bindings of imports/, then the compiled data of imports/ (schema bundle,
 * chart data) copied next to the compiled bindings, where `src/synth/schema-registry.ts` and
 * `src/synth/chart-data.ts` `require` them (`../../imports/*.json` from build/src/synth/). Runs on `npm pack` and
 * `npm publish` (the `prepack` script). The reference platform (charts/, main.ts, tenants.yaml, dist/) is not built.
 */
'use strict';
const path = require('path');
const fs = require('fs');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'build');
fs.rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
  cwd: root,
  stdio: ['ignore', process.stderr, process.stderr],
});
const data = fs.readdirSync(path.join(root, 'imports')).filter((f) => f.endsWith('.json'));
for (const f of data) fs.copyFileSync(path.join(root, 'imports', f), path.join(out, 'imports', f));
// The bin is run by npm's shim on POSIX only when it is executable.
const bin = path.join(out, 'bin', 'cdk8s-platform.js');
if (fs.existsSync(bin)) fs.chmodSync(bin, 0o755);
// stderr: `npm pack --json` prints its JSON on stdout.
console.error(`built the package into ${path.relative(process.cwd(), out) || '.'} (${data.length} data files copied from imports/)`);
