import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentChart, Engine, StatefulDatastore, statefulGuardPlugin, synthesize } from '../../src';
import { distBaselines } from '../../src/synth/baseline';
import { pruneGuard } from '../../src/synth/plugins/prune-guard';
import { production } from '../helpers';

/** Production with an optional PostgreSQL `orders-db` of `size` (a CloudNativePG Cluster). */
function app(size: string | undefined): App {
  const a = new App({ outdir: '.cdk8s.out' });
  const chart = new EnvironmentChart(a, { profile: production });
  if (size) new StatefulDatastore(chart, 'db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres(), storage: { size } });
  else new StatefulDatastore(chart, 'cache', { name: 'cache', namespace: 'data', engine: Engine.redis() });
  return a;
}

const PLUGINS = () => [pruneGuard(), statefulGuardPlugin()];
let repo: string;
let dist: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe', encoding: 'utf8' });

beforeEach(() => {
  // GIVEN a repository whose last commit holds dist/ with orders-db at 100Gi
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'guards-git-'));
  dist = path.join(repo, 'dist');
  git('init', '-q');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'test');
  synthesize(app('100Gi'), { outdir: dist, plugins: PLUGINS() });
  git('add', '-A');
  git('commit', '-q', '-m', 'dist');
});
afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

describe('guards compare with the last commit when dist/ is missing or modified', () => {
  it('GIVEN dist/ deleted WHEN a synth drops the database THEN the prune and stateful guards still fail, naming the commit', () => {
    fs.rmSync(dist, { recursive: true, force: true });
    // Without a command of its own, synth advises the package's CLI.
    expect(() => synthesize(app(undefined), { outdir: dist, plugins: PLUGINS() })).toThrow(
      `synth failed with 2 problem(s); ${dist}/ was left unchanged:\n` +
        `  production/data/Cluster/orders-db: would be removed from ${dist}/production (it is in the last commit (HEAD:dist/)), but a Cluster holds persistent data or everything in it and environment "production" protects it (profile.delivery.pruneGuard); if the removal is intended, run synth with --allow-prune (npx cdk8s-platform --allow-prune)\n` +
        '  production/data/orders-db: Cluster was removed or renamed: CloudNativePG deletes its volumes with it (rename it back, or remove it on purpose by hand) (compared with the last commit (HEAD:dist/))',
    );
    expect(fs.existsSync(dist)).toBe(false);
  });

  it('GIVEN dist/ deleted WHEN a synth shrinks the volume THEN the stateful guard fails against HEAD', () => {
    fs.rmSync(dist, { recursive: true, force: true });
    expect(() => synthesize(app('50Gi'), { outdir: dist, plugins: PLUGINS() })).toThrow(
      'production/data/orders-db: Cluster spec.storage.size: volume shrunk from 100Gi to 50Gi; volumes can never shrink (data would not fit) (compared with the last commit (HEAD:dist/))',
    );
  });

  it('GIVEN dist/ edited by hand to the smaller size WHEN a synth shrinks the volume THEN HEAD still catches it', () => {
    const f = path.join(dist, 'production/data/cluster-orders-db.yaml');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/size: 100Gi/g, 'size: 50Gi'));
    expect(() => synthesize(app('50Gi'), { outdir: dist, plugins: PLUGINS() })).toThrow('volume shrunk from 100Gi to 50Gi');
  });

  it('GIVEN dist/ unchanged since the commit WHEN an unchanged synth runs THEN only the folder is read and synth passes', () => {
    expect(distBaselines(dist).map((b) => b.label)).toEqual(['dist/']);
    expect(() => synthesize(app('100Gi'), { outdir: dist, plugins: PLUGINS() })).not.toThrow();
  });

  it('GIVEN dist/ deleted WHEN the same app is synthesized THEN it passes and dist/ is back as committed', () => {
    fs.rmSync(dist, { recursive: true, force: true });
    expect(distBaselines(dist).map((b) => b.label)).toEqual(['the last commit (HEAD:dist/)']);
    synthesize(app('100Gi'), { outdir: dist, plugins: PLUGINS() });
    expect(git('status', '--porcelain')).toBe('');
  });

  it('GIVEN an output folder outside any git work tree WHEN deleted THEN the guards have nothing to compare with (as before)', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'no-git-'));
    try {
      const out = path.join(outside, 'dist');
      synthesize(app('100Gi'), { outdir: out, plugins: PLUGINS() });
      fs.rmSync(out, { recursive: true, force: true });
      expect(distBaselines(out)).toEqual([]);
      expect(() => synthesize(app(undefined), { outdir: out, plugins: PLUGINS() })).not.toThrow();
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
