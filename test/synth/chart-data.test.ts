import { describe, expect, it } from 'vitest';
import { ChartCatalog, nearestKeys, unknownValueKeys } from '../../src/synth/chart-data';

const catalog = ChartCatalog.default();

describe('add-on chart data (imports/chart-values.json)', () => {
  it('GIVEN the compiled catalog THEN it holds every chart folder of ../shared/charts, sorted', () => {
    expect(catalog.folders()).toEqual([
      'argo-rollouts',
      'cert-manager',
      'cloudnative-pg',
      'envoy-gateway',
      'external-secrets',
      'keda',
      'plugin-barman-cloud',
      'strimzi-kafka-operator',
      'velero',
    ]);
  });

  it('GIVEN a chart whose source Chart.yaml carries a placeholder version THEN the published version from SOURCES.md is used', () => {
    const envoy = catalog.get('envoy-gateway');
    expect({ chart: envoy.chart, version: envoy.version, repository: envoy.repository, oci: envoy.oci }).toEqual({
      chart: 'gateway-helm',
      version: 'v1.9.0',
      repository: 'oci://docker.io/envoyproxy/gateway-helm',
      oci: true,
    });
    const strimzi = catalog.get('strimzi-kafka-operator');
    expect(strimzi.version).toBe('1.2.0');
    const certManager = catalog.get('cert-manager');
    expect({ chart: certManager.chart, version: certManager.version, repository: certManager.repository, oci: certManager.oci }).toEqual({
      chart: 'cert-manager',
      version: 'v1.21.1',
      repository: 'https://charts.jetstack.io',
      oci: false,
    });
    expect(certManager.source).toEqual({
      repo: 'cert-manager/cert-manager',
      path: 'deploy/charts/cert-manager',
      tag: 'v1.21.1',
      commit: '24e33194fb39488eff2bbf10c6dc640f407cad44',
    });
  });

  it('GIVEN charts with and without values.schema.json THEN the schema is there exactly where upstream ships one', () => {
    const withSchema = catalog.folders().filter((f) => catalog.get(f).valuesSchema !== undefined);
    expect(withSchema).toEqual(['cert-manager', 'cloudnative-pg', 'external-secrets', 'plugin-barman-cloud', 'velero']);
    expect(catalog.get('cert-manager').valuesSchema).toMatchObject({ $ref: '#/$defs/helm-values' });
  });

  it('GIVEN a typo in a nested values key of a chart without a schema THEN the unknown key, its path and the nearest known keys are found', () => {
    const tree = catalog.get('argo-rollouts').defaultValueKeys;
    const problems = unknownValueKeys(tree, {
      controller: { replicas: 2, resourses: { limits: { cpu: '1' } }, nodeSelector: { 'kubernetes.io/os': 'linux' } },
      podAnnotations: { anything: 'goes' },
      dashbaord: { enabled: false },
    });
    // depth first, keys in name order; free-form maps (podAnnotations, nodeSelector) accept any key
    expect(problems.map((p) => [p.path, p.key, p.nearest[0], p.nearest.length])).toEqual([
      ['controller', 'resourses', 'resources', 3],
      ['', 'dashbaord', 'dashboard', 3],
    ]);
  });

  it('GIVEN an unknown chart folder THEN the error names it and the known charts', () => {
    expect(() => catalog.get('ingress-nginx')).toThrow(
      'no add-on chart "ingress-nginx" in imports/chart-values.json; known charts: argo-rollouts, cert-manager, cloudnative-pg, envoy-gateway, external-secrets, keda, plugin-barman-cloud, strimzi-kafka-operator, velero (add the chart to ../shared/charts and run npm run import)',
    );
  });

  it('ranks a key that differs only in case first', () => {
    expect(nearestKeys('ReplicaCount', ['replicas', 'replicaCount', 'resources'])).toEqual(['replicaCount', 'replicas', 'resources']);
  });
});
