import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AddOn,
  CanaryStep,
  defaultPlugins,
  EnvironmentChart,
  EnvironmentProfile,
  GATEWAY_API_PLUGIN_NAME,
  ImageReference,
  MetricQuery,
  MicroserviceDeployment,
  requireAddOn,
  RolloutStrategy,
  SynthError,
  synthesize,
  synthesizeToJson,
  TrafficRouterPlugin,
  trafficRouterFeature,
  VpaMode,
} from '../../src';
import { crdKindTable, kindServer } from '../../src/addons/kinds';
import { addOnRequirementProblems } from '../../src/addons/requirements';
import { production } from '../helpers';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The api-gateway of the reference platform: a canary Rollout with analysis, scaled on its request rate. */
function apiGateway(chart: Construct): void {
  new MicroserviceDeployment(chart, 'api-gateway', {
    name: 'api-gateway',
    namespace: 'backend',
    image: ImageReference.fromDigest('registry.example.com/platform/api-gateway', DIGEST, '1.4.2'),
    ports: [{ name: 'http', port: 8080 }],
    strategy: RolloutStrategy.canary({ steps: [CanaryStep.setWeight(10), CanaryStep.analysis()] }),
    autoscaling: { podsMetrics: [{ name: 'requests_per_second', averageValue: '100', query: MetricQuery.httpRequestRate() }] },
  });
}

function problems(profile: EnvironmentProfile, build: (chart: Construct) => void): string[] {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile });
  build(chart);
  const { envs, problems: p } = synthesizeToJson(app);
  return [...p, ...addOnRequirementProblems(envs[0]!)];
}

describe('every construct that emits a kind served by an add-on requires it', () => {
  it('GIVEN production without argo-rollouts and keda WHEN the api-gateway is synthesized THEN synth names the construct, the kind and the add-on', () => {
    const profile = { ...production, addOns: (production.addOns ?? []).filter((a) => a.name !== 'argo-rollouts' && a.name !== 'keda') };
    expect(problems(profile, apiGateway)).toEqual([
      "production/api-gateway: AnalysisTemplate needs the argo-rollouts add-on; enable it in the profile's addOns",
      "production/api-gateway: Rollout needs the argo-rollouts add-on; enable it in the profile's addOns",
      "production/api-gateway: ScaledObject needs the keda add-on; enable it in the profile's addOns",
    ]);
  });

  it('GIVEN the same profile WHEN synthesized with the default plugins THEN synth fails and dist/ is not written', () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: { ...production, addOns: (production.addOns ?? []).filter((a) => a.name !== 'argo-rollouts') } });
    apiGateway(chart);
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'requires-'));
    dirs.push(outdir);
    const dist = path.join(outdir, 'dist');
    let error: unknown;
    try {
      synthesize(app, { outdir: dist, plugins: defaultPlugins(), warn: () => undefined });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    expect((error as SynthError).problems).toContain("production/api-gateway: Rollout needs the argo-rollouts add-on; enable it in the profile's addOns");
    expect(fs.existsSync(dist)).toBe(false);
  });

  it('GIVEN a kind no add-on of the library serves (VPA) THEN it is an error until the profile declares the cluster serves it', () => {
    const build = (chart: Construct) =>
      new MicroserviceDeployment(chart, 'worker', {
        name: 'worker',
        namespace: 'backend',
        image: ImageReference.fromDigest('ghcr.io/acme/worker', DIGEST, '1.0.0'),
        ports: [{ name: 'http', port: 8080 }],
        verticalAutoscaling: { mode: VpaMode.recommend() },
      });
    expect(problems(production, build)).toEqual([
      'production/worker: VerticalPodAutoscaler (autoscaling.k8s.io/v1) is served by no add-on of this library; add its add-on, or declare "autoscaling.k8s.io/VerticalPodAutoscaler" in profile.clusterProvides.kinds if the cluster serves it',
    ]);
    expect(problems({ ...production, clusterProvides: { ...production.clusterProvides, kinds: ['autoscaling.k8s.io/VerticalPodAutoscaler'] } }, build)).toEqual(
      [],
    );
  });

  it('GIVEN a construct that needs an add-on feature THEN requireAddOn checks the add-on and the feature', () => {
    const needsPlugin = (chart: Construct) => {
      const c = new Construct(chart, 'canary-router');
      requireAddOn(c, 'argo-rollouts', 'weighted canary', (a) =>
        a.hasFeature(trafficRouterFeature(GATEWAY_API_PLUGIN_NAME))
          ? undefined
          : 'with the Gateway API traffic-router plugin (TrafficRouterPlugin.gatewayApi())',
      );
    };
    const withoutPlugin = { ...production, addOns: [...(production.addOns ?? []).filter((a) => a.name !== 'argo-rollouts'), AddOn.argoRollouts()] };
    expect(problems(withoutPlugin, needsPlugin)).toEqual([
      'production/canary-router: weighted canary needs the argo-rollouts add-on with the Gateway API traffic-router plugin (TrafficRouterPlugin.gatewayApi())',
    ]);
    const withPlugin = {
      ...production,
      addOns: [
        ...(production.addOns ?? []).filter((a) => a.name !== 'argo-rollouts'),
        AddOn.argoRollouts({ trafficRouterPlugins: [TrafficRouterPlugin.gatewayApi()] }),
      ],
    };
    expect(problems(withPlugin, needsPlugin)).toEqual([]);
    expect(problems({ ...production, addOns: [] }, needsPlugin)).toEqual([
      "production/canary-router: weighted canary needs the argo-rollouts add-on; enable it in the profile's addOns",
    ]);
  });
});

