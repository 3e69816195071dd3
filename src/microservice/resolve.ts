/**
 * Pure resolution of a MicroserviceDeployment's props against the environment profile: defaults applied, every
 * input checked, no construct created. Errors name `scope` (the construct, or its path in tests) and the field.
 */
import { createHash } from 'crypto';
import { IConstruct } from 'constructs';
import { Quantity, ResourceRequirements } from '../../imports/k8s';
import { WorkloadPort } from '../core/connections';
import { AutoscalingDefaults, EnvironmentProfile, ResourceDefaults } from '../core/environment-profile';
import { fail } from '../core/errors';
import { selectorLabels, workloadLabels } from '../core/labels';
import { isQuantity, parseQuantity } from '../core/quantity';
import { sortedEntries } from '../core/records';
import { isDns1123Label, labelValueProblem } from '../synth/schema-validator';
import { RemoteSecretRef } from './env';
import { checkImage } from './image';
import {
  ConfigFiles,
  DEFAULT_CONFIG_MOUNT_PATH,
  DEFAULT_MAX_SURGE,
  DEFAULT_MAX_UNAVAILABLE,
  DEFAULT_METRICS_PATH,
  DEFAULT_PDB_MAX_UNAVAILABLE,
  MAX_SERVICE_NAME_LENGTH,
  MetricsOptions,
  MicroserviceDeploymentProps,
  ResourceOverrides,
  ServicePortSpec,
  VolumeMountSpec,
} from './props';
import { AutoscalingOptions, DisruptionBudgetOptions, PodsMetric, ScalingRules, VerticalAutoscalingOptions, VpaMode } from './scaling';
import { AnalysisOptions, DEFAULT_CANARY_STEPS, RolloutStrategy } from './strategy';
import { appProtocolOf, CanaryRouting, canaryRouting, ResolvedExposure, resolveExposure } from './exposure-resolve';

/** Where an error is reported: the construct, or a construct path. */
export type ErrorScope = IConstruct | string;

/** Name of the `/tmp` volume every pod gets, and of the config files' volume: reserved for user volumes. */
export const TMP_VOLUME = 'tmp';
export const CONFIG_VOLUME = 'config';
export const CIDR = /^([0-9]{1,3}\.){3}[0-9]{1,3}\/[0-9]{1,2}$|^[0-9a-fA-F:]+\/[0-9]{1,3}$/;

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const INT_OR_PERCENT = /^[0-9]+%$/;
const DURATION = /^[0-9]+(s|m|h)$/;
const LABEL_SAFE_TAG = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** A port with its Service port, protocol and application protocol defaulted. */
export interface ResolvedPort extends ServicePortSpec {
  readonly servicePort: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly appProtocol: 'http' | 'grpc';
}

/** The metrics endpoint, when metrics are enabled. */
export interface ResolvedMetrics {
  readonly port: ResolvedPort;
  readonly path: string;
  readonly httpMetrics: boolean;
}

/** Config files sorted by name, with the checksum that rolls the pods when they change. */
export interface ResolvedConfig {
  readonly files: Record<string, string>;
  readonly mountPath: string;
  readonly checksum: string;
}

/** The HPA's settings, defaulted from `profile.autoscaling`. */
export interface ResolvedAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpu: number | false;
  readonly memory: number | false;
  readonly pods: readonly PodsMetric[];
  readonly scaleUp?: ScalingRules;
  readonly scaleDown?: ScalingRules;
}

/** The VPA's settings. */
export interface ResolvedVpa {
  readonly mode: VpaMode;
  readonly controlled: ReadonlyArray<'cpu' | 'memory'>;
  readonly minAllowed?: { readonly cpu?: string; readonly memory?: string };
  readonly maxAllowed?: { readonly cpu?: string; readonly memory?: string };
}

