#!/usr/bin/env node
/**
 * Runs a bundled entry point in this one Node process: `node scripts/run.js lib/main.js [args...]` is
 * `node scripts/build.js && node lib/main.js [args...]` without starting Node twice (`npm run synth`, `images`,
 * `diff`, `bench` and cdk8s.yaml use it).
 *
 * The bundle is compiled with a V8 code cache kept beside it (lib/.v8-cache/): the 4 MB bundle is neither parsed nor
 * compiled again while it is unchanged, as Node 22's `module.enableCompileCache()` does (Node 20 has no such switch).
 * V8 itself checks that a cache belongs to this exact source and V8 version and ignores it otherwise; it is then
 * written anew. The cache only changes how fast the code starts, never what it does.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');
const v8 = require('v8');
const os = require('os');
const { Worker } = require('worker_threads');
const { isAscii } = require('buffer');
const { ensureBuilt } = require('./build');

// A synth is a short run: most functions run a few hundred times and are done before TurboFan's optimized code
// would pay for its compilation (which competes for the second core with the synth worker). A fifteen times larger
// budget before V8 optimizes a function cut the CPU time of `npm run synth` by about a sixth and its wall time by a
// tenth here (README, Performance); hot loops of big platforms still get optimized. Applies to the worker too.
v8.setFlagsFromString('--interrupt-budget=1000000');

const [entryArg, ...args] = process.argv.slice(2);
if (!entryArg) {
  console.error('usage: node scripts/run.js <bundled entry, e.g. lib/main.js> [arguments...]');
  process.exit(2);
}
ensureBuilt();

const entry = path.resolve(entryArg);

// The synth worker of the bundle (lib/synth-worker.js, beside the entry) starts now, so that it loads its code and the
// schemas on the second core while this thread reads and compiles the 4 MB entry bundle; the entry's synth takes it
// over (src/synth/document-pipeline.ts, EARLY_SYNTH_WORKER). Unreferenced: an entry that does not synth, or a
// small app that runs inline, never waits for it.
const workerFile = path.join(path.dirname(entry), 'synth-worker.js');
if (os.availableParallelism() >= 2 && fs.existsSync(workerFile)) {
  // Where synth will use its verdict cache, the worker loads the schemas and the CEL evaluator only if there is
  // something to validate.
  const worker = new Worker(workerFile, { workerData: { deferPreload: !args.includes('--no-cache') } });
  worker.unref();
  globalThis[Symbol.for('cdk8s-platform.early-synth-worker')] = { file: workerFile, worker };
}

const cacheFile = path.join(path.dirname(entry), '.v8-cache', `${path.basename(entry)}.bin`);
let cached;
try {
  cached = fs.readFileSync(cacheFile);
} catch {
  cached = undefined;
}
// An ASCII bundle (esbuild escapes non-ASCII characters) is decoded as Latin-1: the same string, twice as fast.
const bytes = fs.readFileSync(entry);
const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
const script = new vm.Script(Module.wrap(source), { filename: entry, cachedData: cached });

// The entry runs as the main module would: its own `require`, `module`, `__filename`, `__dirname` and argv.
const mod = new Module(entry, null);
mod.filename = entry;
mod.paths = Module._nodeModulePaths(path.dirname(entry));
process.argv = [process.argv[0], entry, ...args];
process.mainModule = mod;
require.cache[entry] = mod;
const localRequire = (id) => mod.require(id);
localRequire.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
localRequire.main = mod;
localRequire.cache = require.cache;
script.runInThisContext().call(mod.exports, mod.exports, localRequire, mod, entry, path.dirname(entry));
mod.loaded = true;

// After the run, so the functions it compiled lazily are in the cache too.
if (cached === undefined || script.cachedDataRejected) {
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  } catch {
    // A read-only or full disk only costs the next run its head start.
  }
}
