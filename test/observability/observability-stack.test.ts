import * as yaml from 'js-yaml';
import { ApiObject, App } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { ConnectionGraph, EnvironmentChart, MonitoringMode, Plan, synthesizeToJson, TenantNamespace } from '../../src';
import { evaluatePolicies } from '../../src/policy';
import { selectorLabels } from '../../src/core/labels';
import { parseQuantity } from '../../src/core/quantity';
import { Receiver } from '../../src/observability/alertmanager-config';
import { LogBackend } from '../../src/observability/backends';
import { checksum, NetworkPeer } from '../../src/observability/common';
import { PSS_EXEMPTION_REASON } from '../../src/observability/fluent-bit';
import { otelCollectorRef, otlpEnvironment } from '../../src/observability/otel-collector';
import { ObservabilityStack } from '../../src/observability/observability-stack';
import { development, production, synthEnv, testProfile } from '../helpers';
import { alerting, fullStack, registerDatastore, registerService } from './helpers';

const operatorProfile = testProfile({ name: 'development', monitoring: { ...development.monitoring, mode: MonitoringMode.operator() } });

function configOf(env: ReturnType<typeof synthEnv>, cm: string, key: string): any {
  return yaml.load(env.find('ConfigMap', cm, 'monitoring').data[key]);
}

function allRules(env: ReturnType<typeof synthEnv>): any[] {
  const data = env.find('ConfigMap', 'prometheus-rules', 'monitoring').data as Record<string, string>;
  return Object.values(data).flatMap((text) => (yaml.load(text) as any).groups.flatMap((g: any) => g.rules));
}

function podSpecs(env: ReturnType<typeof synthEnv>) {
  return env.docs.filter((d) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(d.kind)).map((d) => ({ doc: d, spec: d.spec.template.spec }));
}

/** What the pods of `ns` can take from its quota at once: every replica, the surge of rolling Deployments, every claim. */
function namespaceDemand(env: ReturnType<typeof synthEnv>, ns: string) {
  const out = { pods: 0, claims: 0, storage: 0, requestsCpu: 0, requestsMemory: 0, limitsMemory: 0 };
  for (const { doc, spec } of podSpecs(env).filter((p) => p.doc.metadata.namespace === ns)) {
    const replicas = doc.spec.replicas ?? 1;
    const surge = doc.kind === 'Deployment' && doc.spec.strategy?.type !== 'Recreate' ? Math.ceil(replicas / 4) : 0;
    const pods = replicas + surge;
    out.pods += pods;
    for (const c of spec.containers) {
      out.requestsCpu += pods * parseQuantity(c.resources.requests.cpu)!;
      out.requestsMemory += pods * parseQuantity(c.resources.requests.memory)!;
      out.limitsMemory += pods * parseQuantity(c.resources.limits.memory)!;
    }
    for (const t of doc.spec.volumeClaimTemplates ?? []) {
      out.claims += replicas;
      out.storage += replicas * parseQuantity(t.spec.resources.requests.storage)!;
    }
  }
  return out;
}

/** Containers of `ns` outside its LimitRange's min/max or maxLimitRequestRatio. */
function limitRangeProblems(env: ReturnType<typeof synthEnv>, ns: string): string[] {
  const item = env.find('LimitRange', 'limit-range', ns).spec.limits.find((l: any) => l.type === 'Container');
  const out: string[] = [];
  for (const { doc, spec } of podSpecs(env).filter((p) => p.doc.metadata.namespace === ns)) {
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const r of ['cpu', 'memory']) {
        const request = c.resources?.requests?.[r] ?? item.defaultRequest?.[r] ?? c.resources?.limits?.[r] ?? item.default?.[r];
        const limit = c.resources?.limits?.[r] ?? item.default?.[r];
        const at = `${doc.metadata.name}/${c.name} ${r}`;
        if (item.min?.[r] !== undefined && parseQuantity(request)! < parseQuantity(item.min[r])!) out.push(`${at}: request below min`);
        if (item.max?.[r] !== undefined && (limit === undefined || parseQuantity(limit)! > parseQuantity(item.max[r])!)) out.push(`${at}: limit above max`);
        if (
          item.maxLimitRequestRatio?.[r] !== undefined &&
          limit !== undefined &&
          parseQuantity(limit)! / parseQuantity(request)! > parseQuantity(item.maxLimitRequestRatio[r])!
        )
          out.push(`${at}: ratio`);
      }
    }
  }
  return out;
}

