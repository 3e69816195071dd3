// The public API of MicroserviceDeployment: the construct, its props and the small classes its choices are made
// with. PromQL builders, the resolution functions and the object builders of each part stay internal.
export { MicroserviceDeployment } from './microservice-deployment';
export {
  DEFAULT_ANALYSIS_COUNT,
  DEFAULT_ANALYSIS_FAILURE_LIMIT,
  DEFAULT_ANALYSIS_INTERVAL,
  DEFAULT_CONFIG_MOUNT_PATH,
  DEFAULT_MAX_ERROR_RATE,
  DEFAULT_MAX_P95_LATENCY_SECONDS,
  DEFAULT_MAX_SURGE,
  DEFAULT_MAX_UNAVAILABLE,
  DEFAULT_METRICS_PATH,
  DEFAULT_PDB_MAX_UNAVAILABLE,
  DEFAULT_RUNBOOK_BASE_URL,
  DEFAULT_SCALE_DOWN_DELAY_SECONDS,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  MAX_SERVICE_NAME_LENGTH,
  TMP_MOUNT_PATH,
} from './props';
export type {
  AlertOptions,
  ApiAccess,
  ApiPermission,
  ConfigFiles,
  ContainerMount,
  Dependency,
  ExtraContainerSpec,
  IngressOptions,
  MetricsOptions,
  MicroserviceDeploymentProps,
  PodToleration,
  ProbeSet,
  ResourceOverrides,
  ServiceOptions,
  ServicePortSpec,
  VolumeMountSpec,
} from './props';
export type { EndpointConnection } from './connections';
export { EnvValue, PodVolume } from './env';
export type { EmptyDirOptions, EnvSource, RemoteSecretRef, VolumeSource } from './env';
export { ImageReference } from './image';
export { PreStopHook } from './lifecycle';
export { IngressHost, PreviewRoute, ServiceExposure } from './networking';
export type { IngressPath } from './networking';
export { HealthProbe } from './probes';
export type { HttpProbeOptions, NetworkProbeOptions, ProbeKind, ProbePort, ProbeTiming } from './probes';
export { MetricQuery, VpaMode } from './scaling';
export type {
  AutoscalingOptions,
  DisruptionBudgetOptions,
  PodsMetric,
  ResourceBounds,
  ScalingPolicy,
  ScalingRules,
  VerticalAutoscalingOptions,
} from './scaling';
export { CanaryStep, DEFAULT_CANARY_STEPS, RolloutStrategy } from './strategy';
export type { AnalysisOptions, BlueGreenOptions, CanaryOptions, RollingUpdateOptions } from './strategy';
