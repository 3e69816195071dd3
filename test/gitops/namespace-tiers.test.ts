import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { KubeDeployment, KubeNamespace, KubePersistentVolumeClaim } from '../../imports/k8s';
import {
  addGitOpsDelivery,
  ARGOCD_CASCADE_FINALIZER,
  Engine,
  EnvironmentChart,
  ImageReference,
  MicroserviceDeployment,
  NamespaceTier,
  PlatformNamespace,
  Plan,
  StatefulDatastore,
  TenantNamespace,
  synthesizeToJson,
} from '../../src';
import { production } from '../helpers';

const SOURCE = { url: 'https://github.com/acme/gitops.git' };
/** Production without add-ons: the waves below are the tiers' own (add-ons move them, see test/addons). */
const PRODUCTION = { ...production, addOns: [] };

/** GIVEN a user's environment: a service in `shop`, a datastore in `orders` (neither listed by hand). */
function userEnvironment(build?: (chart: EnvironmentChart) => void) {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile: PRODUCTION });
  new PlatformNamespace(chart, 'ns-shop', { name: 'shop' });
  new PlatformNamespace(chart, 'ns-orders', { name: 'orders' });
  new MicroserviceDeployment(chart, 'web', {
    name: 'web',
    namespace: 'shop',
    ports: [{ name: 'http', port: 8080 }],
    image: ImageReference.fromDigest('ghcr.io/acme/web', `sha256:${'a'.repeat(64)}`),
  });
  new StatefulDatastore(chart, 'orders-db', { name: 'orders-db', namespace: 'orders', engine: Engine.postgres() });
  build?.(chart);
  return { app, chart };
}

function applications(app: App): Record<string, any> {
  const env = synthesizeToJson(app).envs.find((e) => e.directory === 'argocd/production/apps')!;
  return Object.fromEntries(env.documents.filter((d) => d.object.kind === 'Application').map((d) => [d.object.metadata.name, d.object]));
}

describe('namespace tiers derived from what a namespace holds', () => {
  it('GIVEN a datastore namespace not listed by hand WHEN delivered THEN it is data tier: wave 3, never pruned, no cascade delete', () => {
    const { app, chart } = userEnvironment();
    const delivery = addGitOpsDelivery(app, { environment: chart, source: SOURCE });
    expect(delivery.groups.map((g) => [g.name, g.wave, g.stateful])).toEqual([
      ['cluster', 0, true],
      ['velero', 1, false],
      ['orders', 3, true],
      ['shop', 4, false],
    ]);
    const apps = applications(app);
    expect(apps['production-orders'].metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('3');
    expect(apps['production-orders'].metadata.finalizers).toBeUndefined();
    expect(apps['production-orders'].spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(apps['production-shop'].metadata.finalizers).toEqual([ARGOCD_CASCADE_FINALIZER]);
    expect(apps['production-shop'].spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  it('GIVEN a raw PersistentVolumeClaim in a namespace the chart only uses WHEN delivered THEN that namespace is data tier', () => {
    const { app, chart } = userEnvironment((c) => {
      new KubePersistentVolumeClaim(c, 'scratch', { metadata: { name: 'scratch', namespace: 'batch' }, spec: { accessModes: ['ReadWriteOnce'] } });
    });
    const groups = addGitOpsDelivery(app, { environment: chart, source: SOURCE }).groups;
    expect(groups.find((g) => g.name === 'batch')).toMatchObject({ wave: 3, stateful: true });
  });

  it('GIVEN a namespace the chart only uses (no data) WHEN delivered THEN it is system tier', () => {
    const { app, chart } = userEnvironment((c) => {
      new KubeDeployment(c, 'x', { metadata: { name: 'x', namespace: 'tools' }, spec: { selector: {}, template: {} } });
    });
    const groups = addGitOpsDelivery(app, { environment: chart, source: SOURCE }).groups;
    expect(groups.find((g) => g.name === 'tools')).toMatchObject({ wave: 1, stateful: false });
  });

  it('GIVEN tenants WHEN delivered THEN they share the tenants group in the tenant tier', () => {
    const { app, chart } = userEnvironment((c) => {
      for (const t of ['acme', 'globex']) {
        new TenantNamespace(c, t, { tenant: t, plan: Plan.standard(), owners: { admin: [`${t}-admins`] }, sourceRepos: [`https://github.com/${t}/apps.git`] });
      }
    });
    const groups = addGitOpsDelivery(app, { environment: chart, source: SOURCE }).groups;
    expect(groups.find((g) => g.name === 'tenants')).toMatchObject({ namespaces: ['tenant-acme', 'tenant-globex'], wave: 1, stateful: false });
  });

  it('GIVEN an override that puts the datastore namespace into the app tier WHEN delivered THEN it is an error naming the datastore', () => {
    const { app, chart } = userEnvironment();
    const delivery = addGitOpsDelivery(app, { environment: chart, source: SOURCE, namespaces: [{ namespace: 'orders', tier: NamespaceTier.app() }] });
    // Built when synth starts, or when a field of the result is read.
    expect(() => delivery.groups).toThrow(
      'production/delivery: namespaces[0].tier: got "app"; namespace "orders" holds data (StatefulDatastore production/orders-db), and tier "app" is not stateful: Argo CD and Flux would prune it and cascade-delete its data; use NamespaceTier.data() (or another stateful tier), or leave the tier out to have it derived',
    );
  });

  it('GIVEN a PlatformNamespace with an explicit app tier that later receives a datastore WHEN delivered THEN the error names the namespace construct', () => {
    const { app, chart } = userEnvironment((c) => {
      new PlatformNamespace(c, 'ns-cache', { name: 'cache', tier: NamespaceTier.app() });
      new StatefulDatastore(c, 'sessions', { name: 'sessions', namespace: 'cache', engine: Engine.redis() });
    });
    addGitOpsDelivery(app, { environment: chart, source: SOURCE });
    expect(() => synthesizeToJson(app)).toThrow('production/ns-cache: tier: got "app"; namespace "cache" holds data (StatefulDatastore production/sessions)');
  });

  it('GIVEN explicit tiers that keep data safe WHEN delivered THEN they are used as given', () => {
    const { app, chart } = userEnvironment((c) => {
      new PlatformNamespace(c, 'ns-edge', { name: 'edge', tier: NamespaceTier.system() });
      new KubeNamespace(c, 'ns-labelled', { metadata: { name: 'labelled', labels: { 'platform.io/tier': 'observability' } } });
    });
    const groups = addGitOpsDelivery(app, {
      environment: chart,
      source: SOURCE,
      namespaces: [{ namespace: 'orders', tier: NamespaceTier.custom('vault', 2, true) }],
    }).groups;
    expect(groups.map((g) => [g.name, g.wave, g.stateful])).toEqual([
      ['cluster', 0, true],
      ['edge', 1, false],
      ['velero', 1, false],
      ['labelled', 2, true],
      ['orders', 2, true],
      ['shop', 4, false],
    ]);
  });
});