describe('ObservabilityStack, standalone mode (production)', () => {
  const env = synthEnv((chart) => {
    fullStack(chart);
    registerService(chart, 'api-gateway');
  }, production);

  test('GIVEN production WHEN synthesized THEN Prometheus is an HA StatefulSet with a PVC sized from the retention size', () => {
    const sts = env.find('StatefulSet', 'prometheus', 'monitoring');
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'gp3-encrypted',
      resources: { requests: { storage: '54Gi' } },
    });
    const c = sts.spec.template.spec.containers[0];
    expect(c.args).toContain('--storage.tsdb.retention.time=15d');
    expect(c.args).toContain('--storage.tsdb.retention.size=45GB');
    expect(c.readinessProbe.httpGet.path).toBe('/-/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/-/healthy');
    expect(c.resources.limits.memory).toBe('2Gi');
    expect(sts.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(sts.spec.template.spec.serviceAccountName).toBe('prometheus');
    expect(env.find('PodDisruptionBudget', 'prometheus', 'monitoring').spec.minAvailable).toBe(1);
  });

  test('GIVEN the Prometheus ClusterRole THEN it only reads what service discovery needs', () => {
    expect(env.find('ClusterRole', 'monitoring-prometheus').rules).toEqual([
      { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
    expect(env.find('ClusterRoleBinding', 'monitoring-prometheus').subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' }]);
  });

  test('GIVEN a registered service THEN prometheus.yml has kubernetes_sd jobs and a job for the service with its labels', () => {
    const cfg = configOf(env, 'prometheus-config', 'prometheus.yml');
    expect(cfg.global).toEqual({
      scrape_interval: '15s',
      evaluation_interval: '15s',
      external_labels: { cluster: 'prod-eu-west-1', environment: 'production' },
    });
    expect(cfg.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    expect(cfg.alerting.alertmanagers[0].static_configs[0].targets).toEqual([0, 1, 2].map((i) => `alertmanager-${i}.alertmanager-cluster.monitoring.svc:9093`));
    const jobs = Object.fromEntries(cfg.scrape_configs.map((j: any) => [j.job_name, j]));
    expect(jobs['kubernetes-pods'].kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
    expect(jobs['kubernetes-service-endpoints'].kubernetes_sd_configs).toEqual([{ role: 'endpoints' }]);
    expect(jobs['kubernetes-cadvisor'].metrics_path).toBe('/metrics/cadvisor');
    expect(jobs['kubernetes-nodes'].kubernetes_sd_configs).toEqual([{ role: 'node' }]);
    const job = jobs['backend/api-gateway'];
    expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['backend'] } }]);
    expect(job.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], regex: 'api-gateway', action: 'keep' });
    expect(job.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'http', action: 'keep' });
    expect(job.relabel_configs).toContainEqual({ target_label: 'service', replacement: 'api-gateway' });
    expect(job.relabel_configs).toContainEqual({ target_label: 'team', replacement: 'backend' });
    // Rollout analyses select the new version's series by the ReplicaSet hash the pods carry.
    expect(job.relabel_configs).toContainEqual({
      source_labels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'],
      target_label: 'rollouts_pod_template_hash',
    });
    // Registered workloads also carry prometheus.io annotations: the annotation job must not scrape them again.
    expect(jobs['kubernetes-pods'].relabel_configs).toContainEqual(
      expect.objectContaining({ action: 'drop', regex: expect.stringContaining('backend;api-gateway') }),
    );
  });

  test('GIVEN a registered HTTP service THEN its rules carry the seeds thresholds and every alert has severity, summary, description and runbook', () => {
    const rules = allRules(env);
    const byName = (service: string, alert: string) => rules.find((r) => r.alert === alert && r.labels.service === service);
    expect(byName('api-gateway', 'HttpErrorRateHigh').expr).toBe(
      'sum(rate(http_requests_total{namespace="backend", service="api-gateway", status=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="backend", service="api-gateway"}[5m])) > 0.01',
    );
    expect(byName('api-gateway', 'HttpLatencyP95High').expr).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="backend", service="api-gateway"}[5m]))) > 0.5',
    );
    expect(byName('api-gateway', 'ContainerCpuHigh').expr).toMatch(/> 0\.8$/);
    expect(byName('api-gateway', 'ContainerMemoryHigh').expr).toMatch(/> 0\.8$/);
    const fast = byName('api-gateway', 'SloErrorBudgetBurnFast');
    expect(fast.labels).toEqual({ severity: 'critical', namespace: 'backend', service: 'api-gateway', team: 'backend' });
    expect(fast.expr).toContain('namespace_service:http_requests_errors:ratio_rate1h{namespace="backend", service="api-gateway"} > 0.0144');
    expect(fast.expr).toContain('namespace_service:http_requests_errors:ratio_rate30m{namespace="backend", service="api-gateway"} > 0.006');
    expect(byName('api-gateway', 'SloErrorBudgetBurnSlow').expr).toContain('ratio_rate3d{namespace="backend", service="api-gateway"} > 0.001');
    for (const r of rules.filter((x) => x.alert)) {
      expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
      expect(r.annotations.summary).toBeTruthy();
      expect(r.annotations.description).toBeTruthy();
      expect(r.annotations.runbook_url).toMatch(/^https:\/\/runbooks\.example\.com\/platform\/[a-z0-9-]+$/);
    }
    const recording = (yaml.load(env.find('ConfigMap', 'prometheus-rules', 'monitoring').data['platform-slo.rules.yml']) as any).groups[0].rules;
    expect(recording.map((r: any) => r.record)).toContain('namespace_service:http_requests_errors:ratio_rate3d');
  });

  test('GIVEN receivers and routes THEN alertmanager.yml routes by severity and team, inhibits warnings, reads credentials from files', () => {
    const cfg = configOf(env, 'alertmanager-config', 'alertmanager.yml');
    expect(cfg.route).toEqual({
      receiver: 'ops-email',
      group_by: ['alertname', 'namespace', 'service'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'ops-pager', matchers: ['severity="critical"'], continue: true },
        { receiver: 'backend-slack', matchers: ['team="backend"'] },
      ],
    });
    expect(cfg.inhibit_rules).toEqual([{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['namespace', 'service'] }]);
    const receivers = Object.fromEntries(cfg.receivers.map((r: any) => [r.name, r]));
    expect(receivers['ops-email'].email_configs[0].auth_password_file).toBe('/etc/alertmanager/secrets/email-ops-email-password');
    expect(receivers['backend-slack'].slack_configs[0].api_url_file).toBe('/etc/alertmanager/secrets/slack-backend-slack-api-url');
    expect(receivers['ops-pager'].pagerduty_configs[0].routing_key_file).toBe('/etc/alertmanager/secrets/pagerduty-ops-pager-routing-key');
    const es = env.find('ExternalSecret', 'alertmanager-credentials', 'monitoring');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault-production' });
    expect(es.spec.data.map((d: any) => d.secretKey)).toEqual(['email-ops-email-password', 'slack-backend-slack-api-url', 'pagerduty-ops-pager-routing-key']);
    expect(es.spec.data[0].remoteRef).toEqual({ key: 'monitoring/alertmanager', property: 'email-ops-email-password' });
    expect(env.docs.filter((d) => d.kind === 'Secret')).toEqual([]);
  });

  test('GIVEN high availability THEN Alertmanager is a 3-replica gossip cluster with a PDB', () => {
    const sts = env.find('StatefulSet', 'alertmanager', 'monitoring');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.template.spec.containers[0].args).toEqual(
      expect.arrayContaining(['--cluster.listen-address=0.0.0.0:9094', '--cluster.peer=alertmanager-2.alertmanager-cluster.monitoring.svc:9094']),
    );
    expect(env.find('Service', 'alertmanager-cluster', 'monitoring').spec.publishNotReadyAddresses).toBe(true);
    expect(env.find('PodDisruptionBudget', 'alertmanager', 'monitoring').spec.maxUnavailable).toBe(1);
  });

  test('GIVEN logs and traces backends THEN Grafana provisions Prometheus, Elasticsearch and Jaeger datasources and admin credentials from an ExternalSecret', () => {
    const ds = (configOf(env, 'grafana-datasources', 'datasources.yaml') as any).datasources;
    expect(ds.map((d: any) => [d.uid, d.type, d.url])).toEqual([
      ['prometheus', 'prometheus', 'http://prometheus.monitoring.svc:9090'],
      ['logs', 'elasticsearch', 'https://elasticsearch.logging-store.svc:9200'],
      ['jaeger', 'jaeger', 'http://jaeger-query.tracing.svc:16686'],
    ]);
    const env0 = env.find('Deployment', 'grafana', 'monitoring').spec.template.spec.containers[0].env;
    expect(env0).toContainEqual({ name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } } });
    expect(env.find('ExternalSecret', 'grafana-admin', 'monitoring').spec.data.map((d: any) => d.remoteRef)).toEqual([
      { key: 'monitoring/grafana', property: 'admin-user' },
      { key: 'monitoring/grafana', property: 'admin-password' },
    ]);
  });

  test('GIVEN a registered service THEN the overview dashboard has the seeds queries and the service gets its own dashboard', () => {
    const data = env.find('ConfigMap', 'grafana-dashboards', 'monitoring').data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['backend-api-gateway.json', 'platform-overview.json']);
    const overview = JSON.parse(data['platform-overview.json']!);
    expect(overview.panels.map((p: any) => p.targets[0].expr)).toEqual([
      'sum(rate(http_requests_total[5m])) by (service)',
      'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le, service))',
      'sum(rate(http_requests_total{status=~"5.."}[5m])) by (service) / sum(rate(http_requests_total[5m])) by (service)',
    ]);
    const svc = JSON.parse(data['backend-api-gateway.json']!);
    expect(svc.title).toBe('backend / api-gateway');
    expect(svc.panels.map((p: any) => p.title)).toEqual(['Request Rate', 'Response Time (p95)', 'Error Rate', 'Targets Up', 'CPU Usage', 'Memory Working Set']);
  });

  test('GIVEN Elasticsearch logs THEN Fluent Bit runs in a namespace exempted from PSS restricted with a reason, everything else is restricted', () => {
    const ns = env.find('Namespace', 'logging');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns.metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(ns.metadata.annotations['platform.io/pss-exemption-reason']).toMatch(
      /^Fluent Bit reads container logs from the node through read-only hostPath volumes/,
    );
    expect(env.find('Namespace', 'monitoring').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const ds = env.find('DaemonSet', 'fluent-bit', 'logging');
    expect(ds.spec.template.spec.volumes).toContainEqual({ name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } });
    expect(ds.spec.template.spec.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const conf = env.find('ConfigMap', 'fluent-bit-config', 'logging').data['fluent-bit.conf'];
    expect(conf).toContain('Path             /var/log/containers/*.log');
    expect(conf).toContain('Name                kubernetes');
    expect(conf).toMatch(/^ {4}Name +es$/m);
    expect(conf).toMatch(/^ {4}HTTP_Passwd +\$\{ES_PASSWORD\}$/m);
    expect(env.find('ExternalSecret', 'fluent-bit-credentials', 'logging').spec.data[0].remoteRef).toEqual({
      key: 'monitoring/elasticsearch',
      property: 'password',
    });
    for (const { doc, spec } of podSpecs(env)) {
      if (doc.metadata.namespace === 'logging') continue;
      expect(spec.securityContext.runAsNonRoot, doc.metadata.name).toBe(true);
      expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      for (const c of spec.containers) {
        expect(c.securityContext, `${doc.metadata.name}/${c.name}`).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources.requests.cpu).toBeTruthy();
        expect(c.resources.limits.memory).toBeTruthy();
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
      }
    }
  });

  test('GIVEN every component THEN each pod is selected by a NetworkPolicy of its own and both namespaces deny by default', () => {
    const policies = env.all('NetworkPolicy');
    expect(
      policies
        .filter((p) => p.metadata.name === 'default-deny-all')
        .map((p) => p.metadata.namespace)
        .sort(),
    ).toEqual(['logging', 'monitoring']);
    for (const ns of ['logging', 'monitoring']) {
      expect(env.find('NetworkPolicy', 'default-deny-all', ns).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      expect(env.find('NetworkPolicy', 'allow-dns', ns).spec.policyTypes).toEqual(['Egress']);
    }
    for (const { doc } of podSpecs(env)) {
      const own = policies.find((p) => p.metadata.namespace === doc.metadata.namespace && p.metadata.name === doc.metadata.name);
      expect(own?.spec.podSelector.matchLabels, doc.metadata.name).toEqual(doc.spec.selector.matchLabels);
    }
  });

  test('GIVEN the stack THEN monitoring and logging are platform namespaces with the platform plan, logging exempt with its reason', () => {
    const mon = env.find('Namespace', 'monitoring');
    expect(mon.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'platform.io/plan': 'platform',
      'platform.io/concern': 'monitoring',
      'platform.io/environment': 'production',
      'app.kubernetes.io/part-of': 'platform',
    });
    expect(mon.metadata.annotations?.['platform.io/pss-exemption-reason']).toBeUndefined();
    const logging = env.find('Namespace', 'logging');
    expect(logging.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'platform.io/plan': 'platform',
      'platform.io/concern': 'logging',
    });
    expect(logging.metadata.annotations['platform.io/pss-exemption-reason']).toBe(PSS_EXEMPTION_REASON);
    for (const ns of ['logging', 'monitoring']) {
      expect(env.find('ResourceQuota', 'resource-quota', ns).spec.hard).toMatchObject({
        'requests.cpu': '32',
        'requests.memory': '128Gi',
        'limits.memory': '256Gi',
        persistentvolumeclaims: 100,
      });
      expect(env.find('LimitRange', 'limit-range', ns).spec.limits[0]).toMatchObject({
        type: 'Container',
        defaultRequest: { cpu: '100m', memory: '128Mi' },
        default: { memory: '512Mi' },
      });
    }
  });

  test('GIVEN HA production THEN the monitoring quota admits every pod (with surge) and claim, and every container satisfies the LimitRange', () => {
    const hard = env.find('ResourceQuota', 'resource-quota', 'monitoring').spec.hard;
    const demand = namespaceDemand(env, 'monitoring');
    expect(demand.pods).toBe(2 + 3 + 1 + 3); // Prometheus, Alertmanager, Grafana, collector (2 + 1 surge)
    expect(demand.claims).toBe(2);
    expect(demand.pods).toBeLessThanOrEqual(Number(hard.pods));
    expect(demand.claims).toBeLessThanOrEqual(Number(hard.persistentvolumeclaims));
    expect(demand.storage).toBeLessThanOrEqual(parseQuantity(hard['requests.storage'])!);
    expect(demand.requestsCpu).toBeLessThanOrEqual(parseQuantity(hard['requests.cpu'])!);
    expect(demand.requestsMemory).toBeLessThanOrEqual(parseQuantity(hard['requests.memory'])!);
    expect(demand.limitsMemory).toBeLessThanOrEqual(parseQuantity(hard['limits.memory'])!);
    for (const ns of ['monitoring', 'logging']) expect(limitRangeProblems(env, ns)).toEqual([]);
  });

  test('GIVEN Grafana and Prometheus THEN only Grafana (and Prometheus replicas, scraping each other) may query Prometheus and Prometheus may reach Alertmanager', () => {
    const prom = env.find('NetworkPolicy', 'prometheus', 'monitoring');
    expect(prom.spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: selectorLabels('grafana') } },
        ],
        ports: [{ protocol: 'TCP', port: 9090 }],
      },
      {
        // Issue 11: the `monitoring/prometheus` job scrapes every replica; the proof found it blocked.
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 9090 }],
      },
    ]);
    expect(prom.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 10250 }] });
    const am = env.find('NetworkPolicy', 'alertmanager', 'monitoring');
    expect(am.spec.ingress[0].from[0].podSelector.matchLabels).toEqual(selectorLabels('prometheus'));
    const fb = env.find('NetworkPolicy', 'fluent-bit', 'logging');
    expect(fb.spec.egress).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'logging-store' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'elasticsearch' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 9200 }],
    });
  });

  test('GIVEN traces THEN the OpenTelemetry Collector receives OTLP, adds Kubernetes attributes and exports to Jaeger', () => {
    const cfg = configOf(env, 'otel-collector-config', 'config.yaml');
    expect(cfg.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    expect(cfg.service.pipelines.traces).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'k8sattributes', 'batch'], exporters: ['otlp/jaeger'] });
    expect(cfg.exporters['otlp/jaeger']).toEqual({ endpoint: 'jaeger-collector.tracing.svc:4317', tls: { insecure: true } });
    expect(env.find('Deployment', 'otel-collector', 'monitoring').spec.replicas).toBe(2);
    expect(env.find('Service', 'otel-collector', 'monitoring').spec.ports.map((p: any) => p.port)).toEqual([4317, 4318]);
    expect(env.find('PodDisruptionBudget', 'otel-collector', 'monitoring').spec.minAvailable).toBe(1);
  });

  test('GIVEN the stack THEN Grafana and Alertmanager run as ServiceAccounts of their own, without a token, and no pod uses "default"', () => {
    for (const [kind, name, component] of [
      ['Deployment', 'grafana', 'dashboards'],
      ['StatefulSet', 'alertmanager', 'alerting'],
    ] as const) {
      const spec = env.find(kind, name, 'monitoring').spec.template.spec;
      expect(spec.serviceAccountName).toBe(name);
      expect(spec.automountServiceAccountToken).toBe(false);
      const sa = env.find('ServiceAccount', name, 'monitoring');
      expect(sa.automountServiceAccountToken).toBe(false);
      expect(sa.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': name,
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/component': component,
      });
      expect(sa.metadata.labels).toEqual(env.find(kind, name, 'monitoring').metadata.labels);
    }
    expect(
      podSpecs(env)
        .filter((p) => [undefined, 'default'].includes(p.spec.serviceAccountName))
        .map((p) => `${p.doc.kind}/${p.doc.metadata.name}`),
    ).toEqual([]);
  });

  test('snapshot', () => {
    expect(env.docs).toMatchSnapshot();
  });
});