/** Everything the parts of a MicroserviceDeployment (pod template, rollout, exposure, ...) are built from. */
export interface ResolvedMicroservice {
  readonly profile: EnvironmentProfile;
  readonly name: string;
  readonly namespace: string;
  /** Labels on every object of the service. */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels that select the pods (never the version: selectors are immutable). */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Name of the Secret the ExternalSecret maintains. */
  readonly secretName: string;
  readonly strategy: RolloutStrategy;
  /** An Argo Rollout rather than a Deployment. */
  readonly isRollout: boolean;
  /** Ports of the main container; the first is the main port. */
  readonly ports: readonly ResolvedPort[];
  /** Ports clients may connect to (the metrics port only when it is the main port). */
  readonly clientPorts: readonly WorkloadPort[];
  readonly metrics?: ResolvedMetrics;
  readonly secrets: ReadonlyArray<readonly [string, RemoteSecretRef]>;
  readonly config?: ResolvedConfig;
  readonly volumes: readonly VolumeMountSpec[];
  /** The fixed replica count; undefined when an HPA owns it. */
  readonly replicas?: number;
  readonly autoscaling?: ResolvedAutoscaling;
  /** The most replicas that can run (a PDB and spreading only make sense above one). */
  readonly maxReplicas: number;
  readonly disruptionBudget: DisruptionBudgetOptions;
  readonly verticalAutoscaling?: ResolvedVpa;
  readonly topologySpread: boolean;
  /** How the service is reached from outside (`ingress`), on the environment's traffic layer. */
  readonly exposure?: ResolvedExposure;
  /** How a canary splits traffic: route weights through the traffic layer, or replicas (undefined). */
  readonly canaryRouting: CanaryRouting;
}

/** Resolves and checks the props of a MicroserviceDeployment against `profile`, in the order a user reads them. */
export function resolveMicroservice(scope: ErrorScope, props: MicroserviceDeploymentProps, profile: EnvironmentProfile): ResolvedMicroservice {
  // --- identity -------------------------------------------------------------------------------------------------
  if (props.name.length > MAX_SERVICE_NAME_LENGTH || !DNS1035_LABEL.test(props.name)) {
    fail(
      scope,
      'name',
      props.name,
      `must be a DNS-1035 label of at most ${MAX_SERVICE_NAME_LENGTH} characters: lowercase letters, digits and "-", starting with a letter and ending alphanumeric (derived names such as "<name>-preview" must stay within 63)`,
    );
  }
  if (!isDns1123Label(props.namespace)) {
    fail(scope, 'namespace', props.namespace, 'must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric');
  }
  const strategy = props.strategy ?? RolloutStrategy.rollingUpdate();

  // --- ports, image, labels -------------------------------------------------------------------------------------
  const ports = resolvePorts(scope, 'ports', props.ports ?? []);
  checkImage(scope, 'image', props.image, profile);
  const version = props.version ?? (props.image.tag !== undefined && LABEL_SAFE_TAG.test(props.image.tag) ? props.image.tag : undefined);
  for (const k of ['team', 'costCenter', 'partOf', 'component', 'version'] as const) {
    const v = props[k];
    if (v !== undefined && (v === '' || labelValueProblem(v))) {
      fail(scope, k, v, 'must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric');
    }
  }
  const labels = workloadLabels({
    name: props.name,
    component: props.component ?? 'service',
    partOf: props.partOf,
    version,
    team: props.team,
    costCenter: props.costCenter,
  });

  // --- metrics --------------------------------------------------------------------------------------------------
  const metrics = resolveMetrics(scope, props.metrics, ports);
  const clientPorts = ports
    .filter((p) => !(metrics && p.name === metrics.port.name && p !== ports[0]))
    .map((p) => ({ name: p.name, port: p.port, protocol: p.protocol }));

  // --- secrets, config, volumes ---------------------------------------------------------------------------------
  const secrets = resolveSecrets(scope, props.secrets ?? {});
  const config = resolveConfig(scope, props.config);
  const volumes = resolveVolumes(scope, props.volumes ?? [], secrets.length > 0, config !== undefined);

  // --- replicas and scaling -------------------------------------------------------------------------------------
  if (props.replicas !== undefined && props.autoscaling !== undefined) {
    fail(scope, 'replicas', props.replicas, 'an HPA owns the replica count when `autoscaling` is set: remove `replicas` or `autoscaling`');
  }
  if (props.replicas !== undefined && (!Number.isInteger(props.replicas) || props.replicas < 1)) {
    fail(scope, 'replicas', props.replicas, 'must be an integer >= 1');
  }
  const autoscaling = props.autoscaling ? resolveAutoscaling(scope, props.autoscaling, profile.autoscaling) : undefined;
  const replicas = props.replicas ?? profile.replicas;
  const minReplicas = autoscaling ? autoscaling.minReplicas : replicas;
  const maxReplicas = autoscaling ? autoscaling.maxReplicas : replicas;
  const disruptionBudget = resolveDisruptionBudget(scope, props.disruptionBudget, minReplicas);
  const verticalAutoscaling = props.verticalAutoscaling ? resolveVpa(scope, props.verticalAutoscaling, autoscaling) : undefined;

  // --- strategy and exposure -----------------------------------------------------------------------------------
  validateStrategy(scope, strategy, { hasIngress: props.ingress !== undefined, ports, metrics });
  const exposure = resolveExposure(scope, props.ingress, ports, strategy, profile);

  return {
    profile,
    name: props.name,
    namespace: props.namespace,
    labels,
    podSelector: selectorLabels(props.name),
    secretName: `${props.name}-secrets`,
    strategy,
    isRollout: strategy.isProgressive,
    ports,
    clientPorts,
    metrics,
    secrets,
    config,
    volumes,
    replicas: autoscaling ? undefined : replicas,
    autoscaling,
    maxReplicas,
    disruptionBudget,
    verticalAutoscaling,
    topologySpread: props.topologySpread ?? (profile.highAvailability || maxReplicas > 1),
    ...(exposure ? { exposure } : {}),
    canaryRouting: canaryRouting(scope, strategy, exposure, profile),
  };
}

