import { createHash } from 'crypto';
import * as yaml from 'js-yaml';
import { App } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { EnvironmentChart, MonitoringMode, synthesizeToJson } from '../../src';
import { evaluatePolicies } from '../../src/policy';
import { selectorLabels } from '../../src/core/labels';
import { parseQuantity } from '../../src/core/quantity';
import { DEFAULT_JAEGER_IMAGE, TraceBackend } from '../../src/observability/backends';
import { development, production, synthEnv, testProfile } from '../helpers';
import { fullStack, registerService } from './helpers';

const inCluster = (o: Parameters<typeof TraceBackend.jaegerInCluster>[0] = {}) => TraceBackend.jaegerInCluster(o);
const operatorProfile = testProfile({ name: 'development', monitoring: { ...development.monitoring, mode: MonitoringMode.operator() } });
const monitoringPeer = (name: string) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
  podSelector: { matchLabels: selectorLabels(name) },
});

describe('ObservabilityStack with an in-cluster Jaeger (production)', () => {
  const env = synthEnv((chart) => {
    fullStack(chart, { traces: inCluster({ retention: '168h', storageSize: '50Gi' }) });
    registerService(chart, 'api-gateway');
  }, production);
  const sts = () => env.find('StatefulSet', 'jaeger', 'monitoring');

  test('GIVEN jaegerInCluster WHEN synthesized THEN Jaeger is one StatefulSet pod with a retained, protected Badger volume', () => {
    const s = sts();
    expect(s.spec.replicas).toBe(1);
    expect(s.spec.serviceName).toBe('jaeger');
    expect(s.spec.selector.matchLabels).toEqual(selectorLabels('jaeger'));
    expect(s.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(s.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(s.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'data', labels: selectorLabels('jaeger'), annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' } },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3-encrypted', resources: { requests: { storage: '50Gi' } } },
      },
    ]);
    // A single Badger writer: no PDB (it could only block drains).
    expect(env.all('PodDisruptionBudget').map((p) => p.metadata.name)).not.toContain('jaeger');
  });

  test('GIVEN the Jaeger pod THEN it is PSS restricted as uid 10001 with a read-only root, writable data and /tmp, its own tokenless account', () => {
    const spec = sts().spec.template.spec;
    expect(spec.serviceAccountName).toBe('jaeger');
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(env.find('ServiceAccount', 'jaeger', 'monitoring').automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    const c = spec.containers[0];
    // The profile's digest table pins it (charts/images.ts); the reference is the default image either way.
    expect(c.image.split('@')[0]).toBe(DEFAULT_JAEGER_IMAGE);
    expect(DEFAULT_JAEGER_IMAGE).toMatch(/^docker\.io\/jaegertracing\/jaeger:2\.\d+\.\d+$/);
    expect(c.args).toEqual(['--config=/etc/jaeger/config.yaml']);
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/jaeger', readOnly: true },
      { name: 'data', mountPath: '/badger' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(spec.volumes).toEqual([
      { name: 'config', configMap: { name: 'jaeger-config' } },
      { name: 'tmp', emptyDir: {} },
    ]);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } });
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/status', port: 'health' }, periodSeconds: 10, failureThreshold: 3 });
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/status', port: 'health' }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 });
    expect(c.livenessProbe).not.toEqual(c.readinessProbe);
    expect(c.ports.map((p: any) => [p.name, p.containerPort])).toEqual([
      ['otlp-grpc', 4317],
      ['otlp-http', 4318],
      ['query', 16686],
      ['metrics', 8888],
      ['health', 13133],
    ]);
  });

  test('GIVEN the config THEN it is Jaeger v2 YAML with OTLP receivers, batch, the storage exporter, Badger with the TTL, query and health check, and its checksum rolls the pod', () => {
    const cm = env.find('ConfigMap', 'jaeger-config', 'monitoring');
    const cfg: any = yaml.load(cm.data['config.yaml']);
    expect(cfg.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    expect(cfg.processors).toEqual({ batch: {} });
    expect(cfg.exporters).toEqual({ jaeger_storage_exporter: { trace_storage: 'badger_store' } });
    expect(cfg.extensions.jaeger_storage.backends.badger_store.badger).toEqual({
      directories: { keys: '/badger/keys', values: '/badger/values' },
      ephemeral: false,
      ttl: { spans: '168h' },
    });
    expect(cfg.extensions.jaeger_query.storage).toEqual({ traces: 'badger_store' });
    expect(cfg.extensions.jaeger_query.http).toEqual({ endpoint: '0.0.0.0:16686' });
    expect(cfg.extensions.healthcheckv2).toEqual({ use_v2: true, http: { endpoint: '0.0.0.0:13133' } });
    expect(cfg.service.extensions).toEqual(['jaeger_storage', 'jaeger_query', 'healthcheckv2']);
    expect(cfg.service.pipelines.traces).toEqual({ receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] });
    expect(cfg.service.telemetry.metrics.readers[0].pull.exporter.prometheus).toEqual({ host: '0.0.0.0', port: 8888 });
    expect(sts().spec.template.metadata.annotations['checksum/config']).toBe(createHash('sha256').update(cm.data['config.yaml']).digest('hex'));
  });

  test('GIVEN the Service THEN it exposes OTLP gRPC, OTLP HTTP and the query UI by port name', () => {
    const svc = env.find('Service', 'jaeger', 'monitoring');
    expect(svc.spec.selector).toEqual(selectorLabels('jaeger'));
    expect(svc.spec.ports).toEqual([
      { name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc', appProtocol: 'grpc' },
      { name: 'otlp-http', port: 4318, targetPort: 'otlp-http' },
      { name: 'query', port: 16686, targetPort: 'query' },
    ]);
  });

  test('GIVEN the NetworkPolicies THEN Jaeger admits only the collector on OTLP gRPC, Grafana on the UI and Prometheus on metrics, and calls nobody', () => {
    const np = env.find('NetworkPolicy', 'jaeger', 'monitoring');
    expect(np.spec.podSelector.matchLabels).toEqual(selectorLabels('jaeger'));
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([
      { from: [monitoringPeer('grafana')], ports: [{ protocol: 'TCP', port: 16686 }] },
      { from: [monitoringPeer('otel-collector')], ports: [{ protocol: 'TCP', port: 4317 }] },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8888 }],
      },
    ]);
    expect(np.spec.egress).toHaveLength(1); // DNS only
    expect(np.spec.egress[0].ports.map((p: any) => p.port)).toEqual([53, 53]);
    // The other ends: egress to Jaeger from the graph, no fixed rule to the old external peer.
    expect(env.find('NetworkPolicy', 'otel-collector', 'monitoring').spec.egress).toContainEqual({
      to: [monitoringPeer('jaeger')],
      ports: [{ protocol: 'TCP', port: 4317 }],
    });
    expect(env.find('NetworkPolicy', 'grafana', 'monitoring').spec.egress).toContainEqual({
      to: [monitoringPeer('jaeger')],
      ports: [{ protocol: 'TCP', port: 16686 }],
    });
  });

  test('GIVEN the collector and Grafana THEN they point at the in-cluster Jaeger', () => {
    const otel: any = yaml.load(env.find('ConfigMap', 'otel-collector-config', 'monitoring').data['config.yaml']);
    expect(otel.exporters['otlp/jaeger']).toEqual({ endpoint: 'jaeger.monitoring.svc:4317', tls: { insecure: true } });
    const ds = (yaml.load(env.find('ConfigMap', 'grafana-datasources', 'monitoring').data['datasources.yaml']) as any).datasources;
    expect(ds.find((d: any) => d.type === 'jaeger')).toMatchObject({ uid: 'jaeger', url: 'http://jaeger.monitoring.svc:16686' });
  });

  test('GIVEN Jaeger metrics THEN Prometheus scrapes it as a platform target', () => {
    const cfg: any = yaml.load(env.find('ConfigMap', 'prometheus-config', 'monitoring').data['prometheus.yml']);
    const job = cfg.scrape_configs.find((j: any) => j.job_name === 'monitoring/jaeger');
    expect(job.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'metrics', action: 'keep' });
  });

  test('GIVEN a large Jaeger volume THEN the monitoring quota counts its pod, claim and storage', () => {
    const big = synthEnv((chart) => fullStack(chart, { traces: inCluster({ storageSize: '3Ti' }), storageSize: '2Ti' }), production);
    const hard = big.find('ResourceQuota', 'resource-quota', 'monitoring').spec.hard;
    // Prometheus 2 x 2Ti + Jaeger 3Ti exceed the plan's 5Ti.
    expect(hard['requests.storage']).toBe(`${2 * 2048 + 3072}Gi`);
    const claims = big
      .all('StatefulSet')
      .filter((s) => s.metadata.namespace === 'monitoring')
      .reduce((n, s) => n + (s.spec.volumeClaimTemplates?.length ?? 0) * s.spec.replicas, 0);
    expect(claims).toBe(3);
    expect(parseQuantity(hard['requests.storage'])).toBeGreaterThanOrEqual(parseQuantity('7Ti')!);
  });

  test('GIVEN production (images pinned by the profile) THEN the policy gate finds nothing', () => {
    const app = new App({ outdir: '.cdk8s.out' });
    const chart = new EnvironmentChart(app, { profile: production });
    fullStack(chart, { traces: inCluster() });
    registerService(chart, 'api-gateway');
    const out = synthesizeToJson(app);
    expect(out.problems).toEqual([]);
    expect(evaluatePolicies(out.envs[0]!).violations.map((v) => v.text)).toEqual([]);
  });

  test('snapshot of the Jaeger documents', () => {
    expect(env.docs.filter((d) => d.metadata?.name === 'jaeger' || d.metadata?.name === 'jaeger-config')).toMatchSnapshot();
  });
});