describe('ObservabilityStack, development and ordering', () => {
  test('GIVEN development THEN every component runs once, without PDBs and without Alertmanager clustering', () => {
    const env = synthEnv((chart) => fullStack(chart));
    expect(env.find('StatefulSet', 'prometheus', 'monitoring').spec.replicas).toBe(1);
    const am = env.find('StatefulSet', 'alertmanager', 'monitoring');
    expect(am.spec.replicas).toBe(1);
    expect(am.spec.template.spec.containers[0].args).toContain('--cluster.listen-address=');
    // No gossip peers: neither the container nor the cluster Service has a cluster port (nothing targets an undeclared port).
    expect(am.spec.template.spec.containers[0].ports).toEqual([{ name: 'web', containerPort: 9093 }]);
    expect(env.find('Service', 'alertmanager-cluster', 'monitoring').spec.ports).toEqual([{ name: 'web', port: 9093, targetPort: 'web' }]);
    expect(env.all('PodDisruptionBudget')).toEqual([]);
    expect(env.find('StatefulSet', 'prometheus', 'monitoring').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('6Gi');
  });

  test('GIVEN services registered before and after the stack THEN both are scraped, alerted on and get dashboards', () => {
    const env = synthEnv((chart) => {
      registerService(chart, 'early');
      fullStack(chart);
      registerService(chart, 'late');
    });
    const jobs = configOf(env, 'prometheus-config', 'prometheus.yml').scrape_configs.map((j: any) => j.job_name);
    expect(jobs).toEqual(expect.arrayContaining(['backend/early', 'backend/late']));
    expect(Object.keys(env.find('ConfigMap', 'prometheus-rules', 'monitoring').data)).toEqual(
      expect.arrayContaining(['backend.early.rules.yml', 'backend.late.rules.yml']),
    );
    expect(Object.keys(env.find('ConfigMap', 'grafana-dashboards', 'monitoring').data)).toEqual(
      expect.arrayContaining(['backend-early.json', 'backend-late.json']),
    );
  });

  test('GIVEN two environments whose stacks render the same service WHEN their thresholds differ THEN each rule file has its own thresholds, and equal groups give the same text', () => {
    const rulesOf = (errorRatePercent: number) =>
      synthEnv((chart) => {
        registerService(chart, 'api');
        fullStack(chart, { thresholds: { errorRatePercent } });
      }).find('ConfigMap', 'prometheus-rules', 'monitoring').data['backend.api.rules.yml'] as string;
    const one = rulesOf(1);
    const five = rulesOf(5);
    // Rendered once per process and shared between stacks (observability-stack.ts, ruleGroupYaml): the second stack
    // with other thresholds must not get the first one's text.
    expect(one).toContain('> 0.01\n');
    expect(five).toContain('> 0.05\n');
    expect(five).not.toContain('> 0.01\n');
    expect(rulesOf(1)).toBe(one);
  });

  test('GIVEN the rule files, dashboards and the pod checksum read once WHEN a service registers afterwards THEN synth writes files and a checksum that include it', () => {
    let early: { rules: string[]; dashboards: string[] } | undefined;
    const env = synthEnv((chart) => {
      registerService(chart, 'early');
      const stack = fullStack(chart);
      early = { rules: Object.keys(stack.ruleFiles()), dashboards: Object.keys(stack.dashboards()) };
      // What a reader of the first result does to its copy does not reach the next reader.
      const copy = stack.ruleFiles();
      delete copy['backend.early.rules.yml'];
      expect(Object.keys(stack.ruleFiles())).toContain('backend.early.rules.yml');
      registerService(chart, 'late');
    });
    expect(early!.rules).toContain('backend.early.rules.yml');
    expect(early!.rules).not.toContain('backend.late.rules.yml');
    expect(early!.dashboards).not.toContain('backend-late.json');
    const rules = env.find('ConfigMap', 'prometheus-rules', 'monitoring').data as Record<string, string>;
    expect(Object.keys(rules)).toEqual(expect.arrayContaining(['backend.early.rules.yml', 'backend.late.rules.yml']));
    expect(Object.keys(env.find('ConfigMap', 'grafana-dashboards', 'monitoring').data)).toEqual(
      expect.arrayContaining(['backend-early.json', 'backend-late.json']),
    );
    // The checksum is that of the files written, not of the files read before the last registration.
    const config = env.find('ConfigMap', 'prometheus-config', 'monitoring').data['prometheus.yml'] as string;
    const annotation = env.find('StatefulSet', 'prometheus', 'monitoring').spec.template.metadata.annotations['checksum/config'];
    expect(annotation).toBe(checksum(config + JSON.stringify(rules)));
  });

  test('GIVEN a service with its own error-rate and latency alerts THEN the platform does not add duplicates', () => {
    const own = (alert: string, expr: string) => ({
      alert,
      expr,
      for: '5m',
      severity: 'critical' as const,
      summary: 's',
      description: 'd',
      runbookUrl: 'https://r.example.com/x',
    });
    const env = synthEnv((chart) => {
      fullStack(chart);
      registerService(chart, 'billing', 'payments', {
        rules: [
          own('ServiceHighErrorRate', 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05'),
          own('ServiceHighLatency', 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.3'),
        ],
      });
    });
    const alerts = allRules(env)
      .filter((r) => r.labels?.service === 'billing')
      .map((r) => r.alert);
    expect(alerts).toEqual([
      'ServiceHighErrorRate',
      'ServiceHighLatency',
      'MetricsTargetDown',
      'ContainerCpuHigh',
      'ContainerMemoryHigh',
      'SloErrorBudgetBurnFast',
      'SloErrorBudgetBurnSlow',
    ]);
  });

  test('GIVEN extra dashboard panels for a registered service THEN they are appended to its dashboard', () => {
    const env = synthEnv((chart) => {
      fullStack(chart, {
        serviceDashboards: [{ service: 'api-gateway', panels: [{ title: 'Invoices created', expr: 'sum(rate(invoices_created_total[5m]))' }] }],
      });
      registerService(chart, 'api-gateway');
    });
    const d = JSON.parse(env.find('ConfigMap', 'grafana-dashboards', 'monitoring').data['backend-api-gateway.json']);
    expect(d.panels[d.panels.length - 1].targets[0].expr).toBe('sum(rate(invoices_created_total[5m]))');
  });

  test('GIVEN a service connected to the collector THEN it gets the OTLP environment and the collector admits it', () => {
    let envVars: { name: string; value: string }[] = [];
    const env = synthEnv((chart) => {
      const stack = fullStack(chart);
      expect(stack.otlpEndpoint).toBe('http://otel-collector.monitoring.svc:4317');
      const client = { workloadName: 'api', namespace: 'backend', podSelector: selectorLabels('api'), clientPorts: [], node: chart.node } as any;
      ConnectionGraph.of(chart).register(client);
      ConnectionGraph.of(chart).connect(client, otelCollectorRef(chart), ['otlp-grpc']);
      envVars = otlpEnvironment(chart, 'api', 'backend');
    });
    expect(envVars).toEqual([
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.monitoring.svc:4317' },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' },
      { name: 'OTEL_SERVICE_NAME', value: 'api' },
      { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'deployment.environment=development,service.namespace=backend' },
    ]);
    expect(env.find('NetworkPolicy', 'otel-collector', 'monitoring').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'backend' } }, podSelector: { matchLabels: selectorLabels('api') } }],
      ports: [{ protocol: 'TCP', port: 4317 }],
    });
  });

  test('GIVEN tenants declared after the stack THEN Prometheus reaches tenant namespaces only on the metrics ports they admit', () => {
    // GIVEN the stack, then two tenants, one of them exposing an extra metrics port
    const tenant = (chart: EnvironmentChart, id: string, metricsPorts?: (string | number)[]) =>
      new TenantNamespace(chart, id, {
        tenant: id,
        plan: Plan.free(),
        owners: { admin: [`${id}-admins`] },
        sourceRepos: [`https://github.com/${id}/deploy.git`],
        metricsPorts,
      });
    const env = synthEnv((chart) => {
      fullStack(chart);
      tenant(chart, 'acme');
      tenant(chart, 'globex', ['metrics', 9102]);
    });
    // THEN platform namespaces stay reachable for annotation scraping, tenants only on the union of their metrics ports
    const egress = env.find('NetworkPolicy', 'prometheus', 'monitoring').spec.egress;
    expect(egress).toContainEqual({ to: [{ namespaceSelector: { matchExpressions: [{ key: 'platform.io/tenant', operator: 'DoesNotExist' }] } }] });
    expect(egress).toContainEqual({
      to: [{ namespaceSelector: { matchExpressions: [{ key: 'platform.io/tenant', operator: 'Exists' }] } }],
      ports: [
        { protocol: 'TCP', port: 9102 },
        { protocol: 'TCP', port: 'metrics' },
      ],
    });
    expect(egress.filter((r: any) => r.to?.some((p: any) => p.namespaceSelector && Object.keys(p.namespaceSelector).length === 0))).toEqual([]);
    // AND the tenant admits exactly what Prometheus may send
    expect(env.find('NetworkPolicy', 'allow-monitoring-scrape', 'tenant-globex').spec.ingress[0].ports).toEqual([
      { protocol: 'TCP', port: 'metrics' },
      { protocol: 'TCP', port: 9102 },
    ]);
  });

  test('GIVEN no tenants THEN Prometheus egress to tenant namespaces is limited to the default metrics port', () => {
    const egress = synthEnv((chart) => fullStack(chart)).find('NetworkPolicy', 'prometheus', 'monitoring').spec.egress;
    expect(egress).toContainEqual({
      to: [{ namespaceSelector: { matchExpressions: [{ key: 'platform.io/tenant', operator: 'Exists' }] } }],
      ports: [{ protocol: 'TCP', port: 'metrics' }],
    });
  });

  test('GIVEN a Loki backend THEN Fluent Bit ships to Loki without credentials and Grafana gets a Loki datasource', () => {
    const env = synthEnv((chart) => fullStack(chart, { logs: LogBackend.loki({ host: 'loki.logging-store.svc', peer: NetworkPeer.cidrs(['10.20.0.0/16']) }) }));
    expect(env.find('ConfigMap', 'fluent-bit-config', 'logging').data['fluent-bit.conf']).toMatch(/^ {4}Name +loki$/m);
    expect(env.all('ExternalSecret').map((e) => e.metadata.name)).not.toContain('fluent-bit-credentials');
    const ds = (configOf(env, 'grafana-datasources', 'datasources.yaml') as any).datasources;
    expect(ds[1]).toMatchObject({ uid: 'logs', type: 'loki', url: 'http://loki.logging-store.svc:3100' });
  });
});

