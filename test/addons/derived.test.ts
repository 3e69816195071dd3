import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addGitOpsDelivery,
  AddOn,
  CanaryStep,
  DEFAULT_ADD_ONS,
  defaultClusterServices,
  DeliveryTool,
  Engine,
  environmentAddOns,
  EnvironmentChart,
  EnvironmentProfile,
  ImageReference,
  MicroserviceDeployment,
  MonitoringMode,
  PlatformNamespace,
  Profiles,
  requireAddOn,
  RolloutStrategy,
  StatefulDatastore,
  synthesizeToJson,
} from '../../src';
import { catalogAddOn, catalogAddOns } from '../../src/addons/kinds';
import { addOnRequirementProblems } from '../../src/addons/requirements';
import { addOnsOfOutput } from '../../src/addons/resolution';
import { environmentReadme } from '../../src/synth/plugins/environment-readme';
import { cleanup, deliverEnvironment } from './helpers';

afterEach(cleanup);

const CLUSTER = { name: 'prod-1', server: 'https://prod-1.example.com', region: 'eu-west-1' };
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** The README quick start's production: a preset with a backup destination and no `addOns`. */
const PRODUCTION: EnvironmentProfile = Profiles.production({
  name: 'production',
  cluster: CLUSTER,
  domain: 'shop.example.com',
  backups: { destination: 's3://shop-backups' },
});
const DEVELOPMENT: EnvironmentProfile = Profiles.development({ name: 'development', cluster: CLUSTER, domain: 'dev.shop.example.com' });

function shop(chart: Construct): void {
  new PlatformNamespace(chart, 'ns-data', { name: 'data' });
  new StatefulDatastore(chart, 'orders-db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres() });
}

function apiGateway(chart: Construct): void {
  new MicroserviceDeployment(chart, 'api-gateway', {
    name: 'api-gateway',
    namespace: 'backend',
    image: ImageReference.fromDigest('registry.example.com/api-gateway', DIGEST, '1.4.2'),
    ports: [{ name: 'http', port: 8080 }],
    strategy: RolloutStrategy.canary({ steps: [CanaryStep.setWeight(10), CanaryStep.pause('1m')] }),
  });
}

const names = (profile: EnvironmentProfile, build: (chart: Construct) => void) => {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile });
  build(chart);
  const { envs, problems } = synthesizeToJson(app);
  const env = envs[0]!;
  return { resolved: addOnsOfOutput(env), problems: [...problems, ...addOnRequirementProblems(env)], env };
};