/** Port names for error messages. */
export function portNames(ports: readonly ResolvedPort[]): string {
  return ports.map((p) => p.name).join(', ') || 'none';
}

/** Ports of a container: IANA names, valid and unique numbers, Service ports defaulted to the container ports. */
export function resolvePorts(scope: ErrorScope, field: string, ports: readonly ServicePortSpec[]): ResolvedPort[] {
  const names = new Set<string>();
  const numbers = new Set<number>();
  const servicePorts = new Set<number>();
  return ports.map((p, i) => {
    const f = `${field}[${i}]`;
    if (p.name.length > 15 || !IANA_SVC_NAME.test(p.name)) {
      fail(
        scope,
        `${f}.name`,
        p.name,
        'must be an IANA service name: at most 15 characters of [a-z0-9-] with at least one letter, starting and ending alphanumeric',
      );
    }
    for (const [k, v] of [
      ['port', p.port],
      ['servicePort', p.servicePort],
    ] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 65535)) fail(scope, `${f}.${k}`, v, 'must be an integer from 1 to 65535');
    }
    if (names.has(p.name)) fail(scope, `${f}.name`, p.name, 'port names must be unique');
    if (numbers.has(p.port)) fail(scope, `${f}.port`, p.port, 'port numbers must be unique');
    const servicePort = p.servicePort ?? p.port;
    if (servicePorts.has(servicePort)) fail(scope, `${f}.servicePort`, servicePort, 'service port numbers must be unique');
    names.add(p.name);
    numbers.add(p.port);
    servicePorts.add(servicePort);
    if (p.appProtocol !== undefined && p.appProtocol !== 'http' && p.appProtocol !== 'grpc')
      fail(scope, `${f}.appProtocol`, p.appProtocol, 'must be "http" or "grpc"');
    return { ...p, servicePort, protocol: p.protocol ?? 'TCP', appProtocol: appProtocolOf(p) };
  });
}

/** The metrics endpoint: on by default when there is a port; the `metrics` port, else the main port. */
export function resolveMetrics(scope: ErrorScope, m: MetricsOptions | undefined, ports: readonly ResolvedPort[]): ResolvedMetrics | undefined {
  const enabled = m?.enabled ?? ports.length > 0;
  if (!enabled) return undefined;
  let port: ResolvedPort | undefined;
  if (m?.port !== undefined) {
    port = ports.find((p) => p.name === m.port);
    if (!port) fail(scope, 'metrics.port', m.port, `must name one of the ports: ${portNames(ports)}`);
  } else {
    port = ports.find((p) => p.name === 'metrics') ?? ports[0];
    if (!port) fail(scope, 'metrics.enabled', true, 'metrics need a port: declare one in `ports`');
  }
  const path = m?.path ?? DEFAULT_METRICS_PATH;
  if (!path.startsWith('/')) fail(scope, 'metrics.path', path, 'must be an absolute URL path starting with "/"');
  return { port, path, httpMetrics: m?.httpMetrics ?? true };
}