describe('ObservabilityStack, operator mode', () => {
  const build = (withOwn: boolean) =>
    synthEnv((chart) => {
      fullStack(chart);
      registerService(chart, 'api-gateway');
      registerDatastore(chart, 'orders-db', [
        {
          alert: 'PostgresqlDown',
          expr: 'pg_up == 0',
          for: '1m',
          severity: 'critical',
          summary: 's',
          description: 'd',
          runbookUrl: 'https://r.example.com/pg',
        },
      ]);
      if (withOwn) {
        for (const kind of ['ServiceMonitor', 'PrometheusRule']) {
          new ApiObject(chart, `own-${kind}`, {
            apiVersion: 'monitoring.coreos.com/v1',
            kind,
            metadata: { name: 'api-gateway', namespace: 'backend' },
            spec: kind === 'ServiceMonitor' ? { selector: { matchLabels: selectorLabels('api-gateway') }, endpoints: [{ port: 'http' }] } : { groups: [] },
          });
        }
      }
    }, operatorProfile);

  test('GIVEN operator mode THEN no Prometheus, Alertmanager or Grafana is deployed and registrations become monitors and rules', () => {
    const env = build(false);
    expect(env.all('StatefulSet')).toEqual([]);
    expect(env.all('Namespace').map((n) => n.metadata.name)).toEqual(['logging']);
    const sm = env.find('ServiceMonitor', 'api-gateway', 'backend');
    expect(sm.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(sm.spec.endpoints[0]).toEqual({
      port: 'http',
      path: '/metrics',
      interval: '30s',
      relabelings: [
        { action: 'replace', targetLabel: 'service', replacement: 'api-gateway' },
        { action: 'replace', targetLabel: 'team', replacement: 'backend' },
      ],
    });
    expect(env.find('PodMonitor', 'orders-db', 'data').spec.podMetricsEndpoints[0].port).toBe('metrics');
    expect(env.find('PodMonitor', 'fluent-bit', 'logging').spec.selector.matchLabels).toEqual(selectorLabels('fluent-bit'));
    expect(env.find('PodMonitor', 'otel-collector', 'monitoring').spec.podMetricsEndpoints[0].port).toBe('metrics');
    const rules = env.find('PrometheusRule', 'orders-db', 'data').spec.groups[0].rules.map((r: any) => r.alert);
    expect(rules).toEqual(['PostgresqlDown', 'MetricsTargetDown', 'ContainerCpuHigh', 'ContainerMemoryHigh']);
    expect(env.find('PrometheusRule', 'platform-slo', 'monitoring').spec.groups[0].rules.length).toBe(7);
    const dashboards = env.find('ConfigMap', 'grafana-dashboards', 'monitoring');
    expect(dashboards.metadata.labels.grafana_dashboard).toBe('1');
  });

  test('GIVEN a workload that emits its own ServiceMonitor and PrometheusRule THEN the stack adds only the platform rules beside them', () => {
    const env = build(true);
    expect(env.all('ServiceMonitor').filter((m) => m.metadata.name === 'api-gateway')).toHaveLength(1);
    const platform = env.find('PrometheusRule', 'api-gateway-platform', 'backend');
    expect(platform.spec.groups[0].name).toBe('backend/api-gateway/platform');
    expect(platform.spec.groups[0].rules.map((r: any) => r.alert)).toContain('SloErrorBudgetBurnFast');
  });

  test('snapshot', () => {
    expect(build(false).docs).toMatchSnapshot();
  });
});

describe('ObservabilityStack, namespaces and policy gate', () => {
  test('GIVEN createNamespace false in standalone mode THEN only the logging namespace and its guard rails are emitted', () => {
    const env = synthEnv((chart) => fullStack(chart, { createNamespace: false }), production);
    expect(env.all('Namespace').map((n) => n.metadata.name)).toEqual(['logging']);
    expect(env.all('ResourceQuota').map((q) => q.metadata.namespace)).toEqual(['logging']);
  });

  test('GIVEN createNamespace true in operator mode THEN the monitoring namespace is a platform namespace too', () => {
    const env = synthEnv((chart) => fullStack(chart, { createNamespace: true }), operatorProfile);
    expect(
      env
        .all('Namespace')
        .map((n) => n.metadata.name)
        .sort(),
    ).toEqual(['logging', 'monitoring']);
    expect(env.find('LimitRange', 'limit-range', 'monitoring').metadata.namespace).toBe('monitoring');
  });

  test('GIVEN Prometheus volumes larger than the platform plan allows THEN the monitoring quota is raised to fit them, and only that entry', () => {
    const env = synthEnv((chart) => fullStack(chart, { storageSize: '3Ti' }), production);
    const hard = env.find('ResourceQuota', 'resource-quota', 'monitoring').spec.hard;
    expect(hard['requests.storage']).toBe('6144Gi');
    expect(hard['requests.cpu']).toBe('32');
    expect(hard.persistentvolumeclaims).toBe(100);
    expect(env.find('ResourceQuota', 'resource-quota', 'logging').spec.hard['requests.storage']).toBe('5Ti');
  });

  test('GIVEN a logging namespace that is not a DNS-1123 label or is the monitoring namespace THEN it fails early', () => {
    const message = (v: string) =>
      `development/observability: loggingNamespace: got "${v}"; must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters), not starting with "tenant-" and not the monitoring namespace "monitoring" (Fluent Bit's namespace is exempt from PSS restricted)`;
    expect(() => synthEnv((chart) => fullStack(chart, { loggingNamespace: 'Logging' }))).toThrow(message('Logging'));
    expect(() => synthEnv((chart) => fullStack(chart, { loggingNamespace: 'monitoring' }))).toThrow(message('monitoring'));
    expect(() => synthEnv((chart) => fullStack(chart, { loggingNamespace: 'tenant-logs' }))).toThrow(message('tenant-logs'));
  });

  test.each([
    ['production (standalone, HA)', production],
    ['development (operator mode)', operatorProfile],
    ['development (standalone)', development],
  ] as const)('GIVEN %s THEN the policy gate finds nothing but image digests', (_name, profile) => {
    const app = new App({ outdir: '.cdk8s.out' });
    const chart = new EnvironmentChart(app, { profile });
    fullStack(chart, profile === operatorProfile ? { createNamespace: true } : {});
    registerService(chart, 'api-gateway');
    const out = synthesizeToJson(app);
    expect(out.problems).toEqual([]);
    expect(
      evaluatePolicies(out.envs[0]!)
        .violations.filter((v) => v.checkId !== 'image-digest')
        .map((v) => v.text),
    ).toEqual([]);
  });
});

describe('ObservabilityStack, input errors', () => {
  test('GIVEN a receiver of an unknown type THEN it names the receiver and the allowed types', () => {
    expect(() =>
      synthEnv((chart) =>
        fullStack(chart, {
          alerting: { ...alerting(), receivers: [...alerting().receivers, Receiver.fromSpec({ name: 'teams', type: 'msteams', options: {} })] },
        }),
      ),
    ).toThrow('development/observability: alerting.receivers[3].type: got "msteams"; must be one of email, slack, pagerduty');
  });

  test('GIVEN a route to a receiver that does not exist THEN it lists the receivers', () => {
    expect(() =>
      synthEnv((chart) =>
        fullStack(chart, {
          alerting: { ...alerting(), routes: [{ receiver: 'payments-pager', matchers: { team: 'payments' } }] },
        }),
      ),
    ).toThrow(
      'development/observability: alerting.routes[0].receiver: got "payments-pager"; no receiver named "payments-pager"; receivers: backend-slack, ops-email, ops-pager',
    );
  });

  test('GIVEN a nested route to a missing receiver THEN the path names the nesting', () => {
    expect(() =>
      synthEnv((chart) =>
        fullStack(chart, {
          alerting: {
            ...alerting(),
            routes: [{ receiver: 'ops-pager', matchers: { team: 'ops' }, routes: [{ receiver: 'nobody', matchers: { severity: 'info' } }] }],
          },
        }),
      ),
    ).toThrow(
      'development/observability: alerting.routes[0].routes[0].receiver: got "nobody"; no receiver named "nobody"; receivers: backend-slack, ops-email, ops-pager',
    );
  });

  test('GIVEN an error-rate threshold out of range THEN it says what is allowed', () => {
    expect(() => synthEnv((chart) => fullStack(chart, { thresholds: { errorRatePercent: 150 } }))).toThrow(
      'development/observability: thresholds.errorRatePercent: got 150; must be a percentage greater than 0 and less than 100',
    );
  });

  test('GIVEN an SLO below 95 % THEN it explains the burn-rate limit', () => {
    expect(() => synthEnv((chart) => fullStack(chart, { thresholds: { sloAvailabilityPercent: 90 } }))).toThrow(
      'development/observability: thresholds.sloAvailabilityPercent: got 90; must be at least 95 and less than 100 (the fastest burn-rate alert fires at 14.4 x the error budget)',
    );
  });

  test('GIVEN a profile retention that is not a duration THEN the profile field is named', () => {
    const profile = testProfile({ monitoring: { ...development.monitoring, retention: '2 days' } });
    expect(() => synthEnv((chart) => fullStack(chart), profile)).toThrow(
      'development/observability: profile.monitoring.retention: got "2 days"; must be a Prometheus duration such as "15d" or "12h"',
    );
  });

  test('GIVEN a retention size in Kubernetes units THEN Prometheus units are asked for', () => {
    expect(() => synthEnv((chart) => fullStack(chart, { retentionSize: '5Gi' }))).toThrow(
      'development/observability: retentionSize: got "5Gi"; must be a Prometheus size such as "512MB" or "45GB" (units B, KB, MB, GB, TB, PB, EB)',
    );
  });

  test('GIVEN a dashboard for a service that does not exist THEN synth fails and lists the registered ones', () => {
    expect(() =>
      synthEnv((chart) => {
        fullStack(chart, { serviceDashboards: [{ service: 'invoicing', panels: [{ title: 'x', expr: 'up' }] }] });
        registerService(chart, 'api-gateway');
      }),
    ).toThrow(
      'development/observability: serviceDashboards[0].service: got "invoicing"; no registered service or datastore has that name; registered: backend/api-gateway',
    );
  });

  test('GIVEN a registered rule without a runbook THEN synth fails naming the rule', () => {
    expect(() =>
      synthEnv((chart) => {
        fullStack(chart);
        registerService(chart, 'api-gateway', 'backend', {
          rules: [{ alert: 'QueueBacklog', expr: 'queue_depth > 100', for: '10m', severity: 'warning', summary: 's', description: 'd', runbookUrl: '' }],
        });
      }),
    ).toThrow(
      'development/observability: rules[backend/api-gateway][0].runbookUrl: got ""; every alert needs a non-empty summary, description, runbook URL and expression',
    );
  });

  test('GIVEN a runbook base that is not a URL THEN it fails early', () => {
    expect(() => synthEnv((chart) => new ObservabilityStack(chart, 'observability', { alerting: alerting(), runbookBaseUrl: 'runbooks' }))).toThrow(
      'development/observability: runbookBaseUrl: got "runbooks"; must be an http(s) URL',
    );
  });

  test('GIVEN the default receiver missing THEN it lists the receivers', () => {
    expect(() => synthEnv((chart) => fullStack(chart, { alerting: { ...alerting(), defaultReceiver: 'oncall' } }))).toThrow(
      'development/observability: alerting.defaultReceiver: got "oncall"; no receiver named "oncall"; receivers: backend-slack, ops-email, ops-pager',
    );
  });
});
