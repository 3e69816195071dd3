/**
 * Issue 13's "done when", on the committed dist/: for every environment, every kind in dist/<env>/ is built in or
 * served by an add-on installed in an earlier wave of the same environment's Argo CD and Flux entry points, and
 * every cross-object reference resolves.
 */
import * as fs from 'fs';
import * as path from 'path';
import { load, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../charts';
import { checkGitOpsDelivery, EnvironmentOutput } from '../../src';
import { kindServer } from '../../src/addons/kinds';
import { evaluatePolicies } from '../../src/policy';

const root = path.resolve(__dirname, '..', '..');
const dist = path.join(root, 'dist');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml')) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

const objectsIn = (dir: string) => yamlFiles(dir).flatMap((f) => loadAll(fs.readFileSync(f, 'utf8')) as Record<string, any>[]);

/** The delivery check over the whole repository, every environment at once: run once, read by each environment below. */
let repositoryDeliveryProblems: string[] | undefined;
const deliveryProblems = () => (repositoryDeliveryProblems ??= checkGitOpsDelivery(root));

describe.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('dist/%s', (name, profile) => {
  const argoApps = objectsIn(path.join(dist, 'argocd', name, 'apps')).filter((o) => o.kind === 'Application');
  const wave = (o: Record<string, any>) => Number(o.metadata.annotations['argocd.argoproj.io/sync-wave']);
  const addOnWave = new Map(argoApps.filter((a) => a.metadata.labels?.['platform.io/add-on']).map((a) => [a.metadata.labels['platform.io/add-on'], wave(a)]));
  const releases = new Set(
    objectsIn(path.join(dist, 'flux', name, 'add-ons'))
      .filter((o) => o.kind === 'HelmRelease')
      .map((o) => o.metadata.labels['platform.io/add-on']),
  );

  it('GIVEN every object of the environment THEN its kind is built in, or served by an add-on both tools install in a wave before the group applying it', () => {
    const problems: string[] = [];
    for (const group of argoApps.filter((a) => a.spec.source?.path?.startsWith(`dist/${name}/`))) {
      for (const file of yamlFiles(path.join(root, group.spec.source.path))) {
        const o = load(fs.readFileSync(file, 'utf8')) as Record<string, any>;
        const server = kindServer(o.apiVersion, o.kind);
        if (server.by === 'kubernetes' || server.by === 'tool') continue;
        if (server.by === 'nobody') {
          problems.push(`${file}: ${o.kind} is served by nothing`);
          continue;
        }
        const w = addOnWave.get(server.addOn);
        if (w === undefined || w >= wave(group))
          problems.push(`${path.relative(root, file)}: ${o.kind} needs ${server.addOn} before wave ${wave(group)} (Argo CD: ${w ?? 'not installed'})`);
        if (!releases.has(server.addOn)) problems.push(`${path.relative(root, file)}: ${o.kind} needs ${server.addOn}, which no Flux HelmRelease installs`);
      }
    }
    expect(problems).toEqual([]);
    // The Flux side's order (dependsOn) is proved by the delivery check over the whole repository.
    expect(deliveryProblems().filter((p) => p.includes(`/${name}/`))).toEqual([]);
  });

  it("GIVEN every reference between its objects THEN each resolves to an object of the environment, an add-on's, or what the profile declares", () => {
    const documents = yamlFiles(path.join(dist, name)).map((file) => {
      const object = load(fs.readFileSync(file, 'utf8')) as Record<string, any>;
      const ns = object.metadata.namespace ?? '_cluster';
      return { object, id: `${name}/${ns}/${object.kind}/${object.metadata.name}`, file, source: file, namespaced: ns !== '_cluster' };
    });
    const env: EnvironmentOutput = { name, directory: name, profile, documents };
    expect(
      evaluatePolicies(env)
        .violations.filter((v) => v.checkId === 'references-resolve')
        .map((v) => v.text),
    ).toEqual([]);
    expect(documents.length).toBeGreaterThan(100);
  });

  it('GIVEN its add-ons THEN each has an Argo CD Application and a Flux HelmRelease at the same chart version', () => {
    const flux = objectsIn(path.join(dist, 'flux', name, 'add-ons'));
    const versionOf = (addOn: string) => {
      const r = flux.find((o) => o.kind === 'HelmRelease' && o.metadata.labels['platform.io/add-on'] === addOn)!;
      return r.spec.chart?.spec.version ?? flux.find((o) => o.kind === 'OCIRepository' && o.metadata.labels['platform.io/add-on'] === addOn)!.spec.ref.tag;
    };
    const apps = argoApps.filter((a) => a.metadata.labels?.['platform.io/add-on']);
    expect(apps.map((a) => a.metadata.labels['platform.io/add-on']).sort()).toEqual([...releases].sort());
    for (const a of apps) expect(a.spec.source.targetRevision, a.metadata.name).toBe(versionOf(a.metadata.labels['platform.io/add-on']));
  });
});

describe('dist/production', () => {
  it('GIVEN the api-gateway scaled on its request rate THEN a ScaledObject replaces the HPA, KEDA is installed first and Prometheus admits its operator', () => {
    const so = load(fs.readFileSync(path.join(dist, 'production/backend/scaledobject-api-gateway.yaml'), 'utf8')) as Record<string, any>;
    expect(fs.existsSync(path.join(dist, 'production/backend/horizontalpodautoscaler-api-gateway.yaml'))).toBe(false);
    expect(so.spec.triggers[2]).toEqual({
      type: 'prometheus',
      name: 'requests_per_second',
      metricType: 'AverageValue',
      metadata: {
        serverAddress: 'http://prometheus.monitoring.svc:9090',
        query: 'sum(rate(http_requests_total{namespace="backend",service="api-gateway"}[2m]))',
        threshold: '100',
      },
    });
    const prometheus = load(fs.readFileSync(path.join(dist, 'production/monitoring/networkpolicy-prometheus.yaml'), 'utf8')) as Record<string, any>;
    expect(prometheus.spec.ingress).toContainEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
          podSelector: { matchLabels: { app: 'keda-operator', 'app.kubernetes.io/name': 'keda-operator' } },
        },
      ],
      ports: [{ port: 9090, protocol: 'TCP' }],
    });
    const flows = fs.readFileSync(path.join(dist, 'production/FLOWS.md'), 'utf8');
    expect(flows).toContain(
      '| keda/keda-operator | monitoring/prometheus | 9090/TCP | ScaledObject backend/api-gateway; autoscaling.podsMetrics | admitted | keda/keda-operator | monitoring/prometheus |',
    );
  });

  it("GIVEN the profile's issuer, secret store, Gateway class and backup destination THEN the ClusterIssuer, ClusterSecretStore, GatewayClass and BackupStorageLocation are in dist/", () => {
    expect(fs.readdirSync(path.join(dist, 'production/_cluster-config'))).toEqual([
      'clusterissuer-letsencrypt-prod.yaml',
      'clustersecretstore-vault-production.yaml',
      'gatewayclass-eg.yaml',
    ]);
    const bsl = load(fs.readFileSync(path.join(dist, 'production/velero/backupstoragelocation-default.yaml'), 'utf8')) as Record<string, any>;
    expect(bsl.spec.objectStorage).toEqual({ bucket: 'platform-backups-production', prefix: 'velero/production' });
  });
});
