/** Props of MicroserviceDeployment, and the named defaults their `@default` docs refer to. */
import { IWorkload, WorkloadRef } from '../core/connections';
import type { EndpointConnection } from './connections';
import { AlertRule } from '../core/monitoring-registry';
import { PodSecurityOptions } from '../core/security';
import { EnvValue, PodVolume, RemoteSecretRef } from './env';
import { ImageReference } from './image';
import { PreStopHook } from './lifecycle';
import { IngressHost, ServiceExposure } from './networking';
import { HealthProbe } from './probes';
import { AutoscalingOptions, DisruptionBudgetOptions, VerticalAutoscalingOptions } from './scaling';
import { RolloutStrategy } from './strategy';

// ---------------------------------------------------------------------------------------------------------------
// Defaults (named so the docs and the code cannot drift apart)
// ---------------------------------------------------------------------------------------------------------------

/** Longest service name: derived Service names (`<name>-preview`, `<name>-canary`) must stay DNS labels (63). */
export const MAX_SERVICE_NAME_LENGTH = 55;
export const DEFAULT_CONFIG_MOUNT_PATH = '/etc/config';
export const DEFAULT_METRICS_PATH = '/metrics';
export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = 0;
export const DEFAULT_PDB_MAX_UNAVAILABLE = 1;
export const DEFAULT_MAX_ERROR_RATE = 0.01;
export const DEFAULT_MAX_P95_LATENCY_SECONDS = 0.5;
export const DEFAULT_ANALYSIS_INTERVAL = '1m';
export const DEFAULT_ANALYSIS_COUNT = 5;
export const DEFAULT_ANALYSIS_FAILURE_LIMIT = 1;
export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_RUNBOOK_BASE_URL = 'https://runbooks.platform.example.com/microservice';
/** The writable scratch directory every pod gets (the root filesystem is read-only). */
export const TMP_MOUNT_PATH = '/tmp';
/** Verbs an {@link ApiPermission} may grant (no wildcards: least privilege). */
export const API_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Props
// ---------------------------------------------------------------------------------------------------------------

/** A port of the main container, exposed by the Service under the same name. */
export interface ServicePortSpec {
  /** IANA service name: at most 15 characters of [a-z0-9-] with at least one letter (`http`, `grpc`, `metrics`). */
  readonly name: string;
  /** Port the container listens on. */
  readonly port: number;
  /** Port of the Service. @default - same as `port` */
  readonly servicePort?: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
  /**
   * What the port speaks: `grpc` (HTTP/2 without TLS) is exposed through a GRPCRoute, and the Service port says so
   * (`appProtocol: kubernetes.io/h2c`) so that proxies open HTTP/2 connections to it.
   * @default - 'grpc' when the name is `grpc` or starts with `grpc-`, else 'http'
   */
  readonly appProtocol?: 'http' | 'grpc';
}

