import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import * as first from '../../src';
import { development } from '../helpers';

/**
 * An app and a library built on this package may each bring their own copy of it into one process. Per-environment
 * state (connection graph, monitoring registry, tenants) lives on the EnvironmentChart and type checks use markers,
 * so constructs of both copies still meet in one environment: nothing here may rely on module identity.
 */
type Package = typeof first;
let second: Package;

beforeAll(async () => {
  // A fresh module registry loads a second copy of src/ (cdk8s and constructs stay shared, as with a deduped install).
  vi.resetModules();
  second = await import('../../src');
});

function image(pkg: Package) {
  return pkg.ImageReference.fromTag('registry.example.com/shop/api', '1.2.3');
}

describe('two copies of the package in one process', () => {
  test('GIVEN the second copy THEN its classes are distinct objects (the premise of these tests)', () => {
    expect(second.EnvironmentChart).not.toBe(first.EnvironmentChart);
    expect(second.ConnectionGraph).not.toBe(first.ConnectionGraph);
  });

  test('GIVEN a chart of one copy WHEN the other copy asks THEN it is recognised by its marker, not by instanceof', () => {
    const app = new App();
    const chart = new first.EnvironmentChart(app, { profile: development });
    const inner = new Construct(chart, 'inner');

    expect(second.EnvironmentChart.isEnvironmentChart(chart)).toBe(true);
    expect(second.EnvironmentChart.of(inner)).toBe(chart);
    expect(first.EnvironmentChart.isEnvironmentChart(null)).toBe(false);
    expect(first.EnvironmentChart.isEnvironmentChart('chart')).toBe(false);
  });

  test('GIVEN a plain cdk8s Chart WHEN a construct looks for its environment THEN it is not taken for one', () => {
    // `instanceof EnvironmentChart` would say yes: cdk8s's Chart implements instanceof as "is any Chart".
    const plain = new Chart(new App(), 'plain');
    expect(first.EnvironmentChart.isEnvironmentChart(plain)).toBe(false);
    expect(() => first.EnvironmentChart.of(new Construct(plain, 'inner'))).toThrow(
      'plain/inner: must be created inside an EnvironmentChart (it reads the environment profile)',
    );
  });

  test("GIVEN one copy's service connecting to the other copy's datastore WHEN synthesized THEN egress and ingress agree", () => {
    // GIVEN
    const app = new App({ outdir: '.cdk8s.out' });
    const chart = new first.EnvironmentChart(app, { profile: development });
    const db = new first.StatefulDatastore(chart, 'db', { name: 'orders-db', namespace: 'data', engine: first.Engine.postgres() });
    const api = new second.MicroserviceDeployment(chart, 'api', {
      name: 'api',
      namespace: 'shop',
      image: image(second),
      ports: [{ name: 'http', port: 8080 }],
      env: { MODE: second.EnvValue.value('live') },
      connectsTo: [db],
    });

    // WHEN
    const { envs, problems } = first.synthesizeToJson(app);

    // THEN: one graph for the environment, read by both copies
    expect(problems).toEqual([]);
    expect(first.ConnectionGraph.of(chart)).toBe(second.ConnectionGraph.of(chart));
    expect(
      first.ConnectionGraph.of(chart)
        .ingressOf(db)
        .map((c) => c.from.workloadName),
    ).toEqual(['api']);
    const docs = envs[0]!.documents.map((d) => d.object);
    const policy = (name: string, namespace: string) =>
      docs.find((d) => d.kind === 'NetworkPolicy' && d.metadata.name === name && d.metadata.namespace === namespace)!;
    const dbIngress = policy('orders-db', 'data').spec.ingress;
    expect(dbIngress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: api.podSelector } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
    expect(policy('api', 'shop').spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } }, podSelector: { matchLabels: db.podSelector } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
    // The env value was accepted by its marker and rendered.
    const deployment = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'api')!;
    expect(deployment.spec.template.spec.containers[0].env).toEqual([{ name: 'MODE', value: 'live' }]);
  });

  test('GIVEN workloads of both copies WHEN they register for monitoring THEN one registry holds them all', () => {
    const app = new App();
    const chart = new first.EnvironmentChart(app, { profile: development });
    new first.MicroserviceDeployment(chart, 'a', { name: 'a', namespace: 'shop', image: image(first), ports: [{ name: 'http', port: 8080 }] });
    new second.MicroserviceDeployment(chart, 'b', { name: 'b', namespace: 'shop', image: image(second), ports: [{ name: 'http', port: 8080 }] });

    expect(
      first.MonitoringRegistry.of(chart)
        .targets()
        .map((t) => t.name),
    ).toEqual(['a', 'b']);
    expect(second.MonitoringRegistry.of(chart)).toBe(first.MonitoringRegistry.of(chart));
  });

  test('GIVEN tenants of both copies WHEN monitoring asks for metrics ports THEN it sees every tenant', () => {
    const app = new App();
    const chart = new first.EnvironmentChart(app, { profile: development });
    const tenant = (pkg: Package, id: string, port: number) =>
      new pkg.TenantNamespace(chart, id, {
        tenant: id,
        plan: pkg.Plan.free(),
        owners: { admin: [`${id}-admins`] },
        sourceRepos: [`https://git.example.com/${id}.git`],
        metricsPorts: [port],
      });
    tenant(first, 'acme', 9100);
    tenant(second, 'globex', 9200);

    expect(first.TenantNamespace.metricsPortsOf(chart)).toEqual([9100, 9200, 'metrics']);
    expect(second.TenantNamespace.metricsPortsOf(chart)).toEqual([9100, 9200, 'metrics']);
  });

  test('GIVEN constructs of either copy THEN their markers identify them across copies', () => {
    const app = new App();
    const chart = new second.EnvironmentChart(app, { profile: development });
    const db = new second.StatefulDatastore(chart, 'db', { name: 'orders-db', namespace: 'data', engine: second.Engine.postgres() });
    const api = new second.MicroserviceDeployment(chart, 'api', {
      name: 'api',
      namespace: 'shop',
      image: image(second),
      ports: [{ name: 'http', port: 8080 }],
    });

    expect(first.StatefulDatastore.isStatefulDatastore(db)).toBe(true);
    expect(first.StatefulDatastore.isStatefulDatastore(api)).toBe(false);
    expect(first.MicroserviceDeployment.isMicroserviceDeployment(api)).toBe(true);
    expect(first.MicroserviceDeployment.isMicroserviceDeployment(db)).toBe(false);
    expect(first.EnvValue.isEnvValue(second.EnvValue.fromField('metadata.name'))).toBe(true);
    expect(first.EnvValue.isEnvValue({ source: { kind: 'value', value: 'x' } })).toBe(false);
  });
});