/** Secret keys and their remote references; a literal value is refused without being echoed. */
export function resolveSecrets(scope: ErrorScope, secrets: Readonly<Record<string, RemoteSecretRef>>): Array<[string, RemoteSecretRef]> {
  const out: Array<[string, RemoteSecretRef]> = [];
  for (const [k, ref] of Object.entries(secrets)) {
    const f = `secrets.${k}`;
    if (k.length > 253 || !CONFIG_KEY.test(k)) fail(scope, f, k, 'a Secret key is 1-253 characters of [-._a-zA-Z0-9]');
    // Types forbid literal values; this catches values smuggled in through `any` without echoing them.
    const extra = ref && typeof ref === 'object' ? Object.keys(ref).filter((x) => !['key', 'property', 'version'].includes(x)) : [];
    if (!ref || typeof ref !== 'object' || typeof ref.key !== 'string' || ref.key === '' || extra.length > 0) {
      fail(
        scope,
        f,
        redact(ref),
        'must be a remote reference { key, property?, version? } into the secret store; literal secret values are never written to Git',
      );
    }
    out.push([k, ref]);
  }
  return out;
}

/** Config files sorted by name, their mount path and checksum. */
export function resolveConfig(scope: ErrorScope, config: ConfigFiles | undefined): ResolvedConfig | undefined {
  if (!config) return undefined;
  const keys = Object.keys(config.files);
  if (keys.length === 0) fail(scope, 'config.files', config.files, 'must hold at least one file');
  for (const k of keys) {
    if (k.length > 253 || !CONFIG_KEY.test(k)) fail(scope, `config.files.${k}`, k, 'a ConfigMap key (file name) is 1-253 characters of [-._a-zA-Z0-9]');
  }
  const mountPath = config.mountPath ?? DEFAULT_CONFIG_MOUNT_PATH;
  if (!mountPath.startsWith('/')) fail(scope, 'config.mountPath', mountPath, 'must be an absolute path');
  const files = Object.fromEntries(sortedEntries(config.files));
  const checksum = createHash('sha256').update(JSON.stringify(files)).digest('hex');
  return { files, mountPath, checksum };
}

/** Checks the user's volumes: names unique and not reserved, absolute unique mount paths, sources that exist. */
export function resolveVolumes(scope: ErrorScope, volumes: readonly VolumeMountSpec[], hasSecrets: boolean, hasConfig: boolean): readonly VolumeMountSpec[] {
  const names = new Set<string>([TMP_VOLUME, ...(hasConfig ? [CONFIG_VOLUME] : [])]);
  const paths = new Set<string>();
  volumes.forEach((v, i) => {
    const f = `volumes[${i}]`;
    if (!isDns1123Label(v.volume.name)) fail(scope, `${f}.volume.name`, v.volume.name, 'must be a DNS-1123 label');
    if (v.volume.name === TMP_VOLUME || v.volume.name === CONFIG_VOLUME) {
      fail(scope, `${f}.volume.name`, v.volume.name, `"${TMP_VOLUME}" and "${CONFIG_VOLUME}" are reserved for the /tmp and config volumes`);
    }
    if (names.has(v.volume.name)) fail(scope, `${f}.volume.name`, v.volume.name, 'volume names must be unique');
    if (!v.mountPath.startsWith('/')) fail(scope, `${f}.mountPath`, v.mountPath, 'must be an absolute path');
    if (paths.has(v.mountPath)) fail(scope, `${f}.mountPath`, v.mountPath, 'mount paths must be unique');
    const s = v.volume.source;
    if (s.kind === 'secret' && s.secretName === undefined && !hasSecrets) {
      fail(scope, `${f}.volume`, v.volume.name, "mounts the service's own Secret, but `secrets` is empty: declare its keys in `secrets`");
    }
    if (s.kind === 'emptyDir' && s.sizeLimit !== undefined && !isQuantity(s.sizeLimit)) {
      fail(scope, `${f}.volume.sizeLimit`, s.sizeLimit, 'must be a Kubernetes quantity, e.g. "1Gi"');
    }
    names.add(v.volume.name);
    paths.add(v.mountPath);
  });
  return volumes;
}

