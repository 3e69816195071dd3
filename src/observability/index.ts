// The public API of the observability stack: the construct and its props, the backends and receivers it is
// configured with, and the names and ports of its components. Config renderers and policy helpers stay internal.
export {
  DEFAULT_CLUSTER_CIDRS,
  DEFAULT_GRAFANA_ADMIN_REMOTE_KEY,
  DEFAULT_LOGGING_NAMESPACE,
  DEFAULT_OPERATOR_SELECTOR_LABELS,
  HA_ALERTMANAGER_REPLICAS,
  HA_COLLECTOR_REPLICAS,
  HA_PROMETHEUS_REPLICAS,
  ObservabilityStack,
  STORAGE_HEADROOM,
} from './observability-stack';
export { MONITORING_CONCERN } from './monitoring-namespace';
export type { ObservabilityStackProps } from './observability-stack';
export {
  ALERTMANAGER_SECRETS_DIR,
  DEFAULT_CREDENTIALS_REMOTE_KEY,
  DEFAULT_GROUP_BY,
  DEFAULT_GROUP_INTERVAL,
  DEFAULT_GROUP_WAIT,
  DEFAULT_REPEAT_INTERVAL,
  RECEIVER_TYPES,
  Receiver,
} from './alertmanager-config';
export type {
  AlertRoute,
  AlertingProps,
  EmailReceiverOptions,
  PagerDutyReceiverOptions,
  ReceiverSpec,
  ReceiverType,
  SlackReceiverOptions,
} from './alertmanager-config';
export {
  DEFAULT_INDEX_PREFIX,
  DEFAULT_JAEGER_IMAGE,
  DEFAULT_JAEGER_RESOURCES,
  DEFAULT_JAEGER_RETENTION,
  DEFAULT_JAEGER_STORAGE_SIZE,
  DEFAULT_LOG_READER_USER,
  DEFAULT_LOG_SHIPPER_USER,
  LogBackend,
  TraceBackend,
} from './backends';
export type {
  ElasticsearchEndpointOptions,
  ElasticsearchHostOptions,
  ElasticsearchOptions,
  JaegerInClusterOptions,
  JaegerOptions,
  LogConnection,
  LogCredential,
  LokiOptions,
  TraceEndpoint,
} from './backends';
export { NetworkPeer } from './common';
export type { ComponentResources } from './common';
export { DEFAULT_IMAGES, DEFAULT_RESOURCES } from './context';
export type { ObservabilityImages, ObservabilityResources } from './context';
export { LOGS_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID, TRACES_DATASOURCE_UID } from './dashboards';
export type { DashboardPanel, ServiceDashboard } from './dashboards';
export { DEFAULT_CPU_PERCENT, DEFAULT_ERROR_RATE_PERCENT, DEFAULT_LATENCY_P95_MS, DEFAULT_MEMORY_PERCENT, DEFAULT_SLO_AVAILABILITY_PERCENT } from './rules';
export type { AlertThresholds, ResolvedThresholds } from './rules';
export { otelCollectorRef, otlpEndpoint, otlpEnvironment, OTEL_COLLECTOR_NAME, OTEL_METRICS_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT } from './otel-collector';
export type { OtelCollector } from './otel-collector';
export { PROMETHEUS_NAME, PROMETHEUS_PORT } from './prometheus';
export type { PrometheusServer } from './prometheus';
export { ALERTMANAGER_NAME, ALERTMANAGER_PORT } from './alertmanager';
export type { AlertmanagerServer } from './alertmanager';
export { GRAFANA_DASHBOARD_LABEL, GRAFANA_NAME, GRAFANA_PORT } from './grafana';
export type { GrafanaServer } from './grafana';
export {
  FLUENT_BIT_BACKLOG_MEM_LIMIT,
  FLUENT_BIT_BUFFER_LIMIT,
  FLUENT_BIT_MAX_CHUNKS_UP,
  FLUENT_BIT_METRICS_PORT,
  FLUENT_BIT_NAME,
  FLUENT_BIT_RETRY_CAP_SECONDS,
  FLUENT_BIT_RETRY_LIMIT,
  LOGGING_CONCERN,
} from './fluent-bit';
export type { FluentBit } from './fluent-bit';
export { JAEGER_METRICS_PORT, JAEGER_NAME, JAEGER_OTLP_GRPC_PORT, JAEGER_OTLP_HTTP_PORT, JAEGER_QUERY_PORT, JaegerServer } from './jaeger';
export type { JaegerServerProps } from './jaeger';