describe('In-cluster Jaeger, other profiles', () => {
  test('GIVEN defaults in development THEN retention 72h, a 20Gi volume on the profile storage class and no Argo CD guard', () => {
    const env = synthEnv((chart) => fullStack(chart, { traces: inCluster() }));
    const sts = env.find('StatefulSet', 'jaeger', 'monitoring');
    expect(sts.metadata.annotations).toBeUndefined();
    expect(sts.spec.volumeClaimTemplates[0].metadata.annotations).toBeUndefined();
    expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe(development.storage.storageClass);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    const cfg: any = yaml.load(env.find('ConfigMap', 'jaeger-config', 'monitoring').data['config.yaml']);
    expect(cfg.extensions.jaeger_storage.backends.badger_store.badger.ttl).toEqual({ spans: '72h' });
  });

  test('GIVEN an image override THEN the pod runs it', () => {
    const env = synthEnv((chart) => fullStack(chart, { traces: inCluster({ image: 'registry.example.com/mirror/jaeger:2.11.0' }) }));
    expect(env.find('StatefulSet', 'jaeger', 'monitoring').spec.template.spec.containers[0].image).toBe('registry.example.com/mirror/jaeger:2.11.0');
  });

  test('GIVEN operator mode THEN Jaeger is deployed, monitored by a PodMonitor, and admits kube-prometheus-stack Grafana on the UI', () => {
    const env = synthEnv((chart) => fullStack(chart, { traces: inCluster(), createNamespace: true }), operatorProfile);
    expect(env.find('StatefulSet', 'jaeger', 'monitoring').spec.replicas).toBe(1);
    expect(env.find('PodMonitor', 'jaeger', 'monitoring').spec.podMetricsEndpoints[0].port).toBe('metrics');
    expect(env.find('NetworkPolicy', 'jaeger', 'monitoring').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'grafana' } } }],
      ports: [{ protocol: 'TCP', port: 16686 }],
    });
  });

  test('GIVEN an external Jaeger THEN nothing of the in-cluster Jaeger is emitted', () => {
    const env = synthEnv((chart) => fullStack(chart));
    expect(env.docs.filter((d) => d.metadata?.name?.startsWith('jaeger'))).toEqual([]);
  });
});

describe('In-cluster Jaeger, input errors', () => {
  test.each(['3d', '72', '0h', '', '-1h'])('GIVEN retention %j THEN it asks for a positive Go duration', (retention) => {
    expect(() => synthEnv((chart) => fullStack(chart, { traces: inCluster({ retention }) }))).toThrow(
      `development/observability: traces.retention: got "${retention}"; must be a positive Go duration such as "72h" or "90m" (units ns, us, ms, s, m, h; there is no "d")`,
    );
  });

  test.each(['20GB', 'lots', '0'])('GIVEN storage size %j THEN it asks for a positive quantity', (storageSize) => {
    expect(() => synthEnv((chart) => fullStack(chart, { traces: inCluster({ storageSize }) }))).toThrow(
      `development/observability: traces.storageSize: got "${storageSize}"; must be a positive Kubernetes quantity such as "20Gi"`,
    );
  });

  test('GIVEN Go durations with fractions and several units THEN they are accepted', () => {
    for (const retention of ['1h30m', '2.5h', '90m']) {
      expect(() => synthEnv((chart) => fullStack(chart, { traces: inCluster({ retention }) }))).not.toThrow();
    }
  });
});
