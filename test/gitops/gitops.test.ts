import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { afterEach, describe, expect, test } from 'vitest';
import { dr } from '../../charts/dr';
import { addGitOpsDelivery, checkGitOpsDelivery, DeliveryTool, EnvironmentOutput, EnvironmentProfile, NamespaceTier, SyncPolicy } from '../../src';
import { globToRegExp } from '../../src/gitops/delivery-check';
import { fluxRef } from '../../src/gitops/flux-root';
import { discoverNamespaces, planDeliveryGroups } from '../../src/gitops/delivery-group';
import { development, production, staging } from '../helpers';
import { buildFixtureEnvironment, synthToDir } from './helpers';

const SOURCE = { url: 'https://github.com/acme/platform.git', targetRevision: 'main' };
const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * The profile without add-ons: the fixture emits only built-in kinds, and the add-ons' place in the delivery is
 * tested in test/addons/delivery.test.ts.
 */
function withoutAddOns(profile: EnvironmentProfile): EnvironmentProfile {
  return { ...profile, addOns: [] };
}

/** GIVEN the fixture environment with `profile` (no add-ons), WHEN delivered with `tools`, THEN the repo folder and outputs. */
function deliver(profile: EnvironmentProfile, tools = [DeliveryTool.argoCd(), DeliveryTool.flux()]) {
  const app = new App();
  const env = buildFixtureEnvironment(app, withoutAddOns(profile));
  const delivery = addGitOpsDelivery(app, { environment: env, source: SOURCE, tools });
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-test-'));
  tmpDirs.push(repo);
  const envs = synthToDir(app, path.join(repo, 'dist'));
  const find = (dir: string, kind: string, name: string): Record<string, any> => {
    const e = envs.find((x: EnvironmentOutput) => x.directory === dir);
    const d = e?.documents.find((x) => x.object.kind === kind && x.object.metadata.name === name);
    if (!d) throw new Error(`no ${kind} ${name} in ${dir}`);
    return d.object;
  };
  return { repo, envs, find, delivery };
}

describe('planDeliveryGroups', () => {
  test('GIVEN namespaces of every tier WHEN planned THEN the cluster group comes first and waves order the rest', () => {
    const groups = planDeliveryGroups('production/delivery', [
      { namespace: 'frontend', tier: NamespaceTier.app() },
      { namespace: 'data', tier: NamespaceTier.data() },
      { namespace: 'monitoring', tier: NamespaceTier.observability() },
      { namespace: 'tenant-b', tier: NamespaceTier.tenant(), group: 'tenants' },
      { namespace: 'tenant-a', tier: NamespaceTier.tenant(), group: 'tenants' },
    ]);
    expect(groups.map((g) => [g.name, g.wave, g.stateful, g.directories.join(',')])).toEqual([
      ['cluster', 0, true, '_cluster'],
      ['tenants', 1, false, 'tenant-a,tenant-b'],
      ['monitoring', 2, true, 'monitoring'],
      ['data', 3, true, 'data'],
      ['frontend', 4, false, 'frontend'],
    ]);
  });

  test('GIVEN a namespace listed twice WHEN planned THEN it fails naming the entry', () => {
    expect(() =>
      planDeliveryGroups('production/delivery', [
        { namespace: 'data', tier: NamespaceTier.data() },
        { namespace: 'data', tier: NamespaceTier.app() },
      ]),
    ).toThrow('production/delivery: namespaces[1].namespace: got "data"; each namespace may be listed once');
  });

  test('GIVEN a group mixing tiers WHEN planned THEN it fails naming both tiers', () => {
    expect(() =>
      planDeliveryGroups('production/delivery', [
        { namespace: 'data', tier: NamespaceTier.data(), group: 'core' },
        { namespace: 'api', tier: NamespaceTier.app(), group: 'core' },
      ]),
    ).toThrow('production/delivery: namespaces[1].tier: got "app"; namespaces of group "core" must share one tier; "data" is "data"');
  });

  test('GIVEN bad names and waves WHEN planned THEN each fails with what is allowed', () => {
    expect(() => planDeliveryGroups('p', [{ namespace: 'Data', tier: NamespaceTier.data() }])).toThrow(
      'p: namespaces[0].namespace: got "Data"; must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)',
    );
    expect(() => planDeliveryGroups('p', [{ namespace: 'x', tier: NamespaceTier.custom('early', 0, false) }])).toThrow(
      'p: namespaces[0].tier.wave: got 0; must be an integer of at least 1 (wave 0 applies the cluster-scoped objects and creates the namespaces)',
    );
    expect(() => planDeliveryGroups('p', [{ namespace: 'x', tier: NamespaceTier.app(), group: 'cluster' }])).toThrow(
      'p: namespaces[0].group: got "cluster"; must be a DNS-1123 label other than "cluster" (reserved for the cluster-scoped objects)',
    );
  });
});

