// Shared basics every construct family builds on: the environment chart and profile, the error type, labels,
// Pod Security building blocks, the connection graph and the monitoring registry. Helpers (`fail`, `showValue`,
// quantity and cron parsing, selector matching, NetworkPolicy peers) stay internal: import them from their module.
export { EnvironmentChart } from './environment-chart';
export type { EnvironmentChartProps } from './environment-chart';
export { DEFAULT_BACKUP_RETENTION_DAYS, DEFAULT_BACKUP_SCHEDULE, DEFAULT_VELERO_SCHEDULE, ImagePolicy, MonitoringMode } from './environment-profile';
export type {
  AutoscalingDefaults,
  BackupDefaults,
  ClusterProvides,
  ClusterTarget,
  EnvironmentProfile,
  IngressDefaults,
  MonitoringDefaults,
  RecoveryObjectives,
  ResourceDefaults,
  SecretStoreRef,
  StorageDefaults,
} from './environment-profile';
export { DEFAULT_SECRET_STORE_NAME, DEFAULT_STORAGE_CLASS, Profiles } from './profiles';
export {
  DEFAULT_GATEWAY_CLASS,
  DEFAULT_GATEWAY_NAME,
  DEFAULT_GATEWAY_NAMESPACE,
  DEFAULT_MIN_TLS_VERSION,
  IngressController,
  TrafficLayer,
  trafficOf,
} from './traffic-layer';
export type { GatewayApiTraffic, GatewayApiTrafficProps, IngressTraffic, IngressTrafficProps, ResolvedTraffic } from './traffic-layer';
export type { ProfileOverride, ProfileOverrides, ProfilePresetProps } from './profiles';
export { PlatformConfigError } from './errors';
export {
  LABEL_COMPONENT,
  LABEL_COST_CENTER,
  LABEL_INSTANCE,
  LABEL_NAME,
  LABEL_PART_OF,
  LABEL_TEAM,
  LABEL_TENANT,
  LABEL_VERSION,
  selectorLabels,
  workloadLabels,
} from './labels';
export type { WorkloadLabelOptions } from './labels';
export { DEFAULT_RUN_AS_USER, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security';
export type { ContainerSecurityOptions, PodSecurityOptions } from './security';
export { ConnectionGraph } from './connections';
export type { Connection, ConnectionRecord, ExternalEndpoint, IWorkload, WorkloadPort, WorkloadRef } from './connections';
export { MonitoringRegistry } from './monitoring-registry';
export type { AlertRule, AlertSeverity, MonitoredTarget } from './monitoring-registry';
export { Endpoint, EndpointAuth, EndpointTls, checkExpectation, findEndpoint, requireExpectation } from './endpoint';
export type {
  AuthMethod,
  CaReference,
  ClientCredential,
  EndpointExpectation,
  EndpointProps,
  EndpointProtocol,
  EndpointUser,
  IEndpointProvider,
  StoredCredential,
} from './endpoint';
export { ConnectionValue, addConnectionSecret } from './connection-secret';
export type { ConnectionSecretOptions } from './connection-secret';
export { formatDuration, parseDuration } from './duration';
export { DEFAULT_API_SERVER_CIDRS, DEFAULT_API_SERVER_PORTS, DEFAULT_NODE_CIDRS, defaultClusterServices } from './cluster-services';
export type { ApiServerAddress, ClusterServiceName, ClusterServiceRef, ClusterServices, ClusterServicesOverrides } from './cluster-services';
export { RecoveryRegistry } from './recovery-registry';
export type { RecoveryEntry, RecoveryObjective, RecoveryPlan } from './recovery-registry';
export type { DocObject, DocValue } from './documents';
export { API_REMOVALS, DEFAULT_KUBERNETES_VERSION, MANIFEST_KUBERNETES_VERSION } from './kubernetes-version';
export type { ApiRemoval } from './kubernetes-version';