describe('the kind table', () => {
  it('GIVEN every vendored CRD THEN each kind is served by exactly one add-on of the catalog or by a GitOps tool, except the documented gaps', () => {
    const byServer = new Map<string, string[]>();
    for (const [gk, s] of crdKindTable()) {
      const who = s.by === 'add-on' ? s.addOn : s.by === 'tool' ? s.tool : s.by;
      byServer.set(who, [...(byServer.get(who) ?? []), gk]);
    }
    expect(Object.fromEntries([...byServer].map(([k, v]) => [k, v.sort()]))).toEqual({
      'Argo CD': ['argoproj.io/AppProject', 'argoproj.io/Application', 'argoproj.io/ApplicationSet'],
      Flux: [
        'helm.toolkit.fluxcd.io/HelmRelease',
        'kustomize.toolkit.fluxcd.io/Kustomization',
        'source.toolkit.fluxcd.io/GitRepository',
        'source.toolkit.fluxcd.io/HelmRepository',
        'source.toolkit.fluxcd.io/OCIRepository',
      ],
      'argo-rollouts': ['argoproj.io/AnalysisTemplate', 'argoproj.io/Rollout'],
      'cert-manager': ['cert-manager.io/Certificate', 'cert-manager.io/ClusterIssuer', 'cert-manager.io/Issuer'],
      'cloudnative-pg': ['postgresql.cnpg.io/Backup', 'postgresql.cnpg.io/Cluster', 'postgresql.cnpg.io/Pooler', 'postgresql.cnpg.io/ScheduledBackup'],
      'external-secrets': ['external-secrets.io/ClusterSecretStore', 'external-secrets.io/ExternalSecret', 'external-secrets.io/SecretStore'],
      keda: ['keda.sh/ScaledObject', 'keda.sh/TriggerAuthentication'],
      'kube-prometheus-stack': ['monitoring.coreos.com/PodMonitor', 'monitoring.coreos.com/PrometheusRule', 'monitoring.coreos.com/ServiceMonitor'],
      'plugin-barman-cloud': ['barmancloud.cnpg.io/ObjectStore'],
      strimzi: ['kafka.strimzi.io/Kafka', 'kafka.strimzi.io/KafkaNodePool', 'kafka.strimzi.io/KafkaTopic', 'kafka.strimzi.io/KafkaUser'],
      velero: ['velero.io/Backup', 'velero.io/BackupStorageLocation', 'velero.io/Restore', 'velero.io/Schedule', 'velero.io/VolumeSnapshotLocation'],
      // Envoy Gateway's chart installs the Gateway API CRDs with its own.
      'envoy-gateway': [
        'gateway.envoyproxy.io/BackendTrafficPolicy',
        'gateway.envoyproxy.io/ClientTrafficPolicy',
        'gateway.envoyproxy.io/EnvoyProxy',
        'gateway.envoyproxy.io/SecurityPolicy',
        'gateway.networking.k8s.io/BackendTLSPolicy',
        'gateway.networking.k8s.io/GRPCRoute',
        'gateway.networking.k8s.io/Gateway',
        'gateway.networking.k8s.io/GatewayClass',
        'gateway.networking.k8s.io/HTTPRoute',
        'gateway.networking.k8s.io/ReferenceGrant',
      ],
      // VPA: no chart in the catalog (GKE and others serve it).
      nobody: ['autoscaling.k8s.io/VerticalPodAutoscaler'],
    });
  });

  it('GIVEN built-in and CRD kinds THEN kindServer tells them apart', () => {
    expect(kindServer('apps/v1', 'Deployment')).toEqual({ by: 'kubernetes' });
    expect(kindServer('argoproj.io/v1alpha1', 'Rollout')).toEqual({ by: 'add-on', addOn: 'argo-rollouts' });
    expect(kindServer('argoproj.io/v1alpha1', 'Application')).toEqual({ by: 'tool', tool: 'Argo CD' });
    expect(kindServer('example.com/v1', 'Widget')).toEqual({ by: 'nobody' });
  });
});
