import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  AddOn,
  DEFAULT_ADD_ONS,
  TrafficLayer,
  defaultPlugins,
  Engine,
  EnvironmentChart,
  EnvironmentOutput,
  EnvironmentProfile,
  PlatformNamespace,
  Profiles,
  StatefulDatastore,
  SynthError,
  synthesize,
  synthesizeToJson,
} from '../../src';
import { clusterVersionProblems } from '../../src/addons/cluster-version';
import { addOnReadmeLines } from '../../src/addons/readme';
import { addOnsOfOutput } from '../../src/addons/resolution';
import { API_REMOVALS, parseKubernetesVersion, satisfiesConstraint } from '../../src/core/kubernetes-version';
import { ChartCatalog } from '../../src/synth/chart-data';
import { SchemaValidator } from '../../src/synth/schema-validator';
import { referencePlatform } from '../helpers';

const CLUSTER = { name: 'prod-1', server: 'https://prod-1.example.com', region: 'eu-west-1' };

function withVersion(kubernetesVersion: string | undefined, addOns?: EnvironmentProfile['addOns']): EnvironmentProfile {
  return Profiles.production({
    name: 'production',
    cluster: { ...CLUSTER, kubernetesVersion },
    domain: 'shop.example.com',
    backups: { destination: 's3://shop-backups' },
    addOns,
  });
}

/** The quick start's datastore (CloudNativePG and, with backups, its Barman Cloud plugin), synthesized. */
function shop(profile: EnvironmentProfile): EnvironmentOutput {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile });
  new PlatformNamespace(chart, 'ns-data', { name: 'data' });
  new StatefulDatastore(chart, 'orders-db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres() });
  return synthesizeToJson(app).envs[0]!;
}

const v = (text: string) => parseKubernetesVersion(text)!;

describe('Helm kubeVersion constraints', () => {
  it.each([
    ['>= 1.22.0-0', '1.21', false],
    ['>= 1.22.0-0', '1.22', true],
    ['>= 1.22.0-0', '1.30.4', true],
    ['>=v1.23.0-0', '1.22.9', false],
    ['>=v1.23.0-0', '1.23', true],
    ['>=1.29.0-0', '1.28.15', false],
    ['>=1.29.0-0', '1.29.0', true],
    ['>=1.19.0-0 <1.33.0-0', '1.32.9', true],
    ['>=1.19.0-0 <1.33.0-0', '1.33', false],
    ['>=1.19.0-0, <1.33.0-0', '1.33.1', false],
    ['~1.29', '1.29.7', true],
    ['~1.29', '1.30', false],
    ['^1.2', '1.34', true],
    ['1.29.x', '1.29.3', true],
    ['1.29.x', '1.30.0', false],
    ['<1.28 || >=1.30', '1.29', false],
    ['<1.28 || >=1.30', '1.31', true],
    ['>1.29', '1.29.5', false],
    ['<=1.29', '1.29.5', true],
  ])('GIVEN %s WHEN the cluster is %s THEN %s', (constraint, version, expected) => {
    expect(satisfiesConstraint(v(version), constraint)).toBe(expected);
  });

  it('GIVEN a constraint in another syntax THEN it is not evaluated (undefined), never passed', () => {
    expect(satisfiesConstraint(v('1.30'), 'at least 1.29')).toBeUndefined();
    expect(satisfiesConstraint(v('1.30'), '')).toBeUndefined();
  });

  it('GIVEN every vendored chart THEN its kubeVersion, where it states one, is read (imports/chart-values.json from Chart.yaml)', () => {
    const catalog = ChartCatalog.default();
    const stated = Object.fromEntries(
      catalog
        .folders()
        .map((f) => [f, catalog.get(f).kubeVersion])
        .filter(([, k]) => k !== undefined),
    );
    expect(stated).toEqual({
      'cert-manager': '>= 1.22.0-0',
      'cloudnative-pg': '>=1.29.0-0',
      'external-secrets': '>= 1.19.0-0',
      keda: '>=v1.23.0-0',
      'plugin-barman-cloud': '>=1.29.0-0',
      velero: '>=1.16.0-0',
    });
    for (const [folder, constraint] of Object.entries(stated)) expect(satisfiesConstraint(v('1.30'), constraint as string), folder).toBe(true);
  });
});