/** Requests and limits: each value from the overrides, else the profile's; positive, requests within limits. */
export function resolveResources(scope: ErrorScope, field: string, o: ResourceOverrides | undefined, d: ResourceDefaults): ResourceRequirements {
  const values = {
    requests: { cpu: o?.requests?.cpu ?? d.requests.cpu, memory: o?.requests?.memory ?? d.requests.memory },
    limits: { cpu: o?.limits?.cpu ?? d.limits.cpu, memory: o?.limits?.memory ?? d.limits.memory },
  };
  for (const kind of ['requests', 'limits'] as const) {
    for (const r of ['cpu', 'memory'] as const) {
      const v = values[kind][r];
      if (v !== undefined && (!isQuantity(v) || parseQuantity(v)! <= 0)) {
        fail(
          scope,
          `${field}.${kind}.${r}`,
          v,
          r === 'cpu' ? 'must be a positive Kubernetes quantity, e.g. "250m" or "0.5"' : 'must be a positive Kubernetes quantity, e.g. "256Mi" or "1Gi"',
        );
      }
    }
  }
  for (const r of ['cpu', 'memory'] as const) {
    const req = values.requests[r];
    const lim = values.limits[r];
    if (lim !== undefined && parseQuantity(req)! > parseQuantity(lim)!) {
      fail(scope, `${field}.requests.${r}`, req, `must not exceed the ${r} limit "${lim}" (${field}.limits.${r})`);
    }
  }
  const q = (m: Record<string, string | undefined>) =>
    Object.fromEntries(
      Object.entries(m)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, Quantity.fromString(v!)]),
    );
  return { requests: q(values.requests), limits: q(values.limits) };
}

/** The HPA's bounds and metrics, each defaulted from the profile. */
export function resolveAutoscaling(scope: ErrorScope, a: AutoscalingOptions, d: AutoscalingDefaults): ResolvedAutoscaling {
  const minReplicas = a.minReplicas ?? d.minReplicas;
  const maxReplicas = a.maxReplicas ?? d.maxReplicas;
  if (!Number.isInteger(minReplicas) || minReplicas < 1) fail(scope, 'autoscaling.minReplicas', minReplicas, 'must be an integer >= 1');
  if (!Number.isInteger(maxReplicas) || maxReplicas < 1) fail(scope, 'autoscaling.maxReplicas', maxReplicas, 'must be an integer >= 1');
  if (minReplicas > maxReplicas) {
    fail(scope, 'autoscaling.minReplicas', minReplicas, `must not exceed autoscaling.maxReplicas (${maxReplicas})`);
  }
  const cpu = a.cpuUtilization ?? d.cpuUtilization;
  const memory = a.memoryUtilization ?? d.memoryUtilization;
  for (const [k, v] of [
    ['cpuUtilization', cpu],
    ['memoryUtilization', memory],
  ] as const) {
    if (v !== false && (!Number.isInteger(v) || v < 1)) fail(scope, `autoscaling.${k}`, v, 'must be a whole percentage >= 1, or false');
  }
  const pods = a.podsMetrics ?? [];
  pods.forEach((m, i) => {
    if (!isQuantity(m.averageValue))
      fail(scope, `autoscaling.podsMetrics[${i}].averageValue`, m.averageValue, 'must be a Kubernetes quantity, e.g. "100" or "500m"');
  });
  if (cpu === false && memory === false && pods.length === 0) {
    fail(scope, 'autoscaling', 'no metrics', 'needs at least one metric: cpuUtilization, memoryUtilization or podsMetrics');
  }
  validateScalingRules(scope, 'autoscaling.scaleUp', a.scaleUp);
  validateScalingRules(scope, 'autoscaling.scaleDown', a.scaleDown);
  return { minReplicas, maxReplicas, cpu, memory, pods, scaleUp: a.scaleUp, scaleDown: a.scaleDown };
}

function validateScalingRules(scope: ErrorScope, field: string, r: ScalingRules | undefined): void {
  if (!r) return;
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && (!Number.isInteger(w) || w < 0 || w > 3600))
    fail(scope, `${field}.stabilizationWindowSeconds`, w, 'must be an integer from 0 to 3600');
  (r.policies ?? []).forEach((p, i) => {
    if (!Number.isInteger(p.value) || p.value < 1) fail(scope, `${field}.policies[${i}].value`, p.value, 'must be an integer >= 1');
    if (!Number.isInteger(p.periodSeconds) || p.periodSeconds < 1 || p.periodSeconds > 1800) {
      fail(scope, `${field}.policies[${i}].periodSeconds`, p.periodSeconds, 'must be an integer from 1 to 1800');
    }
  });
}

