import * as fs from 'fs';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AddOn,
  checkGitOpsDelivery,
  DeliveryTool,
  EnvironmentProfile,
  ImageReference,
  MetricQuery,
  MicroserviceDeployment,
  NamespaceTier,
  PlatformNamespace,
  SyncPolicy,
  TrafficRouterPlugin,
} from '../../src';
import { planDeliveryGroups } from '../../src/gitops/delivery-group';
import { development, production, withIngress } from '../helpers';
import { cleanup, deliverEnvironment } from './helpers';

afterEach(cleanup);

const DIGEST = `sha256:${'a'.repeat(64)}`;
/** A service scaled by KEDA on its request rate: an object of a kind an add-on serves. */
const scaledService = (chart: Parameters<Parameters<typeof deliverEnvironment>[1] & {}>[0]) => {
  new PlatformNamespace(chart, 'ns-backend', { name: 'backend' });
  new MicroserviceDeployment(chart, 'api', {
    name: 'api',
    namespace: 'backend',
    image: ImageReference.fromDigest('ghcr.io/acme/api', DIGEST, '1.0.0'),
    ports: [{ name: 'http', port: 8080 }],
    autoscaling: { podsMetrics: [{ name: 'rps', averageValue: '50', query: MetricQuery.httpRequestRate() }] },
  });
};

/** Production with CloudNativePG and its plugin: two add-on layers (the plugin needs cert-manager and the operator). */
const twoLayers: EnvironmentProfile = {
  ...production,
  addOns: [
    ...(production.addOns ?? []).filter((a) => !['cloudnative-pg', 'plugin-barman-cloud'].includes(a.name)),
    AddOn.cloudNativePg(),
    AddOn.barmanCloudPlugin(),
  ],
};