describe("the cluster's Kubernetes version against the add-ons' charts (profile.cluster.kubernetesVersion)", () => {
  it('GIVEN a 1.28 cluster and a CloudNativePG datastore WHEN synthesized THEN synth names the environment, the add-on, the chart version, the constraint and the field', () => {
    expect(clusterVersionProblems(shop(withVersion('1.28')))).toEqual([
      'production/add-ons/cloudnative-pg: add-on cloudnative-pg: chart cloudnative-pg 0.29.0 requires Kubernetes >=1.29.0-0, and profile.cluster.kubernetesVersion is "1.28"; if the cluster runs a version the chart supports, declare it in profile.cluster.kubernetesVersion; otherwise upgrade the cluster, or pin a chart version that supports 1.28 with the add-on\'s `version` option',
      'production/add-ons/plugin-barman-cloud: add-on plugin-barman-cloud: chart plugin-barman-cloud 0.7.0 requires Kubernetes >=1.29.0-0, and profile.cluster.kubernetesVersion is "1.28"; if the cluster runs a version the chart supports, declare it in profile.cluster.kubernetesVersion; otherwise upgrade the cluster, or pin a chart version that supports 1.28 with the add-on\'s `version` option',
    ]);
    expect(clusterVersionProblems(shop(withVersion('1.29.0')))).toEqual([]);
  });

  it("GIVEN no declared version and a CloudNativePG datastore THEN the default (1.27, the manifests' API) fails synth saying it was not declared", () => {
    expect(clusterVersionProblems(shop(withVersion(undefined)))).toEqual([
      'production/add-ons/cloudnative-pg: add-on cloudnative-pg: chart cloudnative-pg 0.29.0 requires Kubernetes >=1.29.0-0, and profile.cluster.kubernetesVersion is "1.27" (not declared: the default); if the cluster runs a version the chart supports, declare it in profile.cluster.kubernetesVersion; otherwise upgrade the cluster, or pin a chart version that supports 1.27 with the add-on\'s `version` option',
      'production/add-ons/plugin-barman-cloud: add-on plugin-barman-cloud: chart plugin-barman-cloud 0.7.0 requires Kubernetes >=1.29.0-0, and profile.cluster.kubernetesVersion is "1.27" (not declared: the default); if the cluster runs a version the chart supports, declare it in profile.cluster.kubernetesVersion; otherwise upgrade the cluster, or pin a chart version that supports 1.27 with the add-on\'s `version` option',
    ]);
  });

  it('GIVEN no declared version WHEN synthesized with the default plugins THEN synth fails with that message and writes nothing', () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: withVersion(undefined) });
    new PlatformNamespace(chart, 'ns-data', { name: 'data' });
    new StatefulDatastore(chart, 'orders-db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres() });
    const dist = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-version-')), 'dist');
    let error: unknown;
    try {
      synthesize(app, { outdir: dist, plugins: defaultPlugins(), warn: () => undefined });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    expect((error as SynthError).problems).toContain(
      'production/add-ons/cloudnative-pg: add-on cloudnative-pg: chart cloudnative-pg 0.29.0 requires Kubernetes >=1.29.0-0, and profile.cluster.kubernetesVersion is "1.27" (not declared: the default); if the cluster runs a version the chart supports, declare it in profile.cluster.kubernetesVersion; otherwise upgrade the cluster, or pin a chart version that supports 1.27 with the add-on\'s `version` option',
    );
    expect(fs.existsSync(dist)).toBe(false);
    fs.rmSync(path.dirname(dist), { recursive: true, force: true });
  });

  it("GIVEN a declared 1.30 cluster THEN the README table shows each chart's kubeVersion and the prerequisites the declared version", () => {
    const env = shop(withVersion('1.30'));
    const lines = addOnReadmeLines('production', env.profile, addOnsOfOutput(env));
    expect(lines).toContain('| Add-on | Chart | Version | Kubernetes (chart `kubeVersion`) | Namespace | CRDs | Purpose |');
    expect(lines.find((l) => l.startsWith('| cloudnative-pg |'))).toBe(
      '| cloudnative-pg | `https://cloudnative-pg.github.io/charts` cloudnative-pg | 0.29.0 | `>=1.29.0-0` | cnpg-system | yes, never pruned | the PostgreSQL operator (Cluster, Pooler, Backup, ScheduledBackup) |',
    );
    expect(lines.find((l) => l.startsWith('| envoy-gateway |'))).toContain('| v1.9.0 | any (the chart states none) |');
    // A chart without vendored data (ingress-nginx, where the environment keeps Ingress): its constraint is unknown.
    const keepsIngress = shop({ ...withVersion('1.30'), traffic: TrafficLayer.ingress({ className: 'nginx', controllerNamespace: 'ingress-nginx' }) });
    expect(addOnReadmeLines('production', keepsIngress.profile, addOnsOfOutput(keepsIngress)).find((l) => l.startsWith('| ingress-nginx |'))).toContain(
      '| unknown (no chart data) |',
    );
    expect(lines).toContain(
      "- Kubernetes 1.30 (`profile.cluster.kubernetesVersion`), checked at synth against each add-on chart's `kubeVersion` (table above); the manifests use the Kubernetes 1.27 API, and none of the API versions removed up to 1.30",
    );
    const undeclared = addOnReadmeLines('development', Profiles.development({ name: 'development', cluster: CLUSTER, domain: 'dev.example.com' }), {
      ...addOnsOfOutput(env),
      addOns: [],
    });
    expect(undeclared).toContain(
      '- Kubernetes 1.27 (`profile.cluster.kubernetesVersion` not declared: the default, the API the manifests use); the manifests use the Kubernetes 1.27 API, and none of the API versions removed up to 1.27',
    );
  });

  it('GIVEN an add-on staged at another chart version THEN the message says whose constraint was checked', () => {
    const env = shop(withVersion('1.28', [...DEFAULT_ADD_ONS, AddOn.velero(), AddOn.cloudNativePg({ version: '0.30.0' }), AddOn.barmanCloudPlugin()]));
    expect(clusterVersionProblems(env)[0]).toBe(
      'production/add-ons/cloudnative-pg: add-on cloudnative-pg: chart cloudnative-pg 0.30.0 requires Kubernetes >=1.29.0-0 (the constraint of the vendored chart data, 0.29.0), and profile.cluster.kubernetesVersion is "1.28"; if the cluster runs a version the chart supports, declare it in profile.cluster.kubernetesVersion; otherwise upgrade the cluster, or pin a chart version that supports 1.28 with the add-on\'s `version` option',
    );
  });

  it.each([['1.3x'], ['1.26'], ['2.0'], ['']])('GIVEN the version %j THEN it fails naming the field and what is allowed', (version) => {
    expect(clusterVersionProblems(shop(withVersion(version)))).toEqual([
      `production: profile.cluster.kubernetesVersion: got ${JSON.stringify(version)}; must be the cluster's Kubernetes version, "1.<minor>" or "1.<minor>.<patch>", 1.27 or later (the manifests use the Kubernetes 1.27 API)`,
    ]);
  });
});

