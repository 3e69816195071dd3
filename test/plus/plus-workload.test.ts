import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultPlugins,
  EnvironmentChart,
  EnvironmentProfile,
  ImageReference,
  MicroserviceDeployment,
  MonitoringRegistry,
  PlatformNamespace,
  PLUS_ADDRESS_LABEL,
  PlusWorkload,
  synthesize,
  synthesizeToJson,
} from '../../src';
import { flowText, proveFlows } from '../../src/policy/flows';
import { development, production } from '../helpers';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * GIVEN a team's existing cdk8s-plus workloads placed in an environment chart: an API (Deployment, two replicas,
 * a metrics port, exposed by a Service) and a cache (StatefulSet with a named headless Service), and one of our
 * services calling the API, which calls the cache.
 */
function legacyPlatform(profile: EnvironmentProfile) {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile });
  new PlatformNamespace(chart, 'ns-legacy', { name: 'legacy' });
  new PlatformNamespace(chart, 'ns-shop', { name: 'shop' });
  const api = new kplus.Deployment(chart, 'legacy-api', {
    metadata: { name: 'legacy-api', namespace: 'legacy' },
    containers: [
      {
        name: 'api',
        image: `ghcr.io/acme/legacy-api@${DIGEST}`,
        ports: [
          { number: 8080, name: 'http' },
          { number: 9090, name: 'metrics' },
        ],
        readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
        liveness: kplus.Probe.fromHttpGet('/health', { port: 8080 }),
      },
    ],
  });
  api.exposeViaService({ name: 'legacy-api', ports: [{ port: 8080, targetPort: 8080, name: 'http' }] });
  const cacheService = new kplus.Service(chart, 'legacy-cache-service', {
    metadata: { name: 'legacy-cache', namespace: 'legacy' },
    clusterIP: 'None',
    ports: [{ port: 6379, name: 'redis' }],
  });
  const cache = new kplus.StatefulSet(chart, 'legacy-cache', {
    metadata: { name: 'legacy-cache', namespace: 'legacy' },
    service: cacheService,
    replicas: 1,
    containers: [
      {
        name: 'redis',
        image: `docker.io/library/redis@${DIGEST}`,
        ports: [{ number: 6379, name: 'redis' }],
        readiness: kplus.Probe.fromTcpSocket({ port: 6379 }),
        liveness: kplus.Probe.fromCommand(['redis-cli', 'ping']),
        resources: { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) }, memory: { request: Size.mebibytes(128) } },
      },
    ],
  });
  const web = new MicroserviceDeployment(chart, 'web', {
    name: 'web',
    namespace: 'shop',
    image: ImageReference.fromDigest('ghcr.io/acme/web', DIGEST),
    ports: [{ name: 'http', port: 8080 }],
  });
  web.connectsTo(PlusWorkload.of(api, { team: 'legacy' }), ['http']);
  PlusWorkload.of(api).connectsTo(PlusWorkload.of(cache));
  return { app, chart, api, cache };
}

function synth(profile: EnvironmentProfile) {
  const { app, chart } = legacyPlatform(profile);
  const { envs, problems } = synthesizeToJson(app);
  expect(problems).toEqual([]);
  const docs = envs[0]!.documents.map((d) => d.object);
  const find = (kind: string, name: string) => {
    const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
    if (!d) throw new Error(`no ${kind}/${name}`);
    return d;
  };
  return { chart, docs, find };
}