describe('discoverNamespaces', () => {
  test('GIVEN Namespace objects with and without a tier label and objects in argocd WHEN discovered THEN tiers come from labels, defaults and use', () => {
    const app = new App();
    const env = buildFixtureEnvironment(app, development);
    const found = discoverNamespaces(env);
    expect(found.map((n) => `${n.namespace}:${n.tier.name}`)).toEqual(['backend:app', 'data:data']);
  });
});

describe('ArgoCdDelivery', () => {
  test('GIVEN development WHEN delivered THEN one Application per group with waves, automated prune and self-heal', () => {
    const { find } = deliver(development);
    const cluster = find('argocd/development/apps', 'Application', 'development-cluster');
    const data = find('argocd/development/apps', 'Application', 'development-data');
    const backend = find('argocd/development/apps', 'Application', 'development-backend');
    expect(cluster.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('0');
    expect(data.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('3');
    expect(backend.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('4');
    expect(cluster.spec.destination).toEqual({ server: 'https://dev.k8s.example.com' });
    expect(data.spec.destination).toEqual({ server: 'https://dev.k8s.example.com', namespace: 'data' });
    expect(data.spec.source).toEqual({ repoURL: SOURCE.url, targetRevision: 'main', path: 'dist/development/data', directory: { recurse: false } });
    expect(data.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(backend.spec.syncPolicy.syncOptions).toEqual([
      'ServerSideApply=true',
      'CreateNamespace=false',
      'RespectIgnoreDifferences=true',
      'PruneLast=true',
      'ApplyOutOfSyncOnly=true',
    ]);
    expect(backend.spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } });
    expect(backend.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(data.metadata.finalizers).toBeUndefined();
  });

  test('GIVEN an HPA on backend/api WHEN delivered THEN only the backend Application ignores its replicas', () => {
    const { find } = deliver(development);
    expect(find('argocd/development/apps', 'Application', 'development-backend').spec.ignoreDifferences).toEqual([
      { group: 'apps', kind: 'Deployment', name: 'api', namespace: 'backend', jsonPointers: ['/spec/replicas'] },
    ]);
    expect(find('argocd/development/apps', 'Application', 'development-data').spec.ignoreDifferences).toBeUndefined();
  });

  test('GIVEN the environment WHEN delivered THEN the AppProject allows only our repo, namespaces and kinds', () => {
    const { find } = deliver(staging);
    const project = find('argocd/staging/apps', 'AppProject', 'staging');
    expect(project.metadata.namespace).toBe('argocd');
    expect(project.spec.sourceRepos).toEqual([SOURCE.url]);
    expect(project.spec.destinations).toEqual([
      { server: 'https://staging.k8s.example.com' },
      { server: 'https://staging.k8s.example.com', namespace: 'backend' },
      { server: 'https://staging.k8s.example.com', namespace: 'data' },
    ]);
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
    expect(project.spec.namespaceResourceWhitelist).toEqual([
      { group: 'apps', kind: 'Deployment' },
      { group: 'apps', kind: 'StatefulSet' },
      { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' },
      { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
    ]);
  });

  test('GIVEN production WHEN delivered THEN stateful groups are automated without prune and stateless ones with', () => {
    const { find } = deliver(production);
    expect(find('argocd/production/apps', 'Application', 'production-cluster').spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(find('argocd/production/apps', 'Application', 'production-data').spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(find('argocd/production/apps', 'Application', 'production-backend').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(find('argocd/production/root', 'Application', 'production-root').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  test('GIVEN dr WHEN delivered THEN the root is manual (failover is one sync) and its groups protect state', () => {
    const { find } = deliver(dr);
    const root = find('argocd/dr/root', 'Application', 'dr-root');
    expect(root.spec.syncPolicy.automated).toBeUndefined();
    expect(root.spec.source.path).toBe('dist/argocd/dr/apps');
    expect(root.spec.project).toBe('dr-root');
    expect(find('argocd/dr/apps', 'Application', 'dr-data').spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(find('argocd/dr/apps', 'Application', 'dr-backend').spec.destination.server).toBe('https://prod-eu-central-1.k8s.example.com');
  });

  test('GIVEN a manual policy WHEN delivered THEN no group is automated and the root still is', () => {
    const { find } = deliver({ ...development, delivery: { syncPolicy: SyncPolicy.manual() } });
    expect(find('argocd/development/apps', 'Application', 'development-backend').spec.syncPolicy.automated).toBeUndefined();
    expect(find('argocd/development/root', 'Application', 'development-root').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  test('GIVEN the root project WHEN delivered THEN it may only manage Argo CD kinds in argocd', () => {
    const { find } = deliver(production);
    const project = find('argocd/production/root', 'AppProject', 'production-root');
    expect(project.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'argocd' }]);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    expect(project.spec.namespaceResourceWhitelist.map((k: { kind: string }) => k.kind)).toEqual(['AppProject', 'Application', 'ApplicationSet']);
  });

  test('GIVEN production listing two clusters WHEN delivered THEN each group is an ApplicationSet over both', () => {
    const clusters = [production.cluster, { name: 'prod-us-east-1', server: 'https://prod-us-east-1.k8s.example.com', region: 'us-east-1' }];
    const { find, repo } = deliver({ ...production, delivery: { ...production.delivery, clusters } }, [DeliveryTool.argoCd()]);
    const set = find('argocd/production/apps', 'ApplicationSet', 'production-data');
    expect(set.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('3');
    expect(set.spec.generators[0].list.elements).toEqual([
      { cluster: 'prod-eu-west-1', url: 'https://prod-eu-west-1.k8s.example.com', region: 'eu-west-1' },
      { cluster: 'prod-us-east-1', url: 'https://prod-us-east-1.k8s.example.com', region: 'us-east-1' },
    ]);
    expect(set.spec.template.metadata.name).toBe('production-data-{{cluster}}');
    expect(set.spec.template.spec.destination).toEqual({ server: '{{url}}', namespace: 'data' });
    expect(set.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    expect(find('argocd/production/apps', 'AppProject', 'production').spec.destinations).toHaveLength(6);
    expect(checkGitOpsDelivery(repo)).toEqual([]);
  });

  test('GIVEN a bad repository URL WHEN delivered THEN it fails naming the field', () => {
    const app = new App();
    const env = buildFixtureEnvironment(app, development);
    expect(() => addGitOpsDelivery(app, { environment: env, source: { url: 'github.com/acme/platform' } })).toThrow(
      'development/delivery: source.url: got "github.com/acme/platform"; must be an https://, ssh:// or git@ repository URL',
    );
  });

  test('GIVEN the same tool twice WHEN delivered THEN it fails', () => {
    const app = new App();
    const env = buildFixtureEnvironment(app, development);
    expect(() => addGitOpsDelivery(app, { environment: env, source: SOURCE, tools: [DeliveryTool.flux(), DeliveryTool.flux()] })).toThrow(
      'development/delivery: tools: got ["flux","flux"]; each tool may be listed once',
    );
  });
});

describe('FluxDelivery', () => {
  test('GIVEN production WHEN delivered with Flux THEN dependsOn mirrors the waves and stateful groups are not pruned', () => {
    const { find } = deliver(production);
    const cluster = find('flux/production/apps', 'Kustomization', 'production-cluster');
    const data = find('flux/production/apps', 'Kustomization', 'production-data');
    const backend = find('flux/production/apps', 'Kustomization', 'production-backend');
    expect(cluster.spec.dependsOn).toBeUndefined();
    expect(data.spec.dependsOn).toEqual([{ name: 'production-cluster' }]);
    expect(backend.spec.dependsOn).toEqual([{ name: 'production-data' }]);
    expect(data.spec).toMatchObject({ path: './dist/production/data', prune: false, wait: true, timeout: '5m', interval: '10m', deletionPolicy: 'Orphan' });
    expect(backend.spec).toMatchObject({ prune: true, wait: true, sourceRef: { kind: 'GitRepository', name: 'production-platform' } });
    expect(backend.spec.deletionPolicy).toBeUndefined();
  });

  test('GIVEN the Flux root WHEN delivered THEN it health-checks every group and reads only dist/', () => {
    const { find } = deliver(production);
    const root = find('flux/production/root', 'Kustomization', 'production-root');
    expect(root.spec.path).toBe('./dist/flux/production/apps');
    expect(root.spec.wait).toBe(false);
    expect(root.spec.healthChecks.map((h: { name: string }) => h.name)).toEqual(['production-cluster', 'production-data', 'production-backend']);
    const git = find('flux/production/root', 'GitRepository', 'production-platform');
    expect(git.spec).toMatchObject({ url: SOURCE.url, ref: { branch: 'main' }, ignore: '/*\n!/dist/\n' });
  });

  test('GIVEN dr WHEN delivered with Flux THEN only the root is suspended (failover is one resume)', () => {
    const { find } = deliver(dr);
    expect(find('flux/dr/root', 'Kustomization', 'dr-root').spec.suspend).toBe(true);
    expect(find('flux/dr/apps', 'Kustomization', 'dr-backend').spec.suspend).toBeUndefined();
  });

  test('GIVEN target revisions WHEN mapped to Flux refs THEN commits, full refs and branches are told apart', () => {
    expect(fluxRef('0123456789abcdef0123456789abcdef01234567')).toEqual({ commit: '0123456789abcdef0123456789abcdef01234567' });
    expect(fluxRef('refs/tags/v1.2.0')).toEqual({ name: 'refs/tags/v1.2.0' });
    expect(fluxRef('release')).toEqual({ branch: 'release' });
  });
});

describe('checkGitOpsDelivery', () => {
  test('GIVEN every environment delivered with both tools WHEN checked THEN every path exists and namespaces come from earlier waves', () => {
    for (const profile of [development, staging, production, dr]) {
      const { repo } = deliver(profile);
      expect(checkGitOpsDelivery(repo)).toEqual([]);
    }
  });

  test('GIVEN a group folder deleted and a namespace created too late WHEN checked THEN both are reported', () => {
    const { repo } = deliver(development, [DeliveryTool.argoCd()]);
    fs.rmSync(path.join(repo, 'dist/development/backend'), { recursive: true });
    const clusterApp = path.join(repo, 'dist/argocd/development/apps/argocd/application-development-cluster.yaml');
    fs.writeFileSync(clusterApp, fs.readFileSync(clusterApp, 'utf8').replace("sync-wave: '0'", "sync-wave: '3'"));
    expect(checkGitOpsDelivery(repo)).toEqual([
      'dist/argocd/development/apps/argocd/application-development-backend.yaml: spec.source.path: "dist/development/backend" does not exist in the repository',
      'dist/argocd/development/apps/argocd/application-development-data.yaml: namespace "data" is created in wave 3, not before this Application\'s wave 3',
    ]);
  });

  test('GIVEN a namespace folder no group applies WHEN checked THEN it is reported', () => {
    const { repo } = deliver(development, [DeliveryTool.argoCd()]);
    fs.mkdirSync(path.join(repo, 'dist/development/stray'));
    fs.writeFileSync(path.join(repo, 'dist/development/stray/configmap-x.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: stray\n');
    expect(checkGitOpsDelivery(repo)).toEqual(['dist/development/stray/configmap-x.yaml: applied by no Application of dist/argocd/development/apps/argocd']);
  });

  test('GIVEN include globs WHEN converted THEN alternatives and stars match one folder level', () => {
    const re = globToRegExp('{a/*.yaml,b/*.yaml}');
    expect(re.test('a/x.yaml')).toBe(true);
    expect(re.test('b/y.yaml')).toBe(true);
    expect(re.test('c/x.yaml')).toBe(false);
    expect(re.test('a/d/x.yaml')).toBe(false);
  });

  test('GIVEN a multi-namespace group WHEN delivered THEN its Application includes both folders and passes the check', () => {
    const app = new App();
    const env = buildFixtureEnvironment(app, withoutAddOns(development));
    addGitOpsDelivery(app, {
      environment: env,
      source: SOURCE,
      // `data` holds a StatefulSet with claims: the group takes a stateful tier (an app tier would be refused).
      namespaces: [
        { namespace: 'data', tier: NamespaceTier.data(), group: 'all' },
        { namespace: 'backend', tier: NamespaceTier.data(), group: 'all' },
      ],
    });
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-test-'));
    tmpDirs.push(repo);
    const envs = synthToDir(app, path.join(repo, 'dist'));
    const all = envs.find((e) => e.directory === 'argocd/development/apps')!.documents.find((d) => d.object.metadata.name === 'development-all')!.object;
    expect(all.spec.source).toMatchObject({ path: 'dist/development', directory: { recurse: true, include: '{backend/*.yaml,data/*.yaml}' } });
    expect(all.spec.destination).toEqual({ server: 'https://dev.k8s.example.com' });
    expect(checkGitOpsDelivery(repo)).toEqual([]);
  });
});
