import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { afterEach, describe, expect, test } from 'vitest';
import { dr } from '../../charts/dr';
import { EnvironmentProfile, synthesize, SynthError, synthesizeToJson } from '../../src';
import { defaultPlugins } from '../../src/synth/plugins';
import { protectedRemovals, pruneGuard } from '../../src/synth/plugins/prune-guard';
import { development, production } from '../helpers';
import { buildFixtureEnvironment } from '../gitops/helpers';

const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function outdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'prune-guard-'));
  tmpDirs.push(d);
  return path.join(d, 'dist');
}

/** Synthesizes the fixture environment with or without postgres into `dir`, with only the prune guard. */
function synth(dir: string, profile: EnvironmentProfile, withPostgres: boolean, allowPrune = false, warn: (m: string) => void = () => undefined) {
  const app = new App();
  buildFixtureEnvironment(app, profile, { withPostgres });
  return synthesize(app, { outdir: dir, plugins: [pruneGuard({ allowPrune })], warn, command: 'npm run synth --' });
}

describe('prune guard', () => {
  test('GIVEN production with a committed StatefulSet WHEN synth drops it THEN synth fails naming it, the real output folder and the command with the flag', () => {
    const dir = outdir();
    synth(dir, production, true);
    const before = fs.readFileSync(path.join(dir, 'production/data/statefulset-postgres.yaml'), 'utf8');
    expect(() => synth(dir, production, false)).toThrow(
      `synth failed with 1 problem(s); ${dir}/ was left unchanged:\n` +
        `  production/data/StatefulSet/postgres: would be removed from ${dir}/production, but a StatefulSet holds persistent data or everything in it and environment "production" protects it (profile.delivery.pruneGuard); if the removal is intended, run synth with --allow-prune (npm run synth -- --allow-prune)`,
    );
    expect(fs.readFileSync(path.join(dir, 'production/data/statefulset-postgres.yaml'), 'utf8')).toBe(before);
  });

  test('GIVEN dr WHEN synth drops the StatefulSet with allowPrune THEN it is written and reported as a warning', () => {
    const dir = outdir();
    synth(dir, dr, true);
    const warnings: string[] = [];
    const result = synth(dir, dr, false, true, (m) => warnings.push(m));
    expect(result.files).not.toContain('dr/data/statefulset-postgres.yaml');
    expect(warnings).toEqual([
      `dr/data/StatefulSet/postgres: will be removed from ${dir}/dr (a StatefulSet holds persistent data or everything in it); allowed by --allow-prune`,
    ]);
  });

  test('GIVEN development (no prune guard) WHEN synth drops the StatefulSet THEN synth succeeds', () => {
    const dir = outdir();
    synth(dir, development, true);
    expect(() => synth(dir, development, false)).not.toThrow();
  });

  test('GIVEN production WHEN only a stateless resource is dropped THEN synth succeeds', () => {
    const dir = outdir();
    synth(dir, production, true);
    fs.writeFileSync(
      path.join(dir, 'production/backend/configmap-old.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n  namespace: backend\n',
    );
    expect(() => synth(dir, production, true)).not.toThrow();
  });

  test('GIVEN a committed Namespace and a custom kind with volume claims WHEN both disappear THEN both are protected', () => {
    const dir = outdir();
    synth(dir, production, true);
    fs.writeFileSync(path.join(dir, 'production/_cluster/namespace-legacy.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n');
    fs.writeFileSync(
      path.join(dir, 'production/data/rollout-queue.yaml'),
      'apiVersion: x.io/v1\nkind: Queue\nmetadata:\n  name: queue\n  namespace: data\nspec:\n  volumeClaimTemplates: []\n',
    );
    const app = new App();
    buildFixtureEnvironment(app, production);
    const { envs } = synthesizeToJson(app);
    expect(protectedRemovals(envs[0]!, dir).map((r) => `${r.id} (${r.reason})`)).toEqual([
      'production/_cluster/Namespace/legacy (a Namespace holds persistent data or everything in it)',
      'production/data/Queue/queue (it owns persistent volume claims)',
    ]);
  });

  test('GIVEN defaultPlugins WHEN allowPrune is passed THEN the prune guard warns instead of failing', () => {
    const dir = outdir();
    synth(dir, production, true);
    const app = new App();
    buildFixtureEnvironment(app, production, { withPostgres: false });
    const names = defaultPlugins({ allowPrune: true }).map((p) => p.name);
    expect(names).toContain('prune-guard');
    expect(names).toContain('environment-readme');
    const guard = defaultPlugins({ allowPrune: false }).find((p) => p.name === 'prune-guard')!;
    expect(() => synthesize(app, { outdir: dir, plugins: [guard] })).toThrow(SynthError);
  });
});