describe('add-ons derived from what the environment uses (profile.addOns unset)', () => {
  it('GIVEN a preset production with a CloudNativePG datastore and backups WHEN delivered with both tools THEN CloudNativePG is installed in wave 1 and its Barman Cloud plugin in wave 2, after cert-manager', () => {
    const { find, envs } = deliverEnvironment(PRODUCTION, shop, [DeliveryTool.argoCd(), DeliveryTool.flux()]);
    const wave = (name: string) =>
      find('argocd/production/apps', 'Application', `production-addon-${name}`).metadata.annotations['argocd.argoproj.io/sync-wave'];
    expect(['cert-manager', 'external-secrets', 'envoy-gateway', 'velero', 'cloudnative-pg', 'plugin-barman-cloud'].map((n) => [n, wave(n)])).toEqual([
      ['cert-manager', '1'],
      ['external-secrets', '1'],
      ['envoy-gateway', '1'],
      ['velero', '1'],
      ['cloudnative-pg', '1'],
      ['plugin-barman-cloud', '2'],
    ]);
    const cnpg = find('argocd/production/apps', 'Application', 'production-addon-cloudnative-pg');
    expect(cnpg.spec.source).toMatchObject({ repoURL: 'https://cloudnative-pg.github.io/charts', chart: 'cloudnative-pg', targetRevision: '0.29.0' });
    expect(cnpg.spec.destination.namespace).toBe('cnpg-system');
    const plugin = find('flux/production/add-ons', 'HelmRelease', 'production-addon-plugin-barman-cloud');
    expect(plugin.spec.dependsOn).toEqual([{ name: 'production-addon-cert-manager' }, { name: 'production-addon-cloudnative-pg' }]);
    // The operator's namespace with its guard rails, and the requires check satisfied by the same set.
    expect(find('production', 'Namespace', 'cnpg-system').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const env = envs.find((e) => e.directory === 'production')!;
    expect(addOnRequirementProblems(env)).toEqual([]);
    const apps = envs.find((e) => e.directory === 'argocd/production/apps')!;
    expect(addOnsOfOutput(apps)).toBe(addOnsOfOutput(env));
    const readme = environmentReadme(env, 'npm run synth --');
    expect(readme).toContain(
      '`profile.addOns` is unset, so the add-ons are derived: the defaults (`defaultAddOns`), plus what this environment uses: cloudnative-pg (Cluster, ScheduledBackup, needed by plugin-barman-cloud, required by production/orders-db); plugin-barman-cloud (ObjectStore).',
    );
    expect(readme).toContain('| 2 | add-ons: plugin-barman-cloud 0.7.0 |');
  });

  it('GIVEN backups off THEN CloudNativePG alone is derived: no plugin (no ObjectStore), no Velero', () => {
    const { resolved, problems } = names(DEVELOPMENT, shop);
    expect(problems).toEqual([]);
    expect(resolved.addOns.map((a) => a.name)).toEqual(['cert-manager', 'external-secrets', 'envoy-gateway', 'cloudnative-pg']);
    expect([...resolved.reasons]).toEqual([['cloudnative-pg', ['Cluster', 'required by development/orders-db']]]);
  });

  it('GIVEN an explicit list without CloudNativePG THEN it is used as given and synth names the construct, the kind and the add-on', () => {
    const { resolved, problems } = names({ ...PRODUCTION, addOns: [...DEFAULT_ADD_ONS, AddOn.envoyGateway(), AddOn.velero()] }, shop);
    expect(resolved.derived).toBe(false);
    expect(resolved.addOns.map((a) => a.name)).toEqual(['cert-manager', 'external-secrets', 'envoy-gateway', 'velero']);
    expect(problems).toEqual([
      "production/orders-db: Cluster needs the cloudnative-pg add-on; enable it in the profile's addOns",
      "production/orders-db: ObjectStore needs the plugin-barman-cloud add-on; enable it in the profile's addOns",
      "production/orders-db: ScheduledBackup needs the cloudnative-pg add-on; enable it in the profile's addOns",
    ]);
  });

  it('GIVEN an explicit list without argo-rollouts THEN the exact requires message', () => {
    const { problems } = names({ ...PRODUCTION, addOns: [...DEFAULT_ADD_ONS] }, apiGateway);
    expect(problems).toEqual(["production/api-gateway: Rollout needs the argo-rollouts add-on; enable it in the profile's addOns"]);
  });

  it('GIVEN a Rollout declared after addGitOpsDelivery THEN argo-rollouts is derived and installed: the delivery is built at synth', () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: DEVELOPMENT });
    const delivery = addGitOpsDelivery(app, { environment: chart, source: { url: 'https://github.com/acme/platform.git' } });
    apiGateway(chart);
    const { envs, problems } = synthesizeToJson(app);
    expect(problems).toEqual([]);
    const apps = envs.find((e) => e.directory === 'argocd/development/apps')!.documents.map((d) => d.object);
    expect(apps.filter((o) => o.kind === 'Application' && o.metadata.name.includes('-addon-')).map((o) => o.metadata.name)).toEqual([
      'development-addon-argo-rollouts',
      'development-addon-cert-manager',
      'development-addon-envoy-gateway',
      'development-addon-external-secrets',
    ]);
    expect(delivery.addOns.resolved.reasons.get('argo-rollouts')).toEqual(['Rollout']);
    expect(addOnRequirementProblems(envs.find((e) => e.directory === 'development')!)).toEqual([]);
  });

  it('GIVEN a construct that requires an add-on without emitting its kinds THEN the add-on is derived with the construct as reason', () => {
    const { resolved, problems } = names(DEVELOPMENT, (chart) => requireAddOn(new Construct(chart, 'scaler'), 'keda', 'event-driven scaling'));
    expect(problems).toEqual([]);
    expect(resolved.reasons.get('keda')).toEqual(['required by development/scaler']);
  });

  it('GIVEN a required add-on feature that default options lack THEN the derived add-on is not enough, and synth says which feature', () => {
    const { problems } = names(DEVELOPMENT, (chart) =>
      requireAddOn(new Construct(chart, 'router'), 'argo-rollouts', 'weighted canary', (a) =>
        a.hasFeature('traffic-router:x') ? undefined : 'with the x traffic router',
      ),
    );
    expect(problems).toEqual(['development/router: weighted canary needs the argo-rollouts add-on with the x traffic router']);
  });

  it("GIVEN operator monitoring THEN kube-prometheus-stack is derived in the profile's monitoring namespace", () => {
    const profile = { ...DEVELOPMENT, monitoring: { ...DEVELOPMENT.monitoring, mode: MonitoringMode.operator(), namespace: 'observability' } };
    const { resolved } = names(profile, shop);
    const kps = resolved.addOns.find((a) => a.name === 'kube-prometheus-stack');
    expect(kps?.namespace).toBe('observability');
    expect(resolved.reasons.get('kube-prometheus-stack')).toEqual(['PodMonitor', 'PrometheusRule']);
  });

  it('GIVEN a kind the profile says the cluster serves THEN no add-on is derived for it', () => {
    const { resolved } = names({ ...DEVELOPMENT, clusterProvides: { kinds: ['postgresql.cnpg.io/Cluster', 'postgresql.cnpg.io/Pooler'] } }, (chart) => {
      new PlatformNamespace(chart, 'ns-data', { name: 'data' });
      new StatefulDatastore(chart, 'orders-db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres({ pooler: {} }) });
    });
    // The engine's own declaration still asks for the operator.
    expect(resolved.reasons.get('cloudnative-pg')).toEqual(['required by development/orders-db']);
  });

  it('GIVEN one profile object in two apps THEN each environment chart derives its own set (cached per chart, not per profile)', () => {
    const withDb = names(DEVELOPMENT, shop).resolved.addOns.map((a) => a.name);
    const without = names(DEVELOPMENT, () => undefined).resolved.addOns.map((a) => a.name);
    expect(withDb).toContain('cloudnative-pg');
    expect(without).toEqual(['cert-manager', 'external-secrets', 'envoy-gateway']);
  });

  it('GIVEN the environment chart THEN environmentAddOns returns one cached set', () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: DEVELOPMENT });
    shop(chart);
    expect(environmentAddOns(chart)).toBe(environmentAddOns(chart));
  });
});