/** The PDB: either bound, never one that blocks every eviction with `minReplicas` replicas. */
export function resolveDisruptionBudget(scope: ErrorScope, o: DisruptionBudgetOptions | undefined, minReplicas: number): DisruptionBudgetOptions {
  if (o?.minAvailable !== undefined && o.maxUnavailable !== undefined) {
    fail(scope, 'disruptionBudget', o, 'set either minAvailable or maxUnavailable, not both');
  }
  const check = (field: string, v: number | string): number => {
    if (typeof v === 'number' ? !Number.isInteger(v) || v < 0 : !INT_OR_PERCENT.test(v) || parseInt(v, 10) > 100) {
      fail(scope, `disruptionBudget.${field}`, v, 'must be an integer >= 0 or a percentage from "0%" to "100%"');
    }
    // Kubernetes rounds percentages up, for both fields.
    return typeof v === 'number' ? v : Math.ceil((parseInt(v, 10) * minReplicas) / 100);
  };
  if (o?.minAvailable !== undefined) {
    const n = check('minAvailable', o.minAvailable);
    if (n >= minReplicas) {
      fail(
        scope,
        'disruptionBudget.minAvailable',
        o.minAvailable,
        `blocks every voluntary eviction (node drains hang) with ${minReplicas} replica(s): must keep fewer than ${minReplicas} pod(s) available`,
      );
    }
    return { minAvailable: o.minAvailable };
  }
  const maxUnavailable = o?.maxUnavailable ?? DEFAULT_PDB_MAX_UNAVAILABLE;
  if (check('maxUnavailable', maxUnavailable) === 0) {
    fail(scope, 'disruptionBudget.maxUnavailable', maxUnavailable, 'blocks every voluntary eviction (node drains hang): must allow at least one pod');
  }
  return { maxUnavailable };
}

/** The VPA; one that changes the requests an HPA scales on would fight it. */
export function resolveVpa(scope: ErrorScope, v: VerticalAutoscalingOptions, hpa: ResolvedAutoscaling | undefined): ResolvedVpa {
  const mode = v.mode ?? VpaMode.recommend();
  const controlled = v.controlledResources ?? ['cpu', 'memory'];
  if (controlled.length === 0) fail(scope, 'verticalAutoscaling.controlledResources', controlled, 'must name cpu, memory or both');
  if (hpa && mode.updateMode !== 'Off') {
    const clash = controlled.filter((r) => (r === 'cpu' ? hpa.cpu !== false : hpa.memory !== false));
    if (clash.length > 0) {
      fail(
        scope,
        'verticalAutoscaling.mode',
        mode.updateMode,
        `the HPA scales on ${clash.join(' and ')} utilization, so a VPA that changes those requests fights it: use VpaMode.recommend(), or leave ${clash.join(' and ')} out of controlledResources`,
      );
    }
  }
  for (const b of ['minAllowed', 'maxAllowed'] as const) {
    for (const r of ['cpu', 'memory'] as const) {
      const q = v[b]?.[r];
      if (q !== undefined && !isQuantity(q)) fail(scope, `verticalAutoscaling.${b}.${r}`, q, 'must be a Kubernetes quantity');
    }
  }
  return { mode, controlled, minAllowed: v.minAllowed, maxAllowed: v.maxAllowed };
}