describe('cdk8s-plus workloads in an environment chart', () => {
  it('GIVEN a kplus.Deployment WHEN synthesized THEN it is selected by stable labels everywhere, never by cdk8s.io/metadata.addr', () => {
    const { docs, find } = synth(production);
    const api = find('Deployment', 'legacy-api');
    expect(api.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'legacy-api', 'app.kubernetes.io/instance': 'legacy-api' } });
    expect(api.spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'legacy-api',
      'app.kubernetes.io/instance': 'legacy-api',
      'platform.io/team': 'legacy',
    });
    expect(find('Service', 'legacy-api').spec.selector).toEqual({ 'app.kubernetes.io/name': 'legacy-api', 'app.kubernetes.io/instance': 'legacy-api' });
    expect(find('StatefulSet', 'legacy-cache').spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'legacy-cache',
      'app.kubernetes.io/instance': 'legacy-cache',
    });
    expect(JSON.stringify(docs)).not.toContain(PLUS_ADDRESS_LABEL);
  });

  it("GIVEN a kplus workload WHEN synthesized THEN its pods are PSS restricted with a writable /tmp and the profile's resources", () => {
    const { find } = synth(production);
    const pod = find('Deployment', 'legacy-api').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    // cdk8s-plus's own defaults (1000m/1500m, 512Mi/2048Mi) are replaced by the environment's.
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } });
    // Resources the team set are kept; a missing memory limit comes from the profile.
    expect(find('StatefulSet', 'legacy-cache').spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '1Gi' },
    });
    expect(pod.serviceAccountName).toBe('legacy-api');
    expect(find('ServiceAccount', 'legacy-api').automountServiceAccountToken).toBe(false);
    expect(find('PodDisruptionBudget', 'legacy-api').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'legacy-api', 'app.kubernetes.io/instance': 'legacy-api' } },
    });
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  });

  it('GIVEN connectsTo between our service and kplus workloads WHEN synthesized THEN NetworkPolicies at both ends admit exactly those flows', () => {
    const { find } = synth(production);
    const apiPolicy = find('NetworkPolicy', 'legacy-api').spec;
    expect(apiPolicy.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'legacy-api', 'app.kubernetes.io/instance': 'legacy-api' });
    expect(apiPolicy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(apiPolicy.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
    expect(apiPolicy.egress[1]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'legacy' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'legacy-cache', 'app.kubernetes.io/instance': 'legacy-cache' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 6379 }],
    });
    expect(find('NetworkPolicy', 'legacy-cache').spec.ingress[0].from[0].podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'legacy-api',
      'app.kubernetes.io/instance': 'legacy-api',
    });
    expect(find('NetworkPolicy', 'web').spec.egress[1].to[0].podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'legacy-api',
      'app.kubernetes.io/instance': 'legacy-api',
    });
  });

  it('GIVEN connectsTo with kplus workloads WHEN the flow proof runs THEN their flows are derived and admitted at both ends', () => {
    const { app } = legacyPlatform(production);
    const env = synthesizeToJson(app).envs[0]!;
    const proof = proveFlows(env);
    const ours = proof.flows.filter((f) => /legacy/.test(flowText(f)) && !/monitoring|kube-system/.test(flowText(f)));
    expect(ours.map((f) => [flowText(f), f.admitted])).toEqual([
      ['legacy/legacy-api -> legacy/legacy-cache:6379/TCP', true],
      ['shop/web -> legacy/legacy-api:8080/TCP', true],
    ]);
    expect(proof.violations).toEqual([]);
  });

  it('GIVEN a kplus workload with a metrics port WHEN synthesized THEN it is registered with monitoring and scraped', () => {
    const { chart, find } = synth(production);
    expect(MonitoringRegistry.of(chart).find('legacy-api', 'legacy')).toMatchObject({
      kind: 'service',
      team: 'legacy',
      metricsPort: { name: 'metrics', port: 9090 },
    });
    expect(
      MonitoringRegistry.of(chart)
        .find('legacy-api', 'legacy')!
        .rules.map((r) => r.alert),
    ).toEqual(['ServicePodRestarting', 'ServiceReplicasUnavailable']);
    expect(find('Deployment', 'legacy-api').spec.template.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9090',
      'prometheus.io/path': '/metrics',
    });
  });

  it('GIVEN the kplus workloads in production WHEN synthesized with every default plugin THEN the policy gate passes', () => {
    const { app } = legacyPlatform(production);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plus-'));
    tmpDirs.push(dir);
    const warnings: string[] = [];
    expect(() => synthesize(app, { outdir: path.join(dir, 'dist'), plugins: defaultPlugins(), warn: (w) => warnings.push(w) })).not.toThrow();
    expect(warnings).toEqual([]);
    // The environment's README draws them and their connections.
    const readme = fs.readFileSync(path.join(dir, 'dist/production/README.md'), 'utf8');
    expect(readme).toContain('  legacy__legacy_api -->|6379| legacy__legacy_cache\n');
    expect(readme).toContain('  shop__web -->|8080| legacy__legacy_api\n');
  });

  it('GIVEN a kplus workload without probes in production WHEN synthesized THEN the policy gate still judges it (and fails)', () => {
    const { app, chart } = legacyPlatform(production);
    new kplus.Deployment(chart, 'worker', {
      metadata: { name: 'worker', namespace: 'legacy' },
      replicas: 1,
      containers: [{ name: 'worker', image: `ghcr.io/acme/worker@${DIGEST}`, ports: [{ number: 8080, name: 'http' }] }],
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plus-'));
    tmpDirs.push(dir);
    expect(() => synthesize(app, { outdir: path.join(dir, 'dist'), plugins: defaultPlugins() })).toThrow(
      /production\/legacy\/Deployment\/worker: .*probes-configured/,
    );
  });

  it('GIVEN a kplus workload that asks for a privileged container WHEN synthesized THEN the error names the field and how to fix it', () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: development });
    new kplus.Deployment(chart, 'agent', {
      metadata: { name: 'agent', namespace: 'tools' },
      containers: [{ image: 'ghcr.io/acme/agent:1.0', securityContext: { privileged: true } }],
    });
    expect(() => synthesizeToJson(app)).toThrow(
      'development/agent: spec.template.spec.containers[0].securityContext.privileged: got true; a privileged container; PSS restricted forbids it, and the environment chart hardens every cdk8s-plus workload to restricted: remove it from the cdk8s-plus props',
    );
  });

  it('GIVEN PlusWorkload.of called again with options WHEN built THEN it refuses (options are given once)', () => {
    const { api } = legacyPlatform(development);
    expect(() => PlusWorkload.of(api, { team: 'other' })).toThrow(
      'development/legacy-api: PlusWorkload.of options: got {"team":"other"}; the workload is already adopted: pass the options on the first PlusWorkload.of call only',
    );
  });
});