/** Requests and limits; unset values come from `profile.resources`. */
export interface ResourceOverrides {
  /** @default profile.resources.requests */
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  /** CPU limit is optional (throttling hurts latency). @default profile.resources.limits */
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** Configuration files mounted read-only from a ConfigMap `<name>-config`; a change rolls the pods. */
export interface ConfigFiles {
  /** File name to content. */
  readonly files: Readonly<Record<string, string>>;
  /** @default DEFAULT_CONFIG_MOUNT_PATH ('/etc/config') */
  readonly mountPath?: string;
}

/** A volume mounted into the main container. */
export interface VolumeMountSpec {
  readonly volume: PodVolume;
  readonly mountPath: string;
  /** @default false (true for configMap and secret volumes, which are read-only anyway) */
  readonly readOnly?: boolean;
  /** @default - the whole volume */
  readonly subPath?: string;
}

/** A mount of a pod volume (by name: `tmp`, `config` or one of `volumes`) into an extra container. */
export interface ContainerMount {
  readonly volume: string;
  readonly mountPath: string;
  /** @default false */
  readonly readOnly?: boolean;
}

/** An init or sidecar container. Same security context and image policy as the main container. */
export interface ExtraContainerSpec {
  readonly name: string;
  readonly image: ImageReference;
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - the image's arguments */
  readonly args?: readonly string[];
  /** @default {} */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Ports of a sidecar (not exposed by the Service). @default [] */
  readonly ports?: readonly ServicePortSpec[];
  /** @default - the environment's defaults */
  readonly resources?: ResourceOverrides;
  /** `/tmp` is always mounted. @default [] */
  readonly volumeMounts?: readonly ContainerMount[];
  /**
   * Probes of a sidecar (init containers take none: they run to completion).
   * @default - sidecars: TCP liveness and readiness on their first port
   */
  readonly probes?: ProbeSet;
}

/** Liveness, readiness and startup probes of the main container. */
export interface ProbeSet {
  /** @default - TCP on the main port (none when the service has no port) */
  readonly liveness?: HealthProbe;
  /** @default - TCP on the main port (the liveness probe when the service has no port) */
  readonly readiness?: HealthProbe;
  /** @default - none */
  readonly startup?: HealthProbe;
}

/** One Kubernetes API permission the service needs (a Role rule). Wildcards are not accepted. */
export interface ApiPermission {
  /** @default [''] (the core group) */
  readonly apiGroups?: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: ReadonlyArray<(typeof API_VERBS)[number]>;
  /** @default - every object of these resources in the namespace */
  readonly resourceNames?: readonly string[];
}

/** Access to the Kubernetes API: a Role with exactly these rules, and the token mounted. */
export interface ApiAccess {
  readonly rules: readonly ApiPermission[];
  /** Where the API server is, for the egress rule (on the profile's API server ports). @default - profile.cluster.apiServer.cidrs (DEFAULT_API_SERVER_CIDRS: any address) */
  readonly serverCidrs?: readonly string[];
}

/** The Service. */
export interface ServiceOptions {
  /** @default ServiceExposure.clusterIP() */
  readonly exposure?: ServiceExposure;
  /** @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * How the service is reached from outside the cluster, through the environment's traffic layer (`profile.traffic`):
 * with Gateway API an HTTPRoute `<name>` (a GRPCRoute for a gRPC port) bound to the environment's Gateway, one
 * HTTPS listener per host; with Ingress an Ingress `<name>`. TLS wherever the profile has a `tlsIssuer`.
 */
export interface IngressOptions {
  readonly hosts: readonly IngressHost[];
  /** Service port (by name) traffic goes to. @default - the main (first) port */
  readonly port?: string;
  /**
   * IngressClass of the Ingress (Ingress traffic layer only).
   * @deprecated the traffic layer names the class (`TrafficLayer.ingress({ className })`); refused under Gateway API
   * @default - the traffic layer's class
   */
  readonly className?: string;
  /**
   * Redirect HTTP to HTTPS (with TLS). Under Gateway API plain HTTP always only redirects (the Gateway's HTTP
   * listener), so `false` is refused there.
   * @default true
   */
  readonly sslRedirect?: boolean;
  /**
   * Requests per second the service accepts through the traffic layer. Gateway API (Envoy Gateway): a
   * BackendTrafficPolicy `<name>` with a local rate limit on the service's routes, per Envoy replica (requests
   * beyond it get 429). Ingress (nginx): `limit-rps`, per client IP.
   * @default - no limit
   */
  readonly rateLimitRps?: number;
  /**
   * Extra annotations on the Ingress (Ingress traffic layer only; they win over the generated ones).
   * @deprecated write settings as typed options; refused under Gateway API, where no annotation configures routes
   * @default {}
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A dependency: a workload (or a reference to one by name), optionally limited to some of its ports. */
export type Dependency = IWorkload | WorkloadRef | { readonly to: IWorkload | WorkloadRef; readonly ports: readonly string[] };

/** Metrics endpoint of the service. */
export interface MetricsOptions {
  /** @default true when the service has a port */
  readonly enabled?: boolean;
  /** Port name. @default - the port named `metrics`, else the main port */
  readonly port?: string;
  /** @default DEFAULT_METRICS_PATH ('/metrics') */
  readonly path?: string;
  /** The service exports http_requests_total and http_request_duration_seconds. @default true */
  readonly httpMetrics?: boolean;
}

/** Default alert rules. */
export interface AlertOptions {
  /** @default true (when metrics are enabled) */
  readonly enabled?: boolean;
  /** @default DEFAULT_MAX_ERROR_RATE (0.01) */
  readonly maxErrorRate?: number;
  /** @default DEFAULT_MAX_P95_LATENCY_SECONDS (0.5) */
  readonly maxP95LatencySeconds?: number;
  /** @default DEFAULT_RUNBOOK_BASE_URL */
  readonly runbookBaseUrl?: string;
  /** Rules added to the defaults. @default [] */
  readonly extraRules?: readonly AlertRule[];
}

/** Kubernetes toleration. */
export interface PodToleration {
  /** @default - every taint key (with operator Exists) */
  readonly key?: string;
  /** @default 'Equal' */
  readonly operator?: 'Equal' | 'Exists';
  /** @default - none */
  readonly value?: string;
  /** @default - every effect */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  /** @default - forever */
  readonly tolerationSeconds?: number;
}

/** Everything about one stateless service. Only name, namespace and image are required. */
export interface MicroserviceDeploymentProps {
  /**
   * Service name: names every object and selects the pods. A DNS-1035 label of at most
   * {@link MAX_SERVICE_NAME_LENGTH} characters.
   */
  readonly name: string;
  /** Namespace (a DNS-1123 label). */
  readonly namespace: string;
  readonly image: ImageReference;
  /** The first port is the main port (probes, ingress, preview). @default [] - a worker: no Service */
  readonly ports?: readonly ServicePortSpec[];
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - the image's arguments */
  readonly args?: readonly string[];
  /** @default {} */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Keys of the Secret `<name>-secrets`, each from the external store (an ExternalSecret). @default {} */
  readonly secrets?: Readonly<Record<string, RemoteSecretRef>>;
  /** @default - no config files */
  readonly config?: ConfigFiles;
  /** @default [] */
  readonly volumes?: readonly VolumeMountSpec[];
  /** @default [] */
  readonly initContainers?: readonly ExtraContainerSpec[];
  /** @default [] */
  readonly sidecars?: readonly ExtraContainerSpec[];
  /** @default - none */
  readonly preStop?: PreStopHook;
  /** @default DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS (30) */
  readonly terminationGracePeriodSeconds?: number;
  /** @default profile.resources */
  readonly resources?: ResourceOverrides;
  /** @default - TCP liveness and readiness on the main port */
  readonly probes?: ProbeSet;
  /** uid/gid of the pod (never 0). @default DEFAULT_RUN_AS_USER (10001) */
  readonly runAs?: PodSecurityOptions;
  /** @default - no API access: no Role, token not mounted */
  readonly apiAccess?: ApiAccess;
  /** @default - a ClusterIP Service when the service has ports */
  readonly service?: ServiceOptions;
  /** @default - not exposed outside the cluster */
  readonly ingress?: IngressOptions;
  /** Workloads this service opens connections to (egress here, ingress there). @default [] */
  readonly connectsTo?: readonly Dependency[];
  /**
   * Endpoints this service uses, each with the env vars derived from it (connection strings composed from the server's
   * own stored credential). Adds the graph edge to every port the endpoint's clients need, like `connectsTo`.
   * @default []
   */
  readonly connections?: readonly EndpointConnection[];
  /** Fixed replica count; not allowed together with `autoscaling`. @default profile.replicas */
  readonly replicas?: number;
  /** @default - no HPA */
  readonly autoscaling?: AutoscalingOptions;
  /** Used whenever more than one replica can run. @default { maxUnavailable: 1 } */
  readonly disruptionBudget?: DisruptionBudgetOptions;
  /** @default - no VPA */
  readonly verticalAutoscaling?: VerticalAutoscalingOptions;
  /** @default RolloutStrategy.rollingUpdate() */
  readonly strategy?: RolloutStrategy;
  /**
   * Spread pods over zones and nodes (soft: ScheduleAnyway).
   * @default - true when the profile is highly available or more than one replica can run
   */
  readonly topologySpread?: boolean;
  /** @default {} */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** @default [] */
  readonly tolerations?: readonly PodToleration[];
  /** @default - the cluster's default priority */
  readonly priorityClassName?: string;
  /** @default - metrics on the `metrics` port (or the main port) at /metrics */
  readonly metrics?: MetricsOptions;
  /** @default - the four default rules */
  readonly alerts?: AlertOptions;
  /** `platform.io/team` label and alert routing label. @default - none */
  readonly team?: string;
  /** `platform.io/cost-center` label. @default - none */
  readonly costCenter?: string;
  /** `app.kubernetes.io/part-of`. @default - none */
  readonly partOf?: string;
  /** `app.kubernetes.io/component`. @default 'service' */
  readonly component?: string;
  /** `app.kubernetes.io/version`. @default - the image tag, when it is a valid label value */
  readonly version?: string;
}
