/** Monitoring of a StatefulDatastore: its registration with the engine's and the volume alert rules, monitors in operator mode. */
import { Construct } from 'constructs';
import { PodMonitor, PrometheusRule, PrometheusRuleSpecGroupsRulesExpr, ServiceMonitor } from '../../imports/monitoring.coreos.com';
import { selectorLabels } from '../core/labels';
import { AlertRule, MonitoringRegistry } from '../core/monitoring-registry';
import { StatefulDatastoreProps } from './props';
import { ResolvedDatastore } from './resolve';
import { runbook } from './types';

/** Fraction of free volume space below which the disk alert fires. */
const DISK_FREE_THRESHOLD = 0.1;

/** Registers the exporter and the rules; in operator mode also emits the ServiceMonitor (or PodMonitor) and PrometheusRule. */
export function addMonitoring(scope: Construct, r: ResolvedDatastore, props: StatefulDatastoreProps): void {
  const ctx = r.ctx;
  const def = r.def;
  const metrics = def.metrics;
  if (!metrics) return;
  const sel = `namespace="${ctx.namespace}", pod=~"${ctx.name}(-[a-z]+)?-[0-9]+"`;
  const pvc = `namespace="${ctx.namespace}", persistentvolumeclaim=~"${def.claimPattern?.(ctx) ?? `data-${ctx.name}(-[a-z]+)?-[0-9]+`}"`;
  const routing = { datastore: ctx.name, engine: def.id, ...(props.team ? { team: props.team } : {}) };
  const volumeRule: AlertRule = {
    alert: 'DatastoreVolumeAlmostFull',
    expr: `kubelet_volume_stats_available_bytes{${pvc}} / kubelet_volume_stats_capacity_bytes{${pvc}} < ${DISK_FREE_THRESHOLD}`,
    for: '10m',
    severity: 'warning',
    summary: `${def.displayName} ${ctx.namespace}/${ctx.name}: volume almost full`,
    description: `Volume {{ $labels.persistentvolumeclaim }} has less than ${DISK_FREE_THRESHOLD * 100}% free space; grow it before writes fail.`,
    runbookUrl: runbook('DatastoreVolumeAlmostFull'),
  };
  const rules: AlertRule[] = [...def.rules(ctx, sel), volumeRule].map((x) => ({ ...x, labels: { ...routing, ...x.labels } }));
  // The pods that serve the metrics port (Strimzi: the Kafka exporter, not the brokers).
  const selector = { ...(def.metricsPodSelector?.(ctx) ?? r.podSelector) };
  MonitoringRegistry.of(scope).register({
    name: ctx.name,
    namespace: ctx.namespace,
    kind: 'datastore',
    team: props.team,
    selector,
    metricsPort: { name: metrics.port.name, port: metrics.port.port },
    metricsPath: metrics.path,
    httpMetrics: false,
    rules,
  });
  if (!r.profile.monitoring.mode.usesOperator) return;
  const interval = r.profile.monitoring.scrapeInterval;
  if (def.operatorManaged) {
    new PodMonitor(scope, 'PodMonitor', {
      metadata: { name: ctx.name, namespace: ctx.namespace, labels: r.labels },
      spec: {
        selector: { matchLabels: selector },
        podMetricsEndpoints: [{ port: metrics.port.name, path: metrics.path, interval }],
      },
    });
  } else {
    new ServiceMonitor(scope, 'ServiceMonitor', {
      metadata: { name: ctx.name, namespace: ctx.namespace, labels: r.labels },
      spec: {
        selector: { matchLabels: { ...selectorLabels(ctx.name), 'platform.io/service-role': 'headless' } },
        namespaceSelector: { matchNames: [ctx.namespace] },
        endpoints: [{ port: metrics.port.name, path: metrics.path, interval }],
      },
    });
  }
  new PrometheusRule(scope, 'PrometheusRule', {
    metadata: { name: ctx.name, namespace: ctx.namespace, labels: r.labels },
    spec: {
      groups: [
        {
          name: `${ctx.namespace}.${ctx.name}`,
          rules: rules.map((x) => ({
            alert: x.alert,
            expr: PrometheusRuleSpecGroupsRulesExpr.fromString(x.expr),
            for: x.for,
            labels: { severity: x.severity, ...x.labels },
            annotations: { summary: x.summary, description: x.description, runbook_url: x.runbookUrl },
          })),
        },
      ],
    },
  });
}
