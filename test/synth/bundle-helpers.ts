/** Helpers of the tests that bundle an entry point like lib/main.js and run it in a process of its own. */
import * as fs from 'fs';
import * as path from 'path';
import { buildSync, BuildOptions } from 'esbuild';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BUNDLE_OPTIONS } = require('../../scripts/build') as { BUNDLE_OPTIONS: BuildOptions };

export const root = path.resolve(__dirname, '..', '..');

/** Bundles a TypeScript entry point (source text, resolved from the repository root) like lib/main.js into `outfile`. */
export function bundleEntry(outfile: string, contents: string): void {
  buildSync({ ...BUNDLE_OPTIONS, stdin: { contents, resolveDir: root, loader: 'ts' }, outfile, logLevel: 'silent' });
}

/** Every file under dir with its bytes, sorted by path. */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'latin1');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}
