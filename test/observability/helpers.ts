import { EnvironmentChart, EnvironmentProfile, MonitoredTarget, MonitoringRegistry } from '../../src';
import { LogBackend, TraceBackend } from '../../src/observability/backends';
import { Receiver } from '../../src/observability/alertmanager-config';
import { NetworkPeer } from '../../src/observability/common';
import { ObservabilityStack, ObservabilityStackProps } from '../../src/observability/observability-stack';
import { selectorLabels } from '../../src/core/labels';

/** Shared fixtures of the observability tests. */
export const RUNBOOKS = 'https://runbooks.example.com/platform';

export function alerting(): ObservabilityStackProps['alerting'] {
  return {
    receivers: [
      Receiver.email('ops-email', { to: 'ops@example.com', from: 'alerts@example.com', smarthost: 'smtp.example.com:587', authUsername: 'alerts' }),
      Receiver.slack('backend-slack', { channel: '#backend-alerts' }),
      Receiver.pagerDuty('ops-pager'),
    ],
    defaultReceiver: 'ops-email',
    routes: [
      { receiver: 'ops-pager', matchers: { severity: 'critical' }, continue: true },
      { receiver: 'backend-slack', matchers: { team: 'backend' } },
    ],
  };
}

export const elasticsearch = () =>
  LogBackend.elasticsearch({
    host: 'elasticsearch.logging-store.svc',
    tls: true,
    peer: NetworkPeer.pods('logging-store', { 'app.kubernetes.io/name': 'elasticsearch' }),
  });
export const jaeger = () =>
  TraceBackend.jaeger({
    host: 'jaeger-collector.tracing.svc',
    queryUrl: 'http://jaeger-query.tracing.svc:16686',
    peer: NetworkPeer.pods('tracing', { 'app.kubernetes.io/name': 'jaeger' }),
  });

/** A service registration as the MicroserviceDeployment makes it (without its own HTTP rules). */
export function registerService(chart: EnvironmentChart, name: string, namespace = 'backend', extra: Partial<MonitoredTarget> = {}): void {
  MonitoringRegistry.of(chart).register({
    name,
    namespace,
    kind: 'service',
    team: 'backend',
    selector: selectorLabels(name),
    metricsPort: { name: 'http', port: 8080 },
    httpMetrics: true,
    rules: [],
    ...extra,
  });
}

/** Registers a PostgreSQL-style datastore target (exporter on 9187) in namespace `data`, with `rules`. */
export function registerDatastore(chart: EnvironmentChart, name: string, rules: MonitoredTarget['rules'] = []): void {
  MonitoringRegistry.of(chart).register({
    name,
    namespace: 'data',
    kind: 'datastore',
    selector: selectorLabels(name),
    metricsPort: { name: 'metrics', port: 9187 },
    httpMetrics: false,
    rules,
  });
}

export function fullStack(chart: EnvironmentChart, overrides: Partial<ObservabilityStackProps> = {}): ObservabilityStack {
  return new ObservabilityStack(chart, 'observability', {
    alerting: alerting(),
    runbookBaseUrl: RUNBOOKS,
    logs: elasticsearch(),
    traces: jaeger(),
    ...overrides,
  });
}

export type { EnvironmentProfile };