/** Checks the rollout strategy against what the service has (ports, Ingress, HTTP metrics for analysis). */
export function validateStrategy(
  scope: ErrorScope,
  strategy: RolloutStrategy,
  service: { readonly hasIngress: boolean; readonly ports: readonly ResolvedPort[]; readonly metrics?: { readonly httpMetrics: boolean } },
): void {
  const { ports, metrics } = service;
  const o = strategy.options;
  if (o.kind === 'rollingUpdate') {
    const surge = o.maxSurge ?? DEFAULT_MAX_SURGE;
    const unavailable = o.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
    for (const [k, v] of [
      ['maxSurge', surge],
      ['maxUnavailable', unavailable],
    ] as const) {
      if (typeof v === 'number' ? !Number.isInteger(v) || v < 0 : !INT_OR_PERCENT.test(v)) {
        fail(scope, `strategy.${k}`, v, 'must be an integer >= 0 or a percentage such as "25%"');
      }
    }
    if (parseInt(String(surge), 10) === 0 && parseInt(String(unavailable), 10) === 0) {
      fail(scope, 'strategy.maxUnavailable', unavailable, 'maxSurge and maxUnavailable cannot both be 0 (the update could never progress)');
    }
    return;
  }
  validateAnalysis(scope, o.analysis);
  if (o.kind === 'canary') {
    const steps = o.steps ?? DEFAULT_CANARY_STEPS;
    let last = 0;
    steps.forEach((s, i) => {
      const st = s.step;
      if (st.kind === 'setWeight') {
        if (!Number.isInteger(st.weight) || st.weight < 1 || st.weight > 100) {
          fail(scope, `strategy.steps[${i}].setWeight`, st.weight, 'must be an integer from 1 to 100');
        }
        if (st.weight <= last) fail(scope, `strategy.steps[${i}].setWeight`, st.weight, `weights must increase: the previous step set ${last}`);
        last = st.weight;
      } else if (st.kind === 'pause' && st.duration !== undefined && !DURATION.test(st.duration)) {
        fail(scope, `strategy.steps[${i}].pause`, st.duration, 'must be a duration such as "30s", "5m" or "1h", or no duration (wait for manual promotion)');
      } else if (st.kind === 'analysis' && !metrics?.httpMetrics) {
        fail(scope, `strategy.steps[${i}]`, 'analysis', 'an analysis step queries the HTTP metrics of the service: enable `metrics` with httpMetrics');
      }
    });
    if (ports.length === 0) fail(scope, 'strategy', 'canary', 'a canary needs stable and canary Services: declare `ports`');
    return;
  }
  if (o.previewPort === undefined && ports.length === 0) {
    fail(scope, 'strategy.previewPort', o.previewPort, 'a blue-green rollout needs a preview Service port: declare `ports`');
  }
  if (o.previewPort !== undefined && !ports.some((p) => p.name === o.previewPort)) {
    fail(scope, 'strategy.previewPort', o.previewPort, `must name one of the ports: ${portNames(ports)}`);
  }
  if (o.scaleDownDelaySeconds !== undefined && (!Number.isInteger(o.scaleDownDelaySeconds) || o.scaleDownDelaySeconds < 0)) {
    fail(scope, 'strategy.scaleDownDelaySeconds', o.scaleDownDelaySeconds, 'must be an integer >= 0');
  }
  if ((o.prePromotionAnalysis ?? true) && !metrics?.httpMetrics) {
    fail(
      scope,
      'strategy.prePromotionAnalysis',
      true,
      'the analysis queries the HTTP metrics of the service: enable `metrics` with httpMetrics, or set prePromotionAnalysis: false',
    );
  }
}

function validateAnalysis(scope: ErrorScope, a: AnalysisOptions | undefined): void {
  if (!a) return;
  if (a.maxErrorRate !== undefined && !(a.maxErrorRate > 0 && a.maxErrorRate <= 1)) {
    fail(scope, 'strategy.analysis.maxErrorRate', a.maxErrorRate, 'must be a ratio above 0 and at most 1 (0.01 = 1%)');
  }
  if (a.maxP95LatencySeconds !== undefined && !(a.maxP95LatencySeconds > 0)) {
    fail(scope, 'strategy.analysis.maxP95LatencySeconds', a.maxP95LatencySeconds, 'must be above 0');
  }
  if (a.interval !== undefined && !DURATION.test(a.interval)) fail(scope, 'strategy.analysis.interval', a.interval, 'must be a duration such as "30s" or "1m"');
  for (const k of ['count', 'failureLimit'] as const) {
    const v = a[k];
    if (v !== undefined && (!Number.isInteger(v) || v < (k === 'count' ? 1 : 0)))
      fail(scope, `strategy.analysis.${k}`, v, `must be an integer >= ${k === 'count' ? 1 : 0}`);
  }
}

/** Shows the shape of a rejected secret-ish value without its content. */
export function redact(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  if (typeof v !== 'object') return '<redacted>';
  return Object.fromEntries(Object.keys(v as object).map((k) => [k, '<redacted>']));
}
