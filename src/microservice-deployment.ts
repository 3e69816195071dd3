import { createHash } from 'crypto';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Container, EnvVar, IntOrString, KubeConfigMap, KubeDeployment, KubeHorizontalPodAutoscalerV2, KubeIngress,
  KubePodDisruptionBudget, KubeRole, KubeRoleBinding, KubeService, KubeServiceAccount, MetricSpecV2, PodTemplateSpec,
  Quantity, ResourceRequirements, toJson_PodTemplateSpec, Volume, VolumeMount,
} from '../imports/k8s';
import { AnalysisTemplate, Rollout } from '../imports/argoproj.io';
import { ExternalSecret } from '../imports/external-secrets.io';
import { PrometheusRule, ServiceMonitor } from '../imports/monitoring.coreos.com';
import { VerticalPodAutoscaler } from '../imports/autoscaling.k8s.io';
import { DEFAULT_API_SERVER_CIDRS, apiServerOf, clusterServiceConnects, serviceOfUrl } from './cluster-services';
import { ConnectionGraph, DNS_EGRESS_RULE, IWorkload, peersOf, WorkloadPort, WorkloadRef } from './connections';
import { EnvironmentChart } from './environment-chart';
import { EnvironmentProfile } from './environment-profile';
import { fail } from './errors';
import { selectorLabels, workloadLabels } from './labels';
import { AlertRule, MonitoringRegistry } from './monitoring-registry';
import { isQuantity, parseQuantity } from './quantity';
import { PodSecurityOptions, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security';
import { isDns1123Label, labelValueProblem } from './synth/schema-validator';
import { EnvValue, PodVolume, RemoteSecretRef } from './microservice/env';
import { ImageReference } from './microservice/image';
import { PreStopHook } from './microservice/lifecycle';
import { IngressHost, IngressPath, ServiceExposure } from './microservice/networking';
import { HealthProbe, ProbePort } from './microservice/probes';
import { microserviceAlertRules, httpErrorRatioQuery, httpLatencyP95Query } from './microservice/promql';
import { AutoscalingOptions, DisruptionBudgetOptions, ScalingRules, VerticalAutoscalingOptions, VpaMode } from './microservice/scaling';
import { AnalysisOptions, CanaryStep, DEFAULT_CANARY_STEPS, RolloutStrategy } from './microservice/strategy';

export * from './microservice/env';
export * from './microservice/image';
export * from './microservice/lifecycle';
export * from './microservice/networking';
export * from './microservice/probes';
export * from './microservice/promql';
export * from './microservice/scaling';
export * from './microservice/strategy';

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
export { DEFAULT_API_SERVER_CIDRS };
/** The writable scratch directory every pod gets (the root filesystem is read-only). */
export const TMP_MOUNT_PATH = '/tmp';
const TMP_VOLUME = 'tmp';
const CONFIG_VOLUME = 'config';
const ROLE_LABEL = 'platform.io/service-role';
const ZONE_KEY = 'topology.kubernetes.io/zone';
const HOSTNAME_KEY = 'kubernetes.io/hostname';
const API_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const INT_OR_PERCENT = /^[0-9]+%$/;
const DURATION = /^[0-9]+(s|m|h)$/;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CIDR = /^([0-9]{1,3}\.){3}[0-9]{1,3}\/[0-9]{1,2}$|^[0-9a-fA-F:]+\/[0-9]{1,3}$/;
/** Names of plain env values that almost certainly hold a secret: those must come from `secrets`. */
const SECRET_LIKE_ENV = /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/i;

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
  readonly verbs: ReadonlyArray<typeof API_VERBS[number]>;
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

/** The Ingress (`<name>`), routed to the Service. TLS when the profile has a `tlsIssuer`. */
export interface IngressOptions {
  readonly hosts: readonly IngressHost[];
  /** Service port (by name) traffic goes to. @default - the main (first) port */
  readonly port?: string;
  /** @default profile.ingress.className */
  readonly className?: string;
  /** Redirect HTTP to HTTPS (only with TLS). @default true */
  readonly sslRedirect?: boolean;
  /** nginx `limit-rps`: requests per second per client IP. @default - no limit */
  readonly rateLimitRps?: number;
  /** Extra annotations (they win over the generated ones). @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A dependency: a workload (or a reference to one by name), optionally limited to some of its ports. */
export type Dependency =
  | IWorkload
  | WorkloadRef
  | { readonly to: IWorkload | WorkloadRef; readonly ports: readonly string[] };

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

interface ResolvedPort extends ServicePortSpec {
  readonly servicePort: number;
  readonly protocol: 'TCP' | 'UDP';
}

// ---------------------------------------------------------------------------------------------------------------
// Construct
// ---------------------------------------------------------------------------------------------------------------

/**
 * A production-grade stateless service: Deployment (or Argo Rollout), ServiceAccount, Service, Ingress,
 * ExternalSecret, ConfigMap, HPA, PDB, VPA, NetworkPolicy and monitoring, all from one props object and the
 * environment profile.
 */
export class MicroserviceDeployment extends Construct implements IWorkload {
  public readonly workloadName: string;
  public readonly namespace: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  public readonly clientPorts: readonly WorkloadPort[];
  /** Labels on every object of the service. */
  public readonly labels: Readonly<Record<string, string>>;
  /** Name of the Secret the ExternalSecret maintains (`<name>-secrets`). */
  public readonly secretName: string;
  /** Whether the workload is an Argo Rollout rather than a Deployment. */
  public readonly isRollout: boolean;
  /** Whether an HPA owns the replica count. */
  public readonly autoscaled: boolean;

  private readonly profile: EnvironmentProfile;
  private readonly ports: readonly ResolvedPort[];
  private readonly strategy: RolloutStrategy;
  private connectionCount = 0;

  public constructor(scope: Construct, id: string, props: MicroserviceDeploymentProps) {
    super(scope, id);
    this.profile = EnvironmentChart.of(this).profile;
    const profile = this.profile;

    // --- identity -------------------------------------------------------------------------------------------
    if (props.name.length > MAX_SERVICE_NAME_LENGTH || !DNS1035_LABEL.test(props.name)) {
      fail(this, 'name', props.name, `must be a DNS-1035 label of at most ${MAX_SERVICE_NAME_LENGTH} characters: lowercase letters, digits and "-", starting with a letter and ending alphanumeric (derived names such as "<name>-preview" must stay within 63)`);
    }
    if (!isDns1123Label(props.namespace)) {
      fail(this, 'namespace', props.namespace, 'must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric');
    }
    this.workloadName = props.name;
    this.namespace = props.namespace;
    this.podSelector = selectorLabels(props.name);
    this.secretName = `${props.name}-secrets`;
    this.strategy = props.strategy ?? RolloutStrategy.rollingUpdate();
    this.isRollout = this.strategy.isProgressive;

    // --- ports, image, labels -------------------------------------------------------------------------------
    this.ports = this.resolvePorts('ports', props.ports ?? []);
    props.image.validate(this, 'image', profile.imagePolicy, profile.name);
    const version = props.version ?? (props.image.tag !== undefined && /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(props.image.tag) ? props.image.tag : undefined);
    for (const k of ['team', 'costCenter', 'partOf', 'component', 'version'] as const) {
      const v = props[k];
      if (v !== undefined && (v === '' || labelValueProblem(v))) {
        fail(this, k, v, 'must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric');
      }
    }
    this.labels = workloadLabels({
      name: props.name, component: props.component ?? 'service', partOf: props.partOf, version,
      team: props.team, costCenter: props.costCenter,
    });

    // --- metrics ----------------------------------------------------------------------------------------------
    const metrics = this.resolveMetrics(props.metrics);
    this.clientPorts = this.ports
      .filter((p) => !(metrics && p.name === metrics.port.name && p !== this.ports[0]))
      .map((p) => ({ name: p.name, port: p.port, protocol: p.protocol }));

    // --- secrets, config, volumes ----------------------------------------------------------------------------
    const secrets = this.validateSecrets(props.secrets ?? {});
    const config = this.validateConfig(props.config);
    const volumes = this.resolveVolumes(props.volumes ?? [], secrets.length > 0, config !== undefined);

    // --- replicas and scaling ---------------------------------------------------------------------------------
    if (props.replicas !== undefined && props.autoscaling !== undefined) {
      fail(this, 'replicas', props.replicas, 'an HPA owns the replica count when `autoscaling` is set: remove `replicas` or `autoscaling`');
    }
    if (props.replicas !== undefined && (!Number.isInteger(props.replicas) || props.replicas < 1)) {
      fail(this, 'replicas', props.replicas, 'must be an integer >= 1');
    }
    const hpa = props.autoscaling ? this.resolveAutoscaling(props.autoscaling) : undefined;
    this.autoscaled = hpa !== undefined;
    const replicas = props.replicas ?? profile.replicas;
    const minReplicas = hpa ? hpa.minReplicas : replicas;
    const maxReplicas = hpa ? hpa.maxReplicas : replicas;
    const pdb = this.resolveDisruptionBudget(props.disruptionBudget, minReplicas);
    const vpa = props.verticalAutoscaling ? this.resolveVpa(props.verticalAutoscaling, hpa) : undefined;

    // --- strategy ---------------------------------------------------------------------------------------------
    this.validateStrategy(props, metrics);

    // --- pod template -----------------------------------------------------------------------------------------
    const template = this.podTemplate(props, { secrets, config, volumes, metrics, spread: props.topologySpread ?? (profile.highAvailability || maxReplicas > 1) });

    // --- objects ----------------------------------------------------------------------------------------------
    const meta = (name: string, extra: Record<string, string> = {}) => ({ name, namespace: this.namespace, labels: { ...this.labels, ...extra } });
    new KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(props.name), automountServiceAccountToken: false });
    if (props.apiAccess) this.addRbac(props.apiAccess, meta(props.name));
    if (secrets.length > 0) {
      new ApiObject(this, 'ExternalSecret', {
        ...ExternalSecret.GVK,
        metadata: meta(this.secretName),
        spec: {
          refreshInterval: profile.secretStore.refreshInterval,
          secretStoreRef: { kind: profile.secretStore.kind, name: profile.secretStore.name },
          target: { name: this.secretName, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
          data: secrets.map(([secretKey, ref]) => ({
            secretKey,
            remoteRef: { key: ref.key, ...(ref.property !== undefined ? { property: ref.property } : {}), ...(ref.version !== undefined ? { version: ref.version } : {}) },
          })),
        },
      });
    }
    if (config) {
      new KubeConfigMap(this, 'ConfigMap', { metadata: meta(`${props.name}-config`), data: { ...config.files } });
    }
    this.addWorkload(props, template, hpa ? undefined : replicas);
    if (this.ports.length > 0) this.addServices(props);
    if (props.ingress) this.addIngress(props.ingress);
    if (hpa) this.addHpa(hpa);
    if (maxReplicas > 1) {
      new KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: meta(props.name),
        spec: {
          selector: { matchLabels: { ...this.podSelector } },
          ...(pdb.minAvailable !== undefined ? { minAvailable: intOrString(pdb.minAvailable) } : { maxUnavailable: intOrString(pdb.maxUnavailable!) }),
        },
      });
    }
    if (vpa) this.addVpa(vpa);
    this.addNetworkPolicy(props, metrics);
    if (metrics) this.addMonitoring(props, metrics);

    // --- connections ------------------------------------------------------------------------------------------
    ConnectionGraph.of(this).register(this);
    for (const d of props.connectsTo ?? []) {
      if ('to' in d) this.connectsTo(d.to, d.ports);
      else this.connectsTo(d);
    }
  }

  /**
   * Declares that this service opens connections to `target` (all its client ports, or the named ones): egress
   * here and ingress there. `target` may be any workload, or a `{ name, namespace? }` reference resolved at synth.
   */
  public connectsTo(target: IWorkload | WorkloadRef, ports?: readonly string[]): this {
    ConnectionGraph.of(this).connect(this, target, ports, `connectsTo[${this.connectionCount++}]`);
    return this;
  }

  // -------------------------------------------------------------------------------------------------------------
  // validation and resolution
  // -------------------------------------------------------------------------------------------------------------

  private resolvePorts(field: string, ports: readonly ServicePortSpec[]): ResolvedPort[] {
    const names = new Set<string>();
    const numbers = new Set<number>();
    const servicePorts = new Set<number>();
    return ports.map((p, i) => {
      const f = `${field}[${i}]`;
      if (p.name.length > 15 || !IANA_SVC_NAME.test(p.name)) {
        fail(this, `${f}.name`, p.name, 'must be an IANA service name: at most 15 characters of [a-z0-9-] with at least one letter, starting and ending alphanumeric');
      }
      for (const [k, v] of [['port', p.port], ['servicePort', p.servicePort]] as const) {
        if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 65535)) fail(this, `${f}.${k}`, v, 'must be an integer from 1 to 65535');
      }
      if (names.has(p.name)) fail(this, `${f}.name`, p.name, 'port names must be unique');
      if (numbers.has(p.port)) fail(this, `${f}.port`, p.port, 'port numbers must be unique');
      const servicePort = p.servicePort ?? p.port;
      if (servicePorts.has(servicePort)) fail(this, `${f}.servicePort`, servicePort, 'service port numbers must be unique');
      names.add(p.name);
      numbers.add(p.port);
      servicePorts.add(servicePort);
      return { ...p, servicePort, protocol: p.protocol ?? 'TCP' };
    });
  }

  private resolveMetrics(m: MetricsOptions | undefined): { port: ResolvedPort; path: string; httpMetrics: boolean } | undefined {
    const enabled = m?.enabled ?? this.ports.length > 0;
    if (!enabled) return undefined;
    let port: ResolvedPort | undefined;
    if (m?.port !== undefined) {
      port = this.ports.find((p) => p.name === m.port);
      if (!port) fail(this, 'metrics.port', m.port, `must name one of the ports: ${this.portNames()}`);
    } else {
      port = this.ports.find((p) => p.name === 'metrics') ?? this.ports[0];
      if (!port) fail(this, 'metrics.enabled', true, 'metrics need a port: declare one in `ports`');
    }
    const path = m?.path ?? DEFAULT_METRICS_PATH;
    if (!path.startsWith('/')) fail(this, 'metrics.path', path, 'must be an absolute URL path starting with "/"');
    return { port, path, httpMetrics: m?.httpMetrics ?? true };
  }

  private validateSecrets(secrets: Readonly<Record<string, RemoteSecretRef>>): Array<[string, RemoteSecretRef]> {
    const out: Array<[string, RemoteSecretRef]> = [];
    for (const [k, ref] of Object.entries(secrets)) {
      const f = `secrets.${k}`;
      if (k.length > 253 || !CONFIG_KEY.test(k)) fail(this, f, k, 'a Secret key is 1-253 characters of [-._a-zA-Z0-9]');
      // Types forbid literal values; this catches values smuggled in through `any` without echoing them.
      const extra = ref && typeof ref === 'object' ? Object.keys(ref).filter((x) => !['key', 'property', 'version'].includes(x)) : [];
      if (!ref || typeof ref !== 'object' || typeof ref.key !== 'string' || ref.key === '' || extra.length > 0) {
        fail(this, f, redact(ref), 'must be a remote reference { key, property?, version? } into the secret store; literal secret values are never written to Git');
      }
      out.push([k, ref]);
    }
    return out;
  }

  private validateConfig(config: ConfigFiles | undefined): { files: Record<string, string>; mountPath: string; checksum: string } | undefined {
    if (!config) return undefined;
    const keys = Object.keys(config.files);
    if (keys.length === 0) fail(this, 'config.files', config.files, 'must hold at least one file');
    for (const k of keys) {
      if (k.length > 253 || !CONFIG_KEY.test(k)) fail(this, `config.files.${k}`, k, 'a ConfigMap key (file name) is 1-253 characters of [-._a-zA-Z0-9]');
    }
    const mountPath = config.mountPath ?? DEFAULT_CONFIG_MOUNT_PATH;
    if (!mountPath.startsWith('/')) fail(this, 'config.mountPath', mountPath, 'must be an absolute path');
    const files = Object.fromEntries(keys.sort().map((k) => [k, config.files[k]]));
    const checksum = createHash('sha256').update(JSON.stringify(files)).digest('hex');
    return { files, mountPath, checksum };
  }

  private resolveVolumes(volumes: readonly VolumeMountSpec[], hasSecrets: boolean, hasConfig: boolean): readonly VolumeMountSpec[] {
    const names = new Set<string>([TMP_VOLUME, ...(hasConfig ? [CONFIG_VOLUME] : [])]);
    const paths = new Set<string>();
    volumes.forEach((v, i) => {
      const f = `volumes[${i}]`;
      if (!isDns1123Label(v.volume.name)) fail(this, `${f}.volume.name`, v.volume.name, 'must be a DNS-1123 label');
      if (v.volume.name === TMP_VOLUME || v.volume.name === CONFIG_VOLUME) {
        fail(this, `${f}.volume.name`, v.volume.name, `"${TMP_VOLUME}" and "${CONFIG_VOLUME}" are reserved for the /tmp and config volumes`);
      }
      if (names.has(v.volume.name)) fail(this, `${f}.volume.name`, v.volume.name, 'volume names must be unique');
      if (!v.mountPath.startsWith('/')) fail(this, `${f}.mountPath`, v.mountPath, 'must be an absolute path');
      if (paths.has(v.mountPath)) fail(this, `${f}.mountPath`, v.mountPath, 'mount paths must be unique');
      const s = v.volume.source;
      if (s.kind === 'secret' && s.secretName === undefined && !hasSecrets) {
        fail(this, `${f}.volume`, v.volume.name, 'mounts the service\'s own Secret, but `secrets` is empty: declare its keys in `secrets`');
      }
      if (s.kind === 'emptyDir' && s.sizeLimit !== undefined && !isQuantity(s.sizeLimit)) {
        fail(this, `${f}.volume.sizeLimit`, s.sizeLimit, 'must be a Kubernetes quantity, e.g. "1Gi"');
      }
      names.add(v.volume.name);
      paths.add(v.mountPath);
    });
    return volumes;
  }

  private resolveResources(field: string, o: ResourceOverrides | undefined): ResourceRequirements {
    const d = this.profile.resources;
    const values = {
      requests: { cpu: o?.requests?.cpu ?? d.requests.cpu, memory: o?.requests?.memory ?? d.requests.memory },
      limits: { cpu: o?.limits?.cpu ?? d.limits.cpu, memory: o?.limits?.memory ?? d.limits.memory },
    };
    for (const kind of ['requests', 'limits'] as const) {
      for (const r of ['cpu', 'memory'] as const) {
        const v = values[kind][r];
        if (v !== undefined && (!isQuantity(v) || parseQuantity(v)! <= 0)) {
          fail(this, `${field}.${kind}.${r}`, v, r === 'cpu' ? 'must be a positive Kubernetes quantity, e.g. "250m" or "0.5"' : 'must be a positive Kubernetes quantity, e.g. "256Mi" or "1Gi"');
        }
      }
    }
    for (const r of ['cpu', 'memory'] as const) {
      const req = values.requests[r];
      const lim = values.limits[r];
      if (lim !== undefined && parseQuantity(req)! > parseQuantity(lim)!) {
        fail(this, `${field}.requests.${r}`, req, `must not exceed the ${r} limit "${lim}" (${field}.limits.${r})`);
      }
    }
    const q = (m: Record<string, string | undefined>) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Quantity.fromString(v!)]));
    return { requests: q(values.requests), limits: q(values.limits) };
  }

  private resolveAutoscaling(a: AutoscalingOptions) {
    const d = this.profile.autoscaling;
    const minReplicas = a.minReplicas ?? d.minReplicas;
    const maxReplicas = a.maxReplicas ?? d.maxReplicas;
    if (!Number.isInteger(minReplicas) || minReplicas < 1) fail(this, 'autoscaling.minReplicas', minReplicas, 'must be an integer >= 1');
    if (!Number.isInteger(maxReplicas) || maxReplicas < 1) fail(this, 'autoscaling.maxReplicas', maxReplicas, 'must be an integer >= 1');
    if (minReplicas > maxReplicas) {
      fail(this, 'autoscaling.minReplicas', minReplicas, `must not exceed autoscaling.maxReplicas (${maxReplicas})`);
    }
    const cpu = a.cpuUtilization ?? d.cpuUtilization;
    const memory = a.memoryUtilization ?? d.memoryUtilization;
    for (const [k, v] of [['cpuUtilization', cpu], ['memoryUtilization', memory]] as const) {
      if (v !== false && (!Number.isInteger(v) || v < 1)) fail(this, `autoscaling.${k}`, v, 'must be a whole percentage >= 1, or false');
    }
    const pods = a.podsMetrics ?? [];
    pods.forEach((m, i) => {
      if (!isQuantity(m.averageValue)) fail(this, `autoscaling.podsMetrics[${i}].averageValue`, m.averageValue, 'must be a Kubernetes quantity, e.g. "100" or "500m"');
    });
    if (cpu === false && memory === false && pods.length === 0) {
      fail(this, 'autoscaling', 'no metrics', 'needs at least one metric: cpuUtilization, memoryUtilization or podsMetrics');
    }
    this.validateScalingRules('autoscaling.scaleUp', a.scaleUp);
    this.validateScalingRules('autoscaling.scaleDown', a.scaleDown);
    return { minReplicas, maxReplicas, cpu, memory, pods, scaleUp: a.scaleUp, scaleDown: a.scaleDown };
  }

  private validateScalingRules(field: string, r: ScalingRules | undefined): void {
    if (!r) return;
    const w = r.stabilizationWindowSeconds;
    if (w !== undefined && (!Number.isInteger(w) || w < 0 || w > 3600)) fail(this, `${field}.stabilizationWindowSeconds`, w, 'must be an integer from 0 to 3600');
    (r.policies ?? []).forEach((p, i) => {
      if (!Number.isInteger(p.value) || p.value < 1) fail(this, `${field}.policies[${i}].value`, p.value, 'must be an integer >= 1');
      if (!Number.isInteger(p.periodSeconds) || p.periodSeconds < 1 || p.periodSeconds > 1800) {
        fail(this, `${field}.policies[${i}].periodSeconds`, p.periodSeconds, 'must be an integer from 1 to 1800');
      }
    });
  }

  private resolveDisruptionBudget(o: DisruptionBudgetOptions | undefined, minReplicas: number): DisruptionBudgetOptions {
    if (o?.minAvailable !== undefined && o.maxUnavailable !== undefined) {
      fail(this, 'disruptionBudget', o, 'set either minAvailable or maxUnavailable, not both');
    }
    const check = (field: string, v: number | string): number => {
      if (typeof v === 'number' ? !Number.isInteger(v) || v < 0 : !INT_OR_PERCENT.test(v) || parseInt(v, 10) > 100) {
        fail(this, `disruptionBudget.${field}`, v, 'must be an integer >= 0 or a percentage from "0%" to "100%"');
      }
      // Kubernetes rounds percentages up, for both fields.
      return typeof v === 'number' ? v : Math.ceil((parseInt(v, 10) * minReplicas) / 100);
    };
    if (o?.minAvailable !== undefined) {
      const n = check('minAvailable', o.minAvailable);
      if (n >= minReplicas) {
        fail(this, 'disruptionBudget.minAvailable', o.minAvailable, `blocks every voluntary eviction (node drains hang) with ${minReplicas} replica(s): must keep fewer than ${minReplicas} pod(s) available`);
      }
      return { minAvailable: o.minAvailable };
    }
    const maxUnavailable = o?.maxUnavailable ?? DEFAULT_PDB_MAX_UNAVAILABLE;
    if (check('maxUnavailable', maxUnavailable) === 0) {
      fail(this, 'disruptionBudget.maxUnavailable', maxUnavailable, 'blocks every voluntary eviction (node drains hang): must allow at least one pod');
    }
    return { maxUnavailable };
  }

  private resolveVpa(v: VerticalAutoscalingOptions, hpa: ReturnType<MicroserviceDeployment['resolveAutoscaling']> | undefined) {
    const mode = v.mode ?? VpaMode.recommend();
    const controlled = v.controlledResources ?? ['cpu', 'memory'];
    if (controlled.length === 0) fail(this, 'verticalAutoscaling.controlledResources', controlled, 'must name cpu, memory or both');
    if (hpa && mode.updateMode !== 'Off') {
      const clash = controlled.filter((r) => (r === 'cpu' ? hpa.cpu !== false : hpa.memory !== false));
      if (clash.length > 0) {
        fail(this, 'verticalAutoscaling.mode', mode.updateMode, `the HPA scales on ${clash.join(' and ')} utilization, so a VPA that changes those requests fights it: use VpaMode.recommend(), or leave ${clash.join(' and ')} out of controlledResources`);
      }
    }
    for (const b of ['minAllowed', 'maxAllowed'] as const) {
      for (const r of ['cpu', 'memory'] as const) {
        const q = v[b]?.[r];
        if (q !== undefined && !isQuantity(q)) fail(this, `verticalAutoscaling.${b}.${r}`, q, 'must be a Kubernetes quantity');
      }
    }
    return { mode, controlled, minAllowed: v.minAllowed, maxAllowed: v.maxAllowed };
  }

  private validateStrategy(props: MicroserviceDeploymentProps, metrics: { httpMetrics: boolean } | undefined): void {
    const o = this.strategy.options;
    if (o.kind === 'rollingUpdate') {
      const surge = o.maxSurge ?? DEFAULT_MAX_SURGE;
      const unavailable = o.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
      for (const [k, v] of [['maxSurge', surge], ['maxUnavailable', unavailable]] as const) {
        if (typeof v === 'number' ? !Number.isInteger(v) || v < 0 : !INT_OR_PERCENT.test(v)) {
          fail(this, `strategy.${k}`, v, 'must be an integer >= 0 or a percentage such as "25%"');
        }
      }
      if (parseInt(String(surge), 10) === 0 && parseInt(String(unavailable), 10) === 0) {
        fail(this, 'strategy.maxUnavailable', unavailable, 'maxSurge and maxUnavailable cannot both be 0 (the update could never progress)');
      }
      return;
    }
    this.validateAnalysis(o.analysis);
    if (o.kind === 'canary') {
      const steps = o.steps ?? DEFAULT_CANARY_STEPS;
      let last = 0;
      steps.forEach((s, i) => {
        const st = s.step;
        if (st.kind === 'setWeight') {
          if (!Number.isInteger(st.weight) || st.weight < 1 || st.weight > 100) {
            fail(this, `strategy.steps[${i}].setWeight`, st.weight, 'must be an integer from 1 to 100');
          }
          if (st.weight <= last) fail(this, `strategy.steps[${i}].setWeight`, st.weight, `weights must increase: the previous step set ${last}`);
          last = st.weight;
        } else if (st.kind === 'pause' && st.duration !== undefined && !DURATION.test(st.duration)) {
          fail(this, `strategy.steps[${i}].pause`, st.duration, 'must be a duration such as "30s", "5m" or "1h", or no duration (wait for manual promotion)');
        } else if (st.kind === 'analysis' && !metrics?.httpMetrics) {
          fail(this, `strategy.steps[${i}]`, 'analysis', 'an analysis step queries the HTTP metrics of the service: enable `metrics` with httpMetrics');
        }
      });
      if (o.nginxTrafficRouting === true && !props.ingress) {
        fail(this, 'strategy.nginxTrafficRouting', true, 'nginx traffic routing splits traffic at the service\'s Ingress: set `ingress`');
      }
      if (this.ports.length === 0) fail(this, 'strategy', 'canary', 'a canary needs stable and canary Services: declare `ports`');
      return;
    }
    if (o.previewPort === undefined && this.ports.length === 0) {
      fail(this, 'strategy.previewPort', o.previewPort, 'a blue-green rollout needs a preview Service port: declare `ports`');
    }
    if (o.previewPort !== undefined && !this.ports.some((p) => p.name === o.previewPort)) {
      fail(this, 'strategy.previewPort', o.previewPort, `must name one of the ports: ${this.portNames()}`);
    }
    if (o.scaleDownDelaySeconds !== undefined && (!Number.isInteger(o.scaleDownDelaySeconds) || o.scaleDownDelaySeconds < 0)) {
      fail(this, 'strategy.scaleDownDelaySeconds', o.scaleDownDelaySeconds, 'must be an integer >= 0');
    }
    if ((o.prePromotionAnalysis ?? true) && !metrics?.httpMetrics) {
      fail(this, 'strategy.prePromotionAnalysis', true, 'the analysis queries the HTTP metrics of the service: enable `metrics` with httpMetrics, or set prePromotionAnalysis: false');
    }
  }

  private validateAnalysis(a: AnalysisOptions | undefined): void {
    if (!a) return;
    if (a.maxErrorRate !== undefined && !(a.maxErrorRate > 0 && a.maxErrorRate <= 1)) {
      fail(this, 'strategy.analysis.maxErrorRate', a.maxErrorRate, 'must be a ratio above 0 and at most 1 (0.01 = 1%)');
    }
    if (a.maxP95LatencySeconds !== undefined && !(a.maxP95LatencySeconds > 0)) {
      fail(this, 'strategy.analysis.maxP95LatencySeconds', a.maxP95LatencySeconds, 'must be above 0');
    }
    if (a.interval !== undefined && !DURATION.test(a.interval)) fail(this, 'strategy.analysis.interval', a.interval, 'must be a duration such as "30s" or "1m"');
    for (const k of ['count', 'failureLimit'] as const) {
      const v = a[k];
      if (v !== undefined && (!Number.isInteger(v) || v < (k === 'count' ? 1 : 0))) fail(this, `strategy.analysis.${k}`, v, `must be an integer >= ${k === 'count' ? 1 : 0}`);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // pod template
  // -------------------------------------------------------------------------------------------------------------

  private podTemplate(
    props: MicroserviceDeploymentProps,
    r: {
      secrets: Array<[string, RemoteSecretRef]>;
      config?: { mountPath: string; checksum: string };
      volumes: readonly VolumeMountSpec[];
      metrics?: { port: ResolvedPort; path: string };
      spread: boolean;
    },
  ): PodTemplateSpec {
    const profile = this.profile;
    const secretKeys = new Set(r.secrets.map(([k]) => k));
    const probePorts: ProbePort[] = this.ports.map((p) => ({ name: p.name, port: p.port }));

    const runAs = props.runAs ?? {};
    for (const k of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
      const v = runAs[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) fail(this, `runAs.${k}`, v, 'must be a non-zero uid/gid (PSS restricted forbids running as root)');
    }

    // Volumes every pod gets: /tmp (the root filesystem is read-only) and the config files.
    const volumes: Volume[] = [{ name: TMP_VOLUME, emptyDir: {} }];
    const mounts: VolumeMount[] = [];
    const userMountsTmp = r.volumes.some((v) => v.mountPath === TMP_MOUNT_PATH);
    if (!userMountsTmp) mounts.push({ name: TMP_VOLUME, mountPath: TMP_MOUNT_PATH });
    if (r.config) {
      volumes.push({ name: CONFIG_VOLUME, configMap: { name: `${props.name}-config` } });
      mounts.push({ name: CONFIG_VOLUME, mountPath: r.config.mountPath, readOnly: true });
    }
    for (const v of r.volumes) {
      volumes.push(v.volume.render(this.secretName, (q) => Quantity.fromString(q)));
      const readOnlyKind = v.volume.source.kind === 'configMap' || v.volume.source.kind === 'secret';
      mounts.push({ name: v.volume.name, mountPath: v.mountPath, readOnly: v.readOnly ?? (readOnlyKind ? true : undefined), subPath: v.subPath });
    }
    const volumeNames = new Set(volumes.map((v) => v.name));

    const probes = props.probes ?? {};
    if (this.ports.length === 0 && probes.liveness === undefined && probes.readiness === undefined) {
      // Nothing to derive a default from, and a pod without probes is never restarted when it hangs.
      fail(this, 'probes', props.probes, 'a service without ports has no default probe: set probes.liveness or probes.readiness (e.g. HealthProbe.exec([...]))');
    }
    const defaultProbe = this.ports.length > 0 ? HealthProbe.tcp() : HealthProbe.none();
    const grace = props.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
    if (!Number.isInteger(grace) || grace < 0) fail(this, 'terminationGracePeriodSeconds', grace, 'must be an integer >= 0');
    if (props.preStop && props.preStop.sleepSeconds >= grace) {
      fail(this, 'preStop', `sleep ${props.preStop.sleepSeconds}`, `must end before terminationGracePeriodSeconds (${grace}) or the container is killed mid-shutdown`);
    }

    const main: Container = {
      name: props.name,
      image: props.image.reference,
      imagePullPolicy: profile.imagePolicy.pullPolicy,
      command: props.command ? [...props.command] : undefined,
      args: props.args ? [...props.args] : undefined,
      ports: this.ports.length > 0 ? this.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })) : undefined,
      env: this.renderEnv('env', props.env ?? {}, secretKeys),
      resources: this.resolveResources('resources', props.resources),
      livenessProbe: (probes.liveness ?? defaultProbe).render(this, 'probes.liveness', 'liveness', probePorts),
      // A worker's liveness check doubles as its readiness check, so rollouts still wait for healthy pods.
      readinessProbe: (probes.readiness ?? (this.ports.length === 0 ? probes.liveness : undefined) ?? defaultProbe).render(this, 'probes.readiness', 'readiness', probePorts),
      startupProbe: probes.startup?.render(this, 'probes.startup', 'startup', probePorts),
      lifecycle: props.preStop ? { preStop: props.preStop.render(this, 'preStop', probePorts) } : undefined,
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: mounts,
    };

    const usedNames = new Set([props.name]);
    // Containers of a pod share one network namespace: a port number can be bound only once per pod.
    const podPorts = new Set(this.ports.map((p) => p.port));
    const extra = (field: string, list: readonly ExtraContainerSpec[], init: boolean): Container[] => list.map((c, i) => {
      const f = `${field}[${i}]`;
      if (!isDns1123Label(c.name)) fail(this, `${f}.name`, c.name, 'must be a DNS-1123 label');
      if (usedNames.has(c.name)) fail(this, `${f}.name`, c.name, 'container names must be unique in the pod');
      usedNames.add(c.name);
      c.image.validate(this, `${f}.image`, profile.imagePolicy, profile.name);
      const ports = this.resolvePorts(`${f}.ports`, c.ports ?? []);
      ports.forEach((p, j) => {
        if (podPorts.has(p.port)) fail(this, `${f}.ports[${j}].port`, p.port, 'another container of the pod already uses this port (containers share the pod\'s network)');
        podPorts.add(p.port);
      });
      const cm = (c.volumeMounts ?? []).map((m, j) => {
        if (!volumeNames.has(m.volume)) fail(this, `${f}.volumeMounts[${j}].volume`, m.volume, `must name a pod volume: ${[...volumeNames].join(', ')}`);
        return { name: m.volume, mountPath: m.mountPath, readOnly: m.readOnly };
      });
      if (!cm.some((m) => m.mountPath === TMP_MOUNT_PATH)) cm.unshift({ name: TMP_VOLUME, mountPath: TMP_MOUNT_PATH, readOnly: undefined });
      const p = c.probes ?? {};
      if (init && c.probes !== undefined) fail(this, `${f}.probes`, 'set', 'init containers take no probes: they run to completion before the pod starts');
      if (!init && ports.length === 0 && p.liveness === undefined && p.readiness === undefined) {
        fail(this, `${f}.probes`, c.probes, 'a sidecar without ports has no default probe: set probes.liveness or probes.readiness (e.g. HealthProbe.exec([...]))');
      }
      const sidecarPorts = ports.map((x) => ({ name: x.name, port: x.port }));
      const sidecarDefault = ports.length > 0 ? HealthProbe.tcp() : HealthProbe.none();
      return {
        name: c.name,
        image: c.image.reference,
        imagePullPolicy: profile.imagePolicy.pullPolicy,
        command: c.command ? [...c.command] : undefined,
        args: c.args ? [...c.args] : undefined,
        ports: ports.length > 0 ? ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })) : undefined,
        env: this.renderEnv(`${f}.env`, c.env ?? {}, secretKeys),
        resources: this.resolveResources(`${f}.resources`, c.resources),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: cm,
        ...(init ? {} : {
          livenessProbe: (p.liveness ?? sidecarDefault).render(this, `${f}.probes.liveness`, 'liveness', sidecarPorts),
          readinessProbe: (p.readiness ?? (ports.length === 0 ? p.liveness : undefined) ?? sidecarDefault).render(this, `${f}.probes.readiness`, 'readiness', sidecarPorts),
          startupProbe: p.startup?.render(this, `${f}.probes.startup`, 'startup', sidecarPorts),
        }),
      };
    });
    const initContainers = extra('initContainers', props.initContainers ?? [], true);
    const sidecars = extra('sidecars', props.sidecars ?? [], false);

    const annotations: Record<string, string> = {};
    if (r.config) annotations['checksum/config'] = r.config.checksum;
    if (r.metrics && !profile.monitoring.mode.usesOperator) {
      annotations['prometheus.io/scrape'] = 'true';
      annotations['prometheus.io/port'] = String(r.metrics.port.port);
      annotations['prometheus.io/path'] = r.metrics.path;
    }

    const spread = r.spread;
    const hashLabel = this.isRollout ? 'rollouts-pod-template-hash' : 'pod-template-hash';
    const nodeSelector = props.nodeSelector ?? {};
    const tolerations = props.tolerations ?? [];
    if (props.priorityClassName !== undefined && !isDns1123Label(props.priorityClassName) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(props.priorityClassName)) {
      fail(this, 'priorityClassName', props.priorityClassName, 'must be a DNS-1123 subdomain');
    }
    const needsApi = props.apiAccess !== undefined;

    return {
      metadata: { labels: { ...this.labels }, annotations: Object.keys(annotations).length > 0 ? annotations : undefined },
      spec: {
        serviceAccountName: props.name,
        automountServiceAccountToken: needsApi,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(runAs),
        terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
        priorityClassName: props.priorityClassName,
        nodeSelector: Object.keys(nodeSelector).length > 0 ? { ...nodeSelector } : undefined,
        tolerations: tolerations.length > 0 ? tolerations.map((t) => ({ ...t })) : undefined,
        topologySpreadConstraints: spread
          ? [ZONE_KEY, HOSTNAME_KEY].map((topologyKey) => ({
            maxSkew: 1,
            topologyKey,
            // Soft: a lost zone or a small node pool must not leave pods unschedulable.
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { ...this.podSelector } },
            matchLabelKeys: [hashLabel],
          }))
          : undefined,
        initContainers: initContainers.length > 0 ? initContainers : undefined,
        containers: [main, ...sidecars],
        volumes,
      },
    };
  }

  private renderEnv(field: string, env: Readonly<Record<string, EnvValue>>, secretKeys: ReadonlySet<string>): EnvVar[] | undefined {
    const out: EnvVar[] = [];
    for (const [name, v] of Object.entries(env)) {
      const f = `${field}.${name}`;
      if (!ENV_NAME.test(name)) fail(this, f, name, 'an environment variable name is [-._a-zA-Z][-._a-zA-Z0-9]*');
      if (!(v instanceof EnvValue)) {
        fail(this, f, redact(v), 'must be an EnvValue (EnvValue.value, fromConfigMap, fromSecret, fromExistingSecret, fromField)');
      }
      const s = v.source;
      if (s.kind === 'value' && SECRET_LIKE_ENV.test(name)) {
        fail(this, f, '<redacted>', 'looks like a secret: a literal value would be written to Git; declare it in `secrets` and use EnvValue.fromSecret(key)');
      }
      if (s.kind === 'secret' && s.name === undefined && !secretKeys.has(s.key)) {
        fail(this, f, s.key, `must be a key of \`secrets\`; declared keys: ${[...secretKeys].join(', ') || 'none'}`);
      }
      out.push(v.render(name, this.secretName));
    }
    return out.length > 0 ? out : undefined;
  }

  // -------------------------------------------------------------------------------------------------------------
  // objects
  // -------------------------------------------------------------------------------------------------------------

  private addWorkload(props: MicroserviceDeploymentProps, template: PodTemplateSpec, replicas: number | undefined): void {
    const metadata = { name: props.name, namespace: this.namespace, labels: { ...this.labels } };
    const selector = { matchLabels: { ...this.podSelector } };
    const o = this.strategy.options;
    if (o.kind === 'rollingUpdate') {
      new KubeDeployment(this, 'Resource', {
        metadata,
        spec: {
          replicas,
          selector,
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: intOrString(o.maxSurge ?? DEFAULT_MAX_SURGE), maxUnavailable: intOrString(o.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE) },
          },
          template,
        },
      });
      return;
    }
    const analysisRef = { templates: [{ templateName: `${props.name}-analysis` }] };
    let strategy: Record<string, unknown>;
    let needsAnalysis: boolean;
    if (o.kind === 'canary') {
      const steps = o.steps ?? DEFAULT_CANARY_STEPS;
      needsAnalysis = steps.some((s) => s.step.kind === 'analysis');
      const routing = o.nginxTrafficRouting ?? props.ingress !== undefined;
      strategy = {
        canary: {
          stableService: props.name,
          canaryService: `${props.name}-canary`,
          steps: steps.map((s) => renderStep(s, analysisRef)),
          ...(routing ? { trafficRouting: { nginx: { stableIngress: props.name } } } : {}),
        },
      };
    } else {
      needsAnalysis = o.prePromotionAnalysis ?? true;
      strategy = {
        blueGreen: {
          activeService: props.name,
          previewService: `${props.name}-preview`,
          autoPromotionEnabled: o.autoPromotion ?? false,
          ...(o.autoPromotionSeconds !== undefined ? { autoPromotionSeconds: o.autoPromotionSeconds } : {}),
          ...(needsAnalysis ? { prePromotionAnalysis: analysisRef } : {}),
          scaleDownDelaySeconds: o.scaleDownDelaySeconds ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS,
        },
      };
    }
    new ApiObject(this, 'Resource', {
      ...Rollout.GVK,
      metadata,
      spec: {
        ...(replicas !== undefined ? { replicas } : {}),
        selector,
        template: toJson_PodTemplateSpec(template),
        strategy,
      },
    });
    if (needsAnalysis) this.addAnalysisTemplate(o.analysis ?? {});
  }

  private addAnalysisTemplate(a: AnalysisOptions): void {
    const t = { namespace: this.namespace, service: this.workloadName };
    const address = a.prometheusAddress ?? `http://prometheus.${this.profile.monitoring.namespace}.svc:9090`;
    const maxErrorRate = a.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;
    const maxLatency = a.maxP95LatencySeconds ?? DEFAULT_MAX_P95_LATENCY_SECONDS;
    const common = {
      interval: a.interval ?? DEFAULT_ANALYSIS_INTERVAL,
      count: a.count ?? DEFAULT_ANALYSIS_COUNT,
      failureLimit: a.failureLimit ?? DEFAULT_ANALYSIS_FAILURE_LIMIT,
    };
    // The Argo Rollouts controller runs the analysis: Prometheus's NetworkPolicy must admit it.
    const prometheus = serviceOfUrl(address);
    if (prometheus) clusterServiceConnects(this, 'argoRollouts', prometheus, 'strategy.analysis');
    // No traffic yet (empty result or NaN) counts as success: a quiet canary is not a failed one.
    const ok = (max: number) => `len(result) == 0 || isNaN(result[0]) || result[0] <= ${max}`;
    new ApiObject(this, 'AnalysisTemplate', {
      ...AnalysisTemplate.GVK,
      metadata: { name: `${this.workloadName}-analysis`, namespace: this.namespace, labels: { ...this.labels } },
      spec: {
        metrics: [
          { name: 'error-rate', ...common, successCondition: ok(maxErrorRate), provider: { prometheus: { address, query: httpErrorRatioQuery(t) } } },
          { name: 'latency-p95', ...common, successCondition: ok(maxLatency), provider: { prometheus: { address, query: httpLatencyP95Query(t) } } },
        ],
      },
    });
  }

  private addServices(props: MicroserviceDeploymentProps): void {
    const exposure = props.service?.exposure ?? ServiceExposure.clusterIP();
    for (const r of exposure.sourceRanges) {
      if (!CIDR.test(r)) fail(this, 'service.exposure.sourceRanges', r, 'must be a CIDR such as "10.0.0.0/8"');
    }
    const ports = this.ports.map((p) => ({ name: p.name, port: p.servicePort, targetPort: IntOrString.fromString(p.name), protocol: p.protocol }));
    const service = (id: string, name: string, role: string | undefined, main: boolean, only?: string) => new KubeService(this, id, {
      metadata: {
        name,
        namespace: this.namespace,
        labels: { ...this.labels, ...(role ? { [ROLE_LABEL]: role } : {}) },
        annotations: main && props.service?.annotations ? { ...props.service.annotations } : undefined,
      },
      spec: {
        type: main && exposure.kind === 'LoadBalancer' ? 'LoadBalancer' : 'ClusterIP',
        clusterIp: main && exposure.kind === 'Headless' ? 'None' : undefined,
        loadBalancerSourceRanges: main && exposure.kind === 'LoadBalancer' ? [...exposure.sourceRanges] : undefined,
        selector: { ...this.podSelector },
        ports: only ? ports.filter((p) => p.name === only) : ports,
      },
    });
    service('Service', props.name, undefined, true);
    const o = this.strategy.options;
    if (o.kind === 'canary') service('CanaryService', `${props.name}-canary`, 'canary', false);
    if (o.kind === 'blueGreen') service('PreviewService', `${props.name}-preview`, 'preview', false, o.previewPort ?? this.ports[0].name);
  }

  private addIngress(i: IngressOptions): void {
    if (this.ports.length === 0) fail(this, 'ingress', 'set', 'an Ingress routes to the Service: declare `ports`');
    if (i.hosts.length === 0) fail(this, 'ingress.hosts', [], 'must list at least one host');
    const port = i.port === undefined ? this.ports[0] : this.ports.find((p) => p.name === i.port);
    if (!port) fail(this, 'ingress.port', i.port, `must name one of the ports: ${this.portNames()}`);
    if (i.rateLimitRps !== undefined && (!Number.isInteger(i.rateLimitRps) || i.rateLimitRps < 1)) {
      fail(this, 'ingress.rateLimitRps', i.rateLimitRps, 'must be an integer >= 1');
    }
    const seen = new Set<string>();
    const rules = i.hosts.map((h, idx) => {
      const host = h.hostname(this.profile.domain);
      if (host.length > 253 || !HOSTNAME.test(host)) fail(this, `ingress.hosts[${idx}]`, host, 'must be a DNS name (lowercase, dot-separated labels)');
      if (seen.has(host)) fail(this, `ingress.hosts[${idx}]`, host, 'hosts must be unique');
      seen.add(host);
      const paths: readonly IngressPath[] = h.paths ?? [{ path: '/' }];
      return {
        host,
        http: {
          paths: paths.map((p, j) => {
            if (!p.path.startsWith('/')) fail(this, `ingress.hosts[${idx}].paths[${j}].path`, p.path, 'must start with "/"');
            return { path: p.path, pathType: p.pathType ?? 'Prefix', backend: { service: { name: this.workloadName, port: { number: port.servicePort } } } };
          }),
        },
      };
    });
    const tls = this.profile.tlsIssuer !== undefined;
    const annotations: Record<string, string> = {};
    if (tls) {
      annotations['cert-manager.io/cluster-issuer'] = this.profile.tlsIssuer!;
      annotations['nginx.ingress.kubernetes.io/ssl-redirect'] = String(i.sslRedirect ?? true);
    }
    if (i.rateLimitRps !== undefined) annotations['nginx.ingress.kubernetes.io/limit-rps'] = String(i.rateLimitRps);
    Object.assign(annotations, i.annotations ?? {});
    new KubeIngress(this, 'Ingress', {
      metadata: { name: this.workloadName, namespace: this.namespace, labels: { ...this.labels }, annotations: Object.keys(annotations).length > 0 ? annotations : undefined },
      spec: {
        ingressClassName: i.className ?? this.profile.ingress.className,
        tls: tls ? [{ hosts: rules.map((r) => r.host), secretName: `${this.workloadName}-tls` }] : undefined,
        rules,
      },
    });
  }

  private addHpa(h: ReturnType<MicroserviceDeployment['resolveAutoscaling']>): void {
    const metrics: MetricSpecV2[] = [];
    if (h.cpu !== false) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: h.cpu } } });
    if (h.memory !== false) metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: h.memory } } });
    for (const p of h.pods) {
      metrics.push({ type: 'Pods', pods: { metric: { name: p.name }, target: { type: 'AverageValue', averageValue: Quantity.fromString(p.averageValue) } } });
    }
    const rules = (r: ScalingRules | undefined) => r && {
      stabilizationWindowSeconds: r.stabilizationWindowSeconds,
      selectPolicy: r.selectPolicy,
      policies: r.policies?.map((p) => ({ ...p })),
    };
    new KubeHorizontalPodAutoscalerV2(this, 'HorizontalPodAutoscaler', {
      metadata: { name: this.workloadName, namespace: this.namespace, labels: { ...this.labels } },
      spec: {
        scaleTargetRef: this.scaleTargetRef(),
        minReplicas: h.minReplicas,
        maxReplicas: h.maxReplicas,
        metrics,
        behavior: h.scaleUp || h.scaleDown ? { scaleUp: rules(h.scaleUp), scaleDown: rules(h.scaleDown) } : undefined,
      },
    });
  }

  private addVpa(v: ReturnType<MicroserviceDeployment['resolveVpa']>): void {
    const bounds = (b: { cpu?: string; memory?: string } | undefined) => b && Object.fromEntries(Object.entries(b).filter(([, x]) => x !== undefined));
    new ApiObject(this, 'VerticalPodAutoscaler', {
      ...VerticalPodAutoscaler.GVK,
      metadata: { name: this.workloadName, namespace: this.namespace, labels: { ...this.labels } },
      spec: {
        targetRef: this.scaleTargetRef(),
        updatePolicy: { updateMode: v.mode.updateMode },
        resourcePolicy: {
          containerPolicies: [{
            containerName: this.workloadName,
            ...(v.minAllowed ? { minAllowed: bounds(v.minAllowed) } : {}),
            ...(v.maxAllowed ? { maxAllowed: bounds(v.maxAllowed) } : {}),
            controlledResources: [...v.controlled],
          }],
        },
      },
    });
  }

  private scaleTargetRef() {
    return this.isRollout
      ? { apiVersion: Rollout.GVK.apiVersion, kind: Rollout.GVK.kind, name: this.workloadName }
      : { apiVersion: 'apps/v1', kind: 'Deployment', name: this.workloadName };
  }

  private addRbac(access: ApiAccess, metadata: { name: string; namespace: string; labels: Record<string, string> }): void {
    if (access.rules.length === 0) fail(this, 'apiAccess.rules', [], 'must list at least one permission (leave apiAccess out for none)');
    const rules = access.rules.map((r, i) => {
      const f = `apiAccess.rules[${i}]`;
      if (r.resources.length === 0 || r.resources.includes('*')) fail(this, `${f}.resources`, r.resources, 'must name resources explicitly (no "*": least privilege)');
      if (r.verbs.length === 0) fail(this, `${f}.verbs`, r.verbs, `must list verbs from: ${API_VERBS.join(', ')}`);
      for (const v of r.verbs) {
        if (!(API_VERBS as readonly string[]).includes(v)) fail(this, `${f}.verbs`, v, `must be one of: ${API_VERBS.join(', ')} (no "*": least privilege)`);
      }
      if ((r.apiGroups ?? []).includes('*')) fail(this, `${f}.apiGroups`, r.apiGroups, 'must name API groups explicitly (no "*": least privilege)');
      return { apiGroups: [...(r.apiGroups ?? [''])], resources: [...r.resources], verbs: [...r.verbs], resourceNames: r.resourceNames ? [...r.resourceNames] : undefined };
    });
    for (const c of access.serverCidrs ?? []) {
      if (!CIDR.test(c)) fail(this, 'apiAccess.serverCidrs', c, 'must be a CIDR such as "10.0.0.1/32"');
    }
    new KubeRole(this, 'Role', { metadata, rules });
    new KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: metadata.name },
      subjects: [{ kind: 'ServiceAccount', name: metadata.name, namespace: metadata.namespace }],
    });
  }

  private addNetworkPolicy(props: MicroserviceDeploymentProps, metrics: { port: ResolvedPort } | undefined): void {
    const graph = ConnectionGraph.of(this);
    const portRule = (p: { port: number; protocol?: string }) => ({ protocol: p.protocol ?? 'TCP', port: p.port });
    const nsPeer = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
    const exposure = props.service?.exposure ?? ServiceExposure.clusterIP();
    const ingressPort = props.ingress ? (props.ingress.port === undefined ? this.ports[0] : this.ports.find((p) => p.name === props.ingress!.port)) : undefined;
    const apiServer = apiServerOf(this.profile);
    const apiCidrs = props.apiAccess ? props.apiAccess.serverCidrs ?? apiServer.cidrs : undefined;

    // Rules from the graph are produced at synth, so connections declared after this construct are included.
    const ingress = Lazy.any({
      produce: () => {
        const rules: unknown[] = graph.ingressOf(this).map((c) => ({ from: peersOf(c.from), ports: c.ports.map(portRule) }));
        if (ingressPort) rules.push({ from: [nsPeer(this.profile.ingress.controllerNamespace)], ports: [portRule(ingressPort)] });
        if (exposure.kind === 'LoadBalancer' && this.ports.length > 0) {
          rules.push({ from: exposure.sourceRanges.map((cidr) => ({ ipBlock: { cidr } })), ports: this.ports.map(portRule) });
        }
        if (metrics) rules.push({ from: [nsPeer(this.profile.monitoring.namespace)], ports: [portRule(metrics.port)] });
        return rules;
      },
    });
    const egress = Lazy.any({
      produce: () => {
        const rules: unknown[] = [JSON.parse(JSON.stringify(DNS_EGRESS_RULE))];
        for (const c of graph.egressOf(this)) {
          rules.push({ to: peersOf(c.to), ports: c.ports.map(portRule) });
        }
        if (apiCidrs) rules.push({ to: apiCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: apiServer.ports.map((port) => ({ protocol: 'TCP', port })) });
        return rules;
      },
    });
    new ApiObject(this, 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: this.workloadName, namespace: this.namespace, labels: { ...this.labels } },
      spec: { podSelector: { matchLabels: { ...this.podSelector } }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
    });
  }

  private addMonitoring(props: MicroserviceDeploymentProps, metrics: { port: ResolvedPort; path: string; httpMetrics: boolean }): void {
    const a = props.alerts ?? {};
    const maxErrorRate = a.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;
    if (!(maxErrorRate > 0 && maxErrorRate <= 1)) fail(this, 'alerts.maxErrorRate', maxErrorRate, 'must be a ratio above 0 and at most 1 (0.01 = 1%)');
    const maxLatency = a.maxP95LatencySeconds ?? DEFAULT_MAX_P95_LATENCY_SECONDS;
    if (!(maxLatency > 0)) fail(this, 'alerts.maxP95LatencySeconds', maxLatency, 'must be above 0');
    const rules: AlertRule[] = (a.enabled ?? true)
      ? [
        ...microserviceAlertRules({
          namespace: this.namespace, service: this.workloadName, team: props.team, httpMetrics: metrics.httpMetrics,
          rollout: this.isRollout, maxErrorRate, maxP95LatencySeconds: maxLatency, runbookBaseUrl: a.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL,
        }),
        ...(a.extraRules ?? []),
      ]
      : [];
    MonitoringRegistry.of(this).register({
      name: this.workloadName,
      namespace: this.namespace,
      kind: 'service',
      team: props.team,
      selector: { ...this.podSelector },
      metricsPort: { name: metrics.port.name, port: metrics.port.port },
      metricsPath: metrics.path,
      httpMetrics: metrics.httpMetrics,
      rules,
    });
    if (!this.profile.monitoring.mode.usesOperator) return;
    const metadata = { name: this.workloadName, namespace: this.namespace, labels: { ...this.labels } };
    new ApiObject(this, 'ServiceMonitor', {
      ...ServiceMonitor.GVK,
      metadata,
      spec: {
        // The canary and preview Services select the same pods; scraping them too would double every series.
        selector: { matchLabels: { ...this.podSelector }, matchExpressions: [{ key: ROLE_LABEL, operator: 'DoesNotExist' }] },
        endpoints: [{ port: metrics.port.name, path: metrics.path, interval: this.profile.monitoring.scrapeInterval }],
      },
    });
    if (rules.length > 0) {
      new ApiObject(this, 'PrometheusRule', {
        ...PrometheusRule.GVK,
        metadata,
        spec: {
          groups: [{
            name: `${this.namespace}.${this.workloadName}`,
            rules: rules.map((r) => ({
              alert: r.alert,
              expr: r.expr,
              for: r.for,
              labels: { severity: r.severity, ...(r.labels ?? {}) },
              annotations: { summary: r.summary, description: r.description, runbook_url: r.runbookUrl },
            })),
          }],
        },
      });
    }
  }

  private portNames(): string {
    return this.ports.map((p) => p.name).join(', ') || 'none';
  }
}

function intOrString(v: number | string): IntOrString {
  return typeof v === 'number' ? IntOrString.fromNumber(v) : IntOrString.fromString(v);
}

function renderStep(s: CanaryStep, analysisRef: unknown): Record<string, unknown> {
  const st = s.step;
  switch (st.kind) {
    case 'setWeight':
      return { setWeight: st.weight };
    case 'pause':
      return { pause: st.duration !== undefined ? { duration: st.duration } : {} };
    case 'analysis':
      return { analysis: analysisRef };
  }
}

/** Shows the shape of a rejected secret-ish value without its content. */
function redact(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  if (typeof v !== 'object') return '<redacted>';
  return Object.fromEntries(Object.keys(v as object).map((k) => [k, '<redacted>']));
}
