/** Monitoring of a MicroserviceDeployment: its registration, and its ServiceMonitor and PrometheusRule in operator mode. */
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr, ServiceMonitor } from '../../imports/monitoring.coreos.com';
import { fail } from '../core/errors';
import { AlertRule, MonitoringRegistry } from '../core/monitoring-registry';
import { SERVICE_ROLE_LABEL } from './exposure';
import { microserviceAlertRules } from './promql';
import { DEFAULT_MAX_ERROR_RATE, DEFAULT_MAX_P95_LATENCY_SECONDS, DEFAULT_RUNBOOK_BASE_URL, MicroserviceDeploymentProps } from './props';
import { ResolvedMetrics, ResolvedMicroservice } from './resolve';

/** The pod label Argo Rollouts puts on the pods of each ReplicaSet. */
const ROLLOUT_POD_TEMPLATE_HASH = 'rollouts-pod-template-hash';

/** Registers the metrics endpoint and alert rules; in operator mode also emits the ServiceMonitor and PrometheusRule. */
export function addMonitoring(scope: Construct, r: ResolvedMicroservice, props: MicroserviceDeploymentProps, metrics: ResolvedMetrics): void {
  const a = props.alerts ?? {};
  const maxErrorRate = a.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;
  if (!(maxErrorRate > 0 && maxErrorRate <= 1)) fail(scope, 'alerts.maxErrorRate', maxErrorRate, 'must be a ratio above 0 and at most 1 (0.01 = 1%)');
  const maxLatency = a.maxP95LatencySeconds ?? DEFAULT_MAX_P95_LATENCY_SECONDS;
  if (!(maxLatency > 0)) fail(scope, 'alerts.maxP95LatencySeconds', maxLatency, 'must be above 0');
  const rules: AlertRule[] =
    (a.enabled ?? true)
      ? [
          ...microserviceAlertRules({
            namespace: r.namespace,
            service: r.name,
            team: props.team,
            httpMetrics: metrics.httpMetrics,
            rollout: r.isRollout,
            maxErrorRate,
            maxP95LatencySeconds: maxLatency,
            runbookBaseUrl: a.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL,
          }),
          ...(a.extraRules ?? []),
        ]
      : [];
  MonitoringRegistry.of(scope).register({
    name: r.name,
    namespace: r.namespace,
    kind: 'service',
    team: props.team,
    selector: { ...r.podSelector },
    metricsPort: { name: metrics.port.name, port: metrics.port.port },
    metricsPath: metrics.path,
    httpMetrics: metrics.httpMetrics,
    rules,
  });
  if (!r.profile.monitoring.mode.usesOperator) return;
  const metadata = { name: r.name, namespace: r.namespace, labels: { ...r.labels } };
  new ServiceMonitor(scope, 'ServiceMonitor', {
    metadata,
    spec: {
      // The canary and preview Services select the same pods; scraping them too would double every series.
      selector: { matchLabels: { ...r.podSelector }, matchExpressions: [{ key: SERVICE_ROLE_LABEL, operator: 'DoesNotExist' }] },
      // A Rollout's analysis selects the new version's series by its ReplicaSet (`rollouts_pod_template_hash`).
      ...(r.isRollout ? { podTargetLabels: [ROLLOUT_POD_TEMPLATE_HASH] } : {}),
      endpoints: [{ port: metrics.port.name, path: metrics.path, interval: r.profile.monitoring.scrapeInterval }],
    },
  });
  if (rules.length > 0) {
    new PrometheusRule(scope, 'PrometheusRule', {
      metadata,
      spec: {
        groups: [
          {
            name: `${r.namespace}.${r.name}`,
            rules: rules.map((x) => ({
              alert: x.alert,
              expr: PrometheusRuleSpecGroupsRulesExpr.fromString(x.expr),
              for: x.for,
              labels: { severity: x.severity, ...(x.labels ?? {}) },
              annotations: { summary: x.summary, description: x.description, runbook_url: x.runbookUrl },
            })),
          },
        ],
      },
    });
  }
}