describe('derived add-ons agree with the rest of the library', () => {
  it('GIVEN every catalog add-on with the default options a derived set uses THEN its controllers run where the default cluster services say', () => {
    const profile = { ...DEVELOPMENT, monitoring: { ...DEVELOPMENT.monitoring, namespace: 'observability' } };
    const defaults = defaultClusterServices(profile) as unknown as Record<string, { namespace: string; podLabels: Record<string, string> }>;
    const checked: string[] = [];
    for (const a of catalogAddOns()) {
      const derived = catalogAddOn(a.name, profile)!;
      for (const [service, ref] of Object.entries(derived.definition.clusterServices?.({ profile, namespace: derived.namespace }) ?? {})) {
        // Same namespace, and the default labels select the add-on's pods (its own labels may be more specific).
        expect(ref!.namespace, `${a.name} ${service}`).toBe(defaults[service]!.namespace);
        expect(ref!.podLabels, `${a.name} ${service}`).toMatchObject(defaults[service]!.podLabels);
        checked.push(service);
      }
    }
    expect(checked.sort()).toEqual(['argoRollouts', 'ingressController', 'kedaOperator', 'prometheus', 'strimziOperator']);
  });

  it('GIVEN every engine THEN the add-ons it requires are add-ons of the catalog', () => {
    const catalog = new Set(catalogAddOns().map((a) => a.name));
    for (const e of [Engine.postgres(), Engine.kafka(), Engine.redis(), Engine.minio(), Engine.clickhouse(), Engine.elasticsearch()]) {
      for (const r of e.definition.requires ?? []) expect(catalog.has(r), `${e.definition.id} requires ${r}`).toBe(true);
    }
  });
});
