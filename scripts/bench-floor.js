#!/usr/bin/env node
/**
 * The js-yaml floor as a process, for `npm run bench`: reads documents (`[{ file, objects }]`, JSON) and writes each
 * file's objects as YAML with js-yaml, one file each, below an output folder. Nothing else: the least a separate
 * command that writes the same files can cost (Node start-up, loading js-yaml, reading the input, dump, write).
 *
 *   node scripts/bench-floor.js <documents.json> <outdir>
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { dump } = require('js-yaml');

const [input, outdir] = process.argv.slice(2);
const made = new Set();
for (const { file, objects } of JSON.parse(fs.readFileSync(input, 'utf8'))) {
  const full = path.join(outdir, file);
  const dir = path.dirname(full);
  if (!made.has(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  fs.writeFileSync(full, objects.map((o) => dump(o, { noRefs: true, lineWidth: -1 })).join('---\n'));
}
