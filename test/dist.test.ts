import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../charts';
import { SchemaValidator, synthesize } from '../src';
import { defaultPlugins } from '../src/synth/plugins';

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
let tmp: string;

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the committed dist/', () => {
  it('equals a fresh synth of the charts (no drift)', () => {
    const fresh = path.join(tmp, 'fresh');
    synthesize(buildApp(), { outdir: fresh, plugins: defaultPlugins(), warn: () => undefined });
    const a = tree(fresh);
    const b = tree(dist);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const f of Object.keys(a)) expect(b[f], `dist/${f} is stale: run npm run synth`).toBe(a[f]);
  });

  it('holds the four environments', () => {
    for (const env of ['development', 'staging', 'production', 'dr']) {
      expect(fs.statSync(path.join(dist, env)).isDirectory()).toBe(true);
    }
  });

  it('holds only documents that are valid for Kubernetes 1.27 and the vendored CRDs', () => {
    const v = new SchemaValidator();
    const problems: string[] = [];
    let count = 0;
    for (const [file, text] of Object.entries(tree(dist))) {
      if (!file.endsWith('.yaml')) continue;
      const doc = load(text) as Record<string, any>;
      count++;
      for (const p of v.validate(doc)) problems.push(`${file}: ${p.path}: ${p.message}`);
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(0);
  });

  it('is what `cdk8s synth` produces too, and cdk8s synth cannot empty dist/', () => {
    const out = path.join(tmp, 'cli');
    const cli = path.join(root, 'node_modules/cdk8s-cli/bin/cdk8s');
    execFileSync(process.execPath, [cli, 'synth', '--no-check-upgrade'], {
      cwd: root,
      env: { ...process.env, PLATFORM_OUTDIR: out },
      stdio: 'pipe',
    });
    expect(tree(out)).toEqual(tree(dist));
    expect(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')).toMatch(/^output: \.cdk8s\.out$/m);
  });
});