describe('add-ons in the Argo CD entry point', () => {
  it('GIVEN two add-on layers THEN add-ons take waves 1 and 2, the cluster configuration 3 and every namespace group moves after them', () => {
    const d = deliverEnvironment(twoLayers, scaledService);
    const wave = (name: string) => d.find('argocd/production/apps', 'Application', name).metadata.annotations['argocd.argoproj.io/sync-wave'];
    expect(
      [
        'production-cluster',
        'production-addon-cert-manager',
        'production-addon-cloudnative-pg',
        'production-addon-plugin-barman-cloud',
        'production-cluster-config',
        'production-velero',
        'production-backend',
      ].map(wave),
    ).toEqual(['0', '1', '1', '2', '3', '3', '7']);
    expect(checkGitOpsDelivery(d.repo)).toEqual([]);
  });

  it('GIVEN a CRD-carrying add-on THEN its Application installs the pinned chart with the checked values and is never pruned or cascade-deleted', () => {
    const d = deliverEnvironment(production);
    const app = d.find('argocd/production/apps', 'Application', 'production-addon-cert-manager');
    expect(app.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '1', 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(app.metadata.labels['platform.io/add-on']).toBe('cert-manager');
    expect(app.metadata.finalizers).toBeUndefined();
    expect(app.spec.project).toBe('production-add-ons');
    expect(app.spec.destination).toEqual({ server: 'https://prod-eu-west-1.k8s.example.com', namespace: 'cert-manager' });
    expect(app.spec.source).toMatchObject({
      repoURL: 'https://charts.jetstack.io',
      chart: 'cert-manager',
      targetRevision: 'v1.21.1',
      helm: { releaseName: 'cert-manager' },
    });
    expect(app.spec.source.helm.valuesObject).toMatchObject({
      crds: { enabled: true, keep: true },
      global: { leaderElection: { namespace: 'cert-manager' } },
      replicaCount: 2,
    });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toEqual([
      'ServerSideApply=true',
      'CreateNamespace=false',
      'RespectIgnoreDifferences=true',
      'ApplyOutOfSyncOnly=true',
    ]);
    // Envoy Gateway installs the Gateway API and its policy CRDs: never pruned either, from its OCI registry.
    const eg = d.find('argocd/production/apps', 'Application', 'production-addon-envoy-gateway');
    expect(eg.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    expect(eg.spec.source).toMatchObject({
      repoURL: 'docker.io/envoyproxy',
      chart: 'gateway-helm',
      targetRevision: 'v1.9.0',
      helm: { releaseName: 'envoy-gateway' },
    });
    expect(eg.spec.source.helm.valuesObject).toMatchObject({ crds: { enabled: true }, deployment: { replicas: 2 } });
  });

  it('GIVEN a cluster that keeps Ingress THEN ingress-nginx, which carries no CRD, is pruned like any stateless group', () => {
    const d = deliverEnvironment({ ...withIngress(production), addOns: [AddOn.certManager(), AddOn.ingressNginx()] });
    const nginx = d.find('argocd/production/apps', 'Application', 'production-addon-ingress-nginx');
    expect(nginx.metadata.annotations['argocd.argoproj.io/sync-options']).toBeUndefined();
    expect(nginx.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  it('GIVEN Argo Rollouts with the Gateway API traffic router THEN the controller loads the plugin and may download it', () => {
    const profile = {
      ...production,
      addOns: [
        ...(production.addOns ?? []).filter((a) => a.name !== 'argo-rollouts'),
        AddOn.argoRollouts({ trafficRouterPlugins: [TrafficRouterPlugin.gatewayApi({ version: 'v0.5.0', sha256: 'b'.repeat(64) })] }),
      ],
    };
    const d = deliverEnvironment(profile);
    expect(
      d.find('argocd/production/apps', 'Application', 'production-addon-argo-rollouts').spec.source.helm.valuesObject.controller.trafficRouterPlugins,
    ).toEqual([
      {
        name: 'argoproj-labs/gatewayAPI',
        location: 'https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/v0.5.0/gatewayapi-plugin-linux-amd64',
        sha256: 'b'.repeat(64),
      },
    ]);
    // Rights on Gateway API routes only: no other traffic provider's kinds.
    expect(d.find('argocd/production/apps', 'Application', 'production-addon-argo-rollouts').spec.source.helm.valuesObject.providerRBAC).toEqual({
      enabled: true,
      providers: {
        istio: false,
        smi: false,
        ambassador: false,
        awsLoadBalancerController: false,
        awsAppMesh: false,
        traefik: false,
        apisix: false,
        contour: false,
        glooPlatform: false,
        gatewayAPI: true,
      },
    });
    expect(d.find('production', 'NetworkPolicy', 'argo-rollouts').spec.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    });
  });

  it('GIVEN an OCI chart THEN Argo CD reads it from the registry path, without oci:// or the chart name', () => {
    const app = deliverEnvironment(production).find('argocd/production/apps', 'Application', 'production-addon-strimzi');
    expect(app.spec.source).toMatchObject({ repoURL: 'quay.io/strimzi-helm', chart: 'strimzi-kafka-operator', targetRevision: '1.2.0' });
  });

  it("GIVEN the add-ons THEN their AppProject allows only their repositories, namespaces and cluster kinds, and never Argo CD's own kinds", () => {
    const project = deliverEnvironment(production).find('argocd/production/apps', 'AppProject', 'production-add-ons');
    expect(project.spec.sourceRepos).toEqual([
      'docker.io/envoyproxy',
      'https://argoproj.github.io/argo-helm',
      'https://charts.external-secrets.io',
      'https://charts.jetstack.io',
      'https://cloudnative-pg.github.io/charts',
      'https://kedacore.github.io/charts',
      'https://vmware-tanzu.github.io/helm-charts',
      'quay.io/strimzi-helm',
    ]);
    expect(project.spec.destinations.map((x: { namespace: string }) => x.namespace)).toEqual([
      'argo-rollouts',
      'cert-manager',
      'cnpg-system',
      'envoy-gateway-system',
      'external-secrets',
      'keda',
      'kube-system',
      'strimzi',
      'velero',
    ]);
    expect(project.spec.clusterResourceWhitelist.map((k: { kind: string }) => k.kind)).toEqual([
      'MutatingWebhookConfiguration',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingWebhookConfiguration',
      'CustomResourceDefinition',
      'APIService',
      'ClusterRole',
      'ClusterRoleBinding',
    ]);
    expect(project.spec.namespaceResourceBlacklist).toEqual([
      { group: 'argoproj.io', kind: 'AppProject' },
      { group: 'argoproj.io', kind: 'Application' },
      { group: 'argoproj.io', kind: 'ApplicationSet' },
    ]);
  });

  it('GIVEN two clusters THEN each add-on is an ApplicationSet that keeps its resources when deleted', () => {
    const clusters = [production.cluster, { name: 'prod-us-east-1', server: 'https://prod-us-east-1.k8s.example.com', region: 'us-east-1' }];
    const d = deliverEnvironment({ ...production, delivery: { ...production.delivery, clusters } }, () => undefined, [DeliveryTool.argoCd()]);
    const set = d.find('argocd/production/apps', 'ApplicationSet', 'production-addon-keda');
    expect(set.spec.template.spec.destination).toEqual({ server: '{{url}}', namespace: 'keda' });
    expect(set.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    expect(checkGitOpsDelivery(d.repo)).toEqual([]);
  });
});

describe('add-ons in the Flux entry point', () => {
  it('GIVEN the add-ons THEN a HelmRepository (OCIRepository) and a HelmRelease each, CRDs created and replaced, ordered by dependsOn', () => {
    const d = deliverEnvironment(twoLayers);
    const release = d.find('flux/production/add-ons', 'HelmRelease', 'production-addon-plugin-barman-cloud');
    expect(release.metadata.namespace).toBe('flux-system');
    expect(release.spec).toMatchObject({
      releaseName: 'plugin-barman-cloud',
      targetNamespace: 'cnpg-system',
      storageNamespace: 'cnpg-system',
      chart: { spec: { chart: 'plugin-barman-cloud', version: '0.7.0', sourceRef: { kind: 'HelmRepository', name: 'production-addon-plugin-barman-cloud' } } },
      install: { crds: 'CreateReplace', remediation: { retries: 3 } },
      upgrade: { crds: 'CreateReplace', remediation: { retries: 3 } },
      dependsOn: [{ name: 'production-addon-cert-manager' }, { name: 'production-addon-cloudnative-pg' }],
    });
    expect(d.find('flux/production/add-ons', 'HelmRepository', 'production-addon-plugin-barman-cloud').spec).toEqual({
      url: 'https://cloudnative-pg.github.io/charts',
      interval: '1h',
    });
    expect(d.find('flux/production/add-ons', 'HelmRelease', 'production-addon-strimzi').spec.chartRef).toEqual({
      kind: 'OCIRepository',
      name: 'production-addon-strimzi',
    });
    expect(d.find('flux/production/add-ons', 'OCIRepository', 'production-addon-strimzi').spec).toMatchObject({
      url: 'oci://quay.io/strimzi-helm/strimzi-kafka-operator',
      ref: { tag: '1.2.0' },
    });
  });

  it('GIVEN the add-ons THEN their Kustomization is never pruned, comes after the namespaces and before everything else', () => {
    const d = deliverEnvironment(twoLayers);
    const addOns = d.find('flux/production/apps', 'Kustomization', 'production-add-ons');
    expect(addOns.spec).toMatchObject({
      path: './dist/flux/production/add-ons',
      prune: false,
      wait: true,
      deletionPolicy: 'Orphan',
      dependsOn: [{ name: 'production-cluster' }],
    });
    expect(d.find('flux/production/apps', 'Kustomization', 'production-cluster-config').spec.dependsOn).toEqual([{ name: 'production-add-ons' }]);
    expect(d.find('flux/production/root', 'Kustomization', 'production-root').spec.healthChecks[0]).toEqual({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      name: 'production-add-ons',
      namespace: 'flux-system',
    });
  });

  it('GIVEN a manual sync policy THEN the HelmReleases are suspended like the groups', () => {
    const d = deliverEnvironment({ ...development, delivery: { syncPolicy: SyncPolicy.manual() } }, () => undefined, [DeliveryTool.flux()]);
    expect(d.all('flux/development/add-ons', 'HelmRelease').every((r) => r.spec.suspend === true)).toBe(true);
  });
});

describe('the delivery check proves kinds are served before they are applied', () => {
  it('GIVEN an add-on Application moved to the wave of the group using its kind THEN the check names both', () => {
    const d = deliverEnvironment(production, scaledService, [DeliveryTool.argoCd()]);
    const file = path.join(d.repo, 'dist/argocd/production/apps/argocd/application-production-addon-keda.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("sync-wave: '1'", "sync-wave: '7'"));
    expect(checkGitOpsDelivery(d.repo)).toEqual([
      "dist/argocd/production/apps/argocd/application-production-backend.yaml: ScaledObject backend/api (dist/production/backend/scaledobject-api.yaml) needs the keda add-on, installed in wave 7, not before this Application's wave 7",
    ]);
  });

  it("GIVEN the add-on Application and HelmRelease removed THEN both tools' checks report the kind nothing serves", () => {
    const d = deliverEnvironment(production, scaledService);
    fs.rmSync(path.join(d.repo, 'dist/argocd/production/apps/argocd/application-production-addon-keda.yaml'));
    fs.rmSync(path.join(d.repo, 'dist/flux/production/add-ons/flux-system/helmrelease-production-addon-keda.yaml'));
    expect(checkGitOpsDelivery(d.repo)).toEqual([
      'dist/argocd/production/apps/argocd/application-production-backend.yaml: ScaledObject backend/api (dist/production/backend/scaledobject-api.yaml) needs the keda add-on, which no Application of dist/argocd/production/apps/argocd installs',
      'dist/flux/production/apps/flux-system/kustomization-production-backend.yaml: ScaledObject backend/api (dist/production/backend/scaledobject-api.yaml) needs the keda add-on, which no HelmRelease installs',
    ]);
  });
});

describe("the plan reserves the add-ons' names", () => {
  it("GIVEN a namespace group named like the add-ons' units THEN planning fails naming the group", () => {
    expect(() => planDeliveryGroups('p', [{ namespace: 'add-ons', tier: NamespaceTier.system() }], { addOnLayers: 1 })).toThrow(
      'p: namespaces[0].group: got "add-ons"; must not be "add-ons" or "cluster-config" or start with "addon-": those names are the cluster add-ons\' (Application <env>-addon-<name>, Kustomization <env>-add-ons); give the group another name',
    );
    expect(() => planDeliveryGroups('p', [{ namespace: 'x', tier: NamespaceTier.addOns() }])).toThrow(
      'p: namespaces[0].tier: got "add-on"; is for namespaces of cluster add-ons, and the environment has none',
    );
  });
});
