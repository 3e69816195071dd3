import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  AddOn, DEFAULT_ADD_ONS, Engine, EnvironmentChart, EnvironmentOutput, EnvironmentProfile, PlatformNamespace, Profiles, StatefulDatastore, synthesizeToJson,
} from '../../src';
import { clusterVersionProblems } from '../../src/addons/cluster-version';
import { addOnReadmeLines } from '../../src/addons/readme';
import { addOnsOfOutput } from '../../src/addons/resolution';
import { parseKubernetesVersion, satisfiesConstraint } from '../../src/core/kubernetes-version';
import { ChartCatalog } from '../../src/synth/chart-data';

const CLUSTER = { name: 'prod-1', server: 'https://prod-1.example.com', region: 'eu-west-1' };

function withVersion(kubernetesVersion: string | undefined, addOns?: EnvironmentProfile['addOns']): EnvironmentProfile {
  return Profiles.production({ name: 'production', cluster: { ...CLUSTER, kubernetesVersion }, domain: 'shop.example.com', backups: { destination: 's3://shop-backups' }, addOns });
}

/** The quick start's datastore (CloudNativePG and, with backups, its Barman Cloud plugin), synthesized. */
function shop(profile: EnvironmentProfile): EnvironmentOutput {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile });
  new PlatformNamespace(chart, 'ns-data', { name: 'data' });
  new StatefulDatastore(chart, 'orders-db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres() });
  return synthesizeToJson(app).envs[0];
}

const v = (text: string) => parseKubernetesVersion(text)!;

describe('Helm kubeVersion constraints', () => {
  it.each([
    ['>= 1.22.0-0', '1.21', false], ['>= 1.22.0-0', '1.22', true], ['>= 1.22.0-0', '1.30.4', true],
    ['>=v1.23.0-0', '1.22.9', false], ['>=v1.23.0-0', '1.23', true],
    ['>=1.29.0-0', '1.28.15', false], ['>=1.29.0-0', '1.29.0', true],
    ['>=1.19.0-0 <1.33.0-0', '1.32.9', true], ['>=1.19.0-0 <1.33.0-0', '1.33', false], ['>=1.19.0-0, <1.33.0-0', '1.33.1', false],
    ['~1.29', '1.29.7', true], ['~1.29', '1.30', false], ['^1.2', '1.34', true], ['1.29.x', '1.29.3', true], ['1.29.x', '1.30.0', false],
    ['<1.28 || >=1.30', '1.29', false], ['<1.28 || >=1.30', '1.31', true], ['>1.29', '1.29.5', false], ['<=1.29', '1.29.5', true],
  ])('GIVEN %s WHEN the cluster is %s THEN %s', (constraint, version, expected) => {
    expect(satisfiesConstraint(v(version), constraint)).toBe(expected);
  });

  it('GIVEN a constraint in another syntax THEN it is not evaluated (undefined), never passed', () => {
    expect(satisfiesConstraint(v('1.30'), 'at least 1.29')).toBeUndefined();
    expect(satisfiesConstraint(v('1.30'), '')).toBeUndefined();
  });

  it('GIVEN every vendored chart THEN its kubeVersion, where it states one, is read (imports/chart-values.json from Chart.yaml)', () => {
    const catalog = ChartCatalog.default();
    const stated = Object.fromEntries(catalog.folders().map((f) => [f, catalog.get(f).kubeVersion]).filter(([, k]) => k !== undefined));
    expect(stated).toEqual({
      'cert-manager': '>= 1.22.0-0', 'cloudnative-pg': '>=1.29.0-0', 'external-secrets': '>= 1.19.0-0', 'keda': '>=v1.23.0-0',
      'plugin-barman-cloud': '>=1.29.0-0', 'velero': '>=1.16.0-0',
    });
    for (const [folder, constraint] of Object.entries(stated)) expect(satisfiesConstraint(v('1.30'), constraint as string), folder).toBe(true);
  });
});