describe('API versions Kubernetes removed (API_REMOVALS)', () => {
  const flowSchema = (apiVersion: string): EnvironmentOutput => ({
    name: 'production',
    directory: 'production',
    profile: withVersion('1.32', []),
    documents: [
      {
        object: { apiVersion, kind: 'FlowSchema', metadata: { name: 'batch' } },
        id: 'production/_cluster/FlowSchema/batch',
        file: 'production/_cluster/flowschema-batch.yaml',
        source: 'production/batch',
        namespaced: false,
      },
    ],
  });

  it('GIVEN a FlowSchema of flowcontrol v1beta3 on a 1.32 cluster THEN synth says it is no longer served and what to use', () => {
    expect(clusterVersionProblems(flowSchema('flowcontrol.apiserver.k8s.io/v1beta3'))).toEqual([
      'production/_cluster/FlowSchema/batch: apiVersion: flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is no longer served as of Kubernetes 1.32, and profile.cluster.kubernetesVersion is "1.32"; use flowcontrol.apiserver.k8s.io/v1 (served since 1.29)',
    ]);
    const older = flowSchema('flowcontrol.apiserver.k8s.io/v1beta3');
    expect(clusterVersionProblems({ ...older, profile: withVersion('1.31', []) })).toEqual([]);
  });

  it('GIVEN flowcontrol v1beta2 THEN it is refused from 1.29 on, the version that removed it', () => {
    const v1beta2 = flowSchema('flowcontrol.apiserver.k8s.io/v1beta2');
    expect(clusterVersionProblems({ ...v1beta2, profile: withVersion('1.28', []) })).toEqual([]);
    expect(clusterVersionProblems({ ...v1beta2, profile: withVersion('1.29', []) })).toEqual([
      'production/_cluster/FlowSchema/batch: apiVersion: flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema is no longer served as of Kubernetes 1.29, and profile.cluster.kubernetesVersion is "1.29"; use flowcontrol.apiserver.k8s.io/v1 (served since 1.29) or v1beta3',
    ]);
  });

  it.each([
    [
      'policy/v1beta1',
      'PodSecurityPolicy',
      '"policy/v1beta1" PodSecurityPolicy is no longer served as of Kubernetes 1.25; use Pod Security Admission (namespace labels pod-security.kubernetes.io/*)',
    ],
    [
      'autoscaling/v2beta2',
      'HorizontalPodAutoscaler',
      '"autoscaling/v2beta2" HorizontalPodAutoscaler is no longer served as of Kubernetes 1.26; use autoscaling/v2',
    ],
    ['extensions/v1beta1', 'Ingress', '"extensions/v1beta1" Ingress is no longer served as of Kubernetes 1.22; use networking.k8s.io/v1'],
    ['example.com/v1', 'Widget', 'unknown apiVersion/kind "example.com/v1/Widget": neither Kubernetes 1.27 nor a vendored CRD serves it'],
  ])('GIVEN %s %s (removed before 1.27) THEN schema validation names the removal and the replacement', (apiVersion, kind, message) => {
    expect(new SchemaValidator().validate({ apiVersion, kind, metadata: { name: 'x' } })).toEqual([{ path: 'apiVersion', message }]);
  });

  it('GIVEN every removal in the table THEN removals up to 1.27 are absent from the 1.27 schemas and later ones present', () => {
    const validator = new SchemaValidator();
    for (const r of API_REMOVALS) {
      for (const kind of r.kinds) expect(validator.kindOf({ apiVersion: r.apiVersion, kind }) !== undefined, `${r.apiVersion} ${kind}`).toBe(r.removedIn > 27);
    }
  });

  it('GIVEN the reference platform THEN every apiVersion it emits is served by its declared cluster', () => {
    const envs = referencePlatform();
    for (const env of envs) expect(clusterVersionProblems(env), env.directory).toEqual([]);
    expect(envs.filter((e) => e.directory === e.name).map((e) => [e.name, e.profile.cluster.kubernetesVersion])).toEqual([
      ['development', '1.30'],
      ['dr', '1.30'],
      ['production', '1.30'],
      ['staging', '1.30'],
    ]);
  });
});
