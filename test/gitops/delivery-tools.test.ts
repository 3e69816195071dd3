import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { afterEach, describe, expect, test } from 'vitest';
import { AppProject } from '../../imports/argoproj.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/kustomize.toolkit.fluxcd.io';
import { KubeConfigMap, KubeNamespace } from '../../imports/k8s';
import { addGitOpsDelivery, checkGitOpsDelivery, DeliveryTool, EnvironmentChart, NamespaceTier, synthesizeToJson } from '../../src';
import { production } from '../helpers';
import { buildFixtureEnvironment, synthToDir } from './helpers';

const SOURCE = { url: 'https://github.com/acme/platform.git', targetRevision: 'main' };
/** Production without add-ons: the fixture emits only built-in kinds, and the groups under test are the point. */
const PROFILE = { ...production, addOns: [] };
const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The fixture environment plus namespace `addons` holding only a Flux Kustomization (tier system, wave 1). */
function withFluxAddons(app: App): EnvironmentChart {
  const env = buildFixtureEnvironment(app, PROFILE);
  new KubeNamespace(env, 'ns-addons', { metadata: { name: 'addons', labels: { 'platform.io/tier': 'system' } } });
  new Kustomization(env, 'addon', {
    metadata: { name: 'addon', namespace: 'addons' },
    spec: { interval: '10m', path: './addons', prune: true, sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: 'addons' } },
  });
  return env;
}

describe('tool-specific groups', () => {
  test('GIVEN a group of Flux objects only WHEN delivered with both tools THEN Argo CD leaves it out and nothing of Argo CD waits on it', () => {
    const app = new App();
    const env = withFluxAddons(app);
    const delivery = addGitOpsDelivery(app, { environment: env, source: SOURCE, tools: [DeliveryTool.argoCd(), DeliveryTool.flux()] });
    expect(delivery.groups.find((g) => g.name === 'addons')?.tool).toBe('flux');
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-tools-'));
    tmpDirs.push(repo);
    const envs = synthToDir(app, path.join(repo, 'dist'));
    const names = (dir: string, kind: string) =>
      envs
        .find((e) => e.directory === dir)!
        .documents.filter((d) => d.object.kind === kind)
        .map((d) => d.object.metadata.name);
    expect(names('argocd/production/apps', 'Application')).toEqual(['production-backend', 'production-cluster', 'production-data']);
    expect(names('flux/production/apps', 'Kustomization')).toContain('production-addons');
    // (The fixture's own Kustomization points at a repository that does not exist: only Argo CD's side matters here.)
    expect(checkGitOpsDelivery(repo).filter((p) => !p.startsWith('dist/production/addons/kustomization-addon.yaml: spec.'))).toEqual([]);
  });

  test('GIVEN an AppProject in the environment chart WHEN delivered with Flux only THEN Flux leaves its group out and the data wave depends on the cluster group alone', () => {
    const app = new App();
    const env = buildFixtureEnvironment(app, PROFILE);
    new AppProject(env, 'stray', { metadata: { name: 'stray', namespace: 'argocd' }, spec: { sourceRepos: [SOURCE.url] } });
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-tools-'));
    tmpDirs.push(repo);
    addGitOpsDelivery(app, { environment: env, source: SOURCE, tools: [DeliveryTool.flux()] });
    const envs = synthToDir(app, path.join(repo, 'dist'));
    const ks = envs.find((e) => e.directory === 'flux/production/apps')!.documents.map((d) => d.object);
    expect(ks.map((k) => k.metadata.name)).toEqual(['production-backend', 'production-cluster', 'production-data']);
    expect(ks.find((k) => k.metadata.name === 'production-data')!.spec.dependsOn).toEqual([{ name: 'production-cluster' }]);
  });

  test('GIVEN an AppProject in the environment chart WHEN delivered with Argo CD THEN it fails: the environment project must not create projects', () => {
    const app = new App();
    const env = buildFixtureEnvironment(app, PROFILE);
    new AppProject(env, 'stray', { metadata: { name: 'stray', namespace: 'argocd' }, spec: { sourceRepos: [SOURCE.url] } });
    addGitOpsDelivery(app, { environment: env, source: SOURCE, tools: [DeliveryTool.argoCd()] });
    // The delivery is built when synth starts.
    expect(() => synthesizeToJson(app)).toThrow(
      'argocd-production-apps/argocd: groups.argocd: got ["argocd"]; holds Argo CD objects (AppProject, Application, ApplicationSet) in the environment folder: the environment project must never create projects or applications (a commit under the environment folder could then deploy anything anywhere); ask for an AppProject with requestArgoCdProject() so that the bootstrap project creates it',
    );
  });

  test('GIVEN a group mixing Flux objects with others WHEN delivered THEN it fails naming both', () => {
    const app = new App();
    const env = withFluxAddons(app);
    new KubeConfigMap(env, 'cm', { metadata: { name: 'settings', namespace: 'addons' }, data: { a: 'b' } });
    addGitOpsDelivery(app, {
      environment: env,
      source: SOURCE,
      namespaces: [
        { namespace: 'addons', tier: NamespaceTier.system() },
        { namespace: 'backend', tier: NamespaceTier.app() },
        { namespace: 'data', tier: NamespaceTier.data() },
      ],
    });
    expect(() => synthesizeToJson(app)).toThrow(
      'production/delivery: groups.addons: got ["addons"]; mixes Flux objects (Kustomization/addon) with ConfigMap/settings: a cluster without Flux could not apply the group; give Flux\'s objects a namespace of their own',
    );
  });

  test('GIVEN a Flux Kustomization that applies AppProjects WHEN the dist folder is checked THEN it is reported', () => {
    const app = new App();
    const env = buildFixtureEnvironment(app, PROFILE);
    addGitOpsDelivery(app, { environment: env, source: SOURCE, tools: [DeliveryTool.flux()] });
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-tools-'));
    tmpDirs.push(repo);
    synthToDir(app, path.join(repo, 'dist'));
    fs.writeFileSync(
      path.join(repo, 'dist/production/backend/appproject-x.yaml'),
      'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: x\n  namespace: argocd\n',
    );
    expect(checkGitOpsDelivery(repo)).toEqual([
      'dist/flux/production/apps/flux-system/kustomization-production-backend.yaml: applies Argo CD objects (AppProject/x), which a cluster without Argo CD cannot apply; Flux must not depend on them',
    ]);
  });
});

describe('the reference platform', () => {
  test('GIVEN dist/flux WHEN read THEN no Kustomization depends on one that applies Argo CD objects, and tenant AppProjects are only in the bootstrap folders', () => {
    const root = path.resolve(__dirname, '../../dist');
    for (const env of ['development', 'staging', 'production', 'dr']) {
      const dir = path.join(root, 'flux', env, 'apps', 'flux-system');
      for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, f), 'utf8')).not.toContain(`name: ${env}-argocd`);
      expect(fs.existsSync(path.join(root, env, 'argocd'))).toBe(false);
      expect(fs.readdirSync(path.join(root, 'argocd', env, 'apps', 'argocd')).filter((f) => f.startsWith('appproject-tenant-')).length).toBeGreaterThan(0);
    }
  });
});