describe('the cluster\'s Kubernetes version against the add-ons\' charts (profile.cluster.kubernetesVersion)', () => {
  it('GIVEN a 1.28 cluster and a CloudNativePG datastore WHEN synthesized THEN synth names the environment, the add-on, the chart version, the constraint and the field', () => {
    expect(clusterVersionProblems(shop(withVersion('1.28')))).toEqual([
      'production: add-on cloudnative-pg: chart cloudnative-pg 0.29.0 requires Kubernetes >=1.29.0-0, and profile.cluster.kubernetesVersion is "1.28"; run the environment on a cluster the chart supports and declare its version, or leave the add-on out',
      'production: add-on plugin-barman-cloud: chart plugin-barman-cloud 0.7.0 requires Kubernetes >=1.29.0-0, and profile.cluster.kubernetesVersion is "1.28"; run the environment on a cluster the chart supports and declare its version, or leave the add-on out',
    ]);
    expect(clusterVersionProblems(shop(withVersion('1.29.0')))).toEqual([]);
  });

  it('GIVEN no declared version THEN the documented default (1.30) is checked and the README says it was not declared', () => {
    const env = shop(withVersion(undefined));
    expect(clusterVersionProblems(env)).toEqual([]);
    const lines = addOnReadmeLines('production', env.profile, addOnsOfOutput(env));
    expect(lines).toContain('- Kubernetes 1.30 (`profile.cluster.kubernetesVersion`, not declared: the default); the manifests use the Kubernetes 1.27 API, and synth checked the version against the charts\' `kubeVersion`: cert-manager `>= 1.22.0-0`, external-secrets `>= 1.19.0-0`, velero `>=1.16.0-0`, cloudnative-pg `>=1.29.0-0`, plugin-barman-cloud `>=1.29.0-0` (ingress-nginx: no chart data)');
  });

  it('GIVEN an add-on staged at another chart version THEN the message says whose constraint was checked', () => {
    const env = shop(withVersion('1.28', [...DEFAULT_ADD_ONS, AddOn.velero(), AddOn.cloudNativePg({ version: '0.30.0' }), AddOn.barmanCloudPlugin()]));
    expect(clusterVersionProblems(env)[0]).toBe(
      'production: add-on cloudnative-pg: chart cloudnative-pg 0.30.0 requires Kubernetes >=1.29.0-0 (the constraint of the vendored chart data, 0.29.0), and profile.cluster.kubernetesVersion is "1.28"; run the environment on a cluster the chart supports and declare its version, or leave the add-on out',
    );
  });

  it.each([['1.3x'], ['1.26'], ['2.0'], ['']])('GIVEN the version %j THEN it fails naming the field and what is allowed', (version) => {
    expect(clusterVersionProblems(shop(withVersion(version)))).toEqual([
      `production: profile.cluster.kubernetesVersion: got ${JSON.stringify(version)}; must be the cluster's Kubernetes version, "1.<minor>" or "1.<minor>.<patch>", 1.27 or later (the manifests use the Kubernetes 1.27 API)`,
    ]);
  });
});

describe('API versions removed after 1.27', () => {
  const flowSchema = (apiVersion: string): EnvironmentOutput => ({
    name: 'production', directory: 'production', profile: withVersion('1.32', []),
    documents: [{ object: { apiVersion, kind: 'FlowSchema', metadata: { name: 'batch' } }, id: 'production/_cluster/FlowSchema/batch', file: 'production/_cluster/flowschema-batch.yaml', source: 'production/batch', namespaced: false }],
  });

  it('GIVEN a FlowSchema of flowcontrol v1beta3 on a 1.32 cluster THEN synth says it is no longer served and what to use', () => {
    expect(clusterVersionProblems(flowSchema('flowcontrol.apiserver.k8s.io/v1beta3'))).toEqual([
      'production/_cluster/FlowSchema/batch: apiVersion: flowcontrol.apiserver.k8s.io/v1beta3 is no longer served as of Kubernetes 1.32, and profile.cluster.kubernetesVersion is "1.32"; use flowcontrol.apiserver.k8s.io/v1 (served since 1.29)',
    ]);
    const older = flowSchema('flowcontrol.apiserver.k8s.io/v1beta3');
    expect(clusterVersionProblems({ ...older, profile: withVersion('1.31', []) })).toEqual([]);
  });

  it('GIVEN the reference platform THEN every apiVersion it emits is served by its declared cluster', async () => {
    const { buildApp } = await import('../../charts');
    const { envs } = synthesizeToJson(buildApp(new App()));
    for (const env of envs) expect(clusterVersionProblems(env), env.directory).toEqual([]);
    expect(envs.filter((e) => e.directory === e.name).map((e) => [e.name, e.profile.cluster.kubernetesVersion])).toEqual([
      ['development', '1.30'], ['dr', '1.30'], ['production', '1.30'], ['staging', '1.30'],
    ]);
  });
});
