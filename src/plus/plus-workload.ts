/**
 * cdk8s-plus workloads in an environment chart. A team's existing `kplus.Deployment`, `kplus.StatefulSet`, ... is
 * adopted by the library: hardened to PSS restricted, selected by stable labels (`app.kubernetes.io/name` and
 * `instance`) instead of cdk8s-plus's construct-path-derived `cdk8s.io/metadata.addr`, given a NetworkPolicy from the
 * connection graph (so it can be a `connectsTo` source or target), a dedicated ServiceAccount, a PodDisruptionBudget
 * and topology spread when it runs several replicas, and registered with monitoring when it exposes metrics.
 *
 * Every cdk8s-plus workload in an environment chart is adopted at synth with the defaults; `PlusWorkload.of(w)`
 * adopts it earlier (to connect it, or to set options). cdk8s-plus is not imported: workloads are recognised by
 * their jsii type name, so any copy of cdk8s-plus-27 (or a later cdk8s-plus) works.
 */
import { ApiObject, ApiObjectMetadataDefinition, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  IntOrString,
  KubeNetworkPolicy,
  KubePodDisruptionBudget,
  KubeServiceAccount,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
} from '../../imports/k8s';
import { PodMonitor } from '../../imports/monitoring.coreos.com';
import { cidrPeers, ConnectionGraph, dnsEgressRule, IWorkload, peerOf, policyPorts, WorkloadPort, WorkloadRef } from '../core/connections';
import { EnvironmentChart } from '../core/environment-chart';
import { fail } from '../core/errors';
import { selectorLabels, workloadLabels } from '../core/labels';
import { AlertRule, MonitoringRegistry } from '../core/monitoring-registry';
import { microserviceAlertRules } from '../microservice/promql';
import { DEFAULT_MAX_ERROR_RATE, DEFAULT_MAX_P95_LATENCY_SECONDS, DEFAULT_RUNBOOK_BASE_URL } from '../microservice/props';
import { isDns1123Label, labelValueProblem } from '../synth/schema-validator';
import { at, hardenPodSpec, PLUS_ADDRESS_LABEL, podSpecKeys, replaceAddressLabels } from './harden';
import { DocObject, DocValue } from '../core/documents';

/**
 * A cdk8s-plus resource, as its public API shows it (`kplus.Deployment`, `kplus.StatefulSet`, ...). Its Kubernetes
 * object (the protected `apiObject`) is read through {@link apiObjectOf}.
 */
export interface IPlusWorkload extends IConstruct {
  readonly metadata: ApiObjectMetadataDefinition;
  readonly kind: string;
  readonly apiVersion: string;
}

/** The ApiObject a cdk8s-plus resource writes (protected in cdk8s-plus; every resource has one). */
function apiObjectOf(w: IConstruct): ApiObject | undefined {
  const o = (w as unknown as { apiObject?: unknown }).apiObject;
  return o instanceof ApiObject ? o : undefined;
}

/** The metrics endpoint of an adopted workload. */
export interface PlusMetrics {
  /** Name of the container port that serves metrics. */
  readonly port: string;
  /** @default '/metrics' */
  readonly path?: string;
  /**
   * The workload exposes `http_requests_total` and `http_request_duration_seconds` (error-rate and latency alerts).
   * @default false
   */
  readonly httpMetrics?: boolean;
}

export interface PlusWorkloadOptions {
  /**
   * Stable name: the `app.kubernetes.io/name` and `instance` labels that select its pods, and the name clients
   * connect to (give the cdk8s-plus Service the same name).
   * @default - the workload's metadata.name
   */
  readonly name?: string;
  /** Owning team, the `platform.io/team` label and alert routing. @default - no label */
  readonly team?: string;
  /** The `app.kubernetes.io/part-of` label. @default - no label */
  readonly partOf?: string;
  /** The `app.kubernetes.io/component` label. @default PLUS_DEFAULT_COMPONENT */
  readonly component?: string;
  /**
   * Metrics endpoint, registered with the environment's monitoring (scrape config or PodMonitor, alerts, dashboard).
   * @default - the container port named "metrics" when there is one, else none
   */
  readonly metrics?: PlusMetrics;
}

/** The component label of adopted workloads unless set. */
export const PLUS_DEFAULT_COMPONENT = 'service';

/** Kinds whose pods an adopted workload runs. */
const POD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod']);

const JSII_RTTI = Symbol.for('jsii.rtti');

/** The jsii type name of a construct (`cdk8s-plus-27.Deployment`), inherited by subclasses. */
function jsiiFqn(c: IConstruct): string | undefined {
  return (c.constructor as { [JSII_RTTI]?: { fqn?: string } })[JSII_RTTI]?.fqn;
}

/** True for a cdk8s-plus construct (any version), recognised by its jsii type name. */
export function isPlusConstruct(c: IConstruct): boolean {
  return /^cdk8s-plus-\d+\./.test(jsiiFqn(c) ?? '');
}

/** True for a cdk8s-plus construct that runs pods (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). */
export function isPlusWorkload(c: IConstruct): c is IPlusWorkload {
  if (!isPlusConstruct(c)) return false;
  const o = apiObjectOf(c);
  return o !== undefined && POD_KINDS.has(o.kind);
}

interface ContainerLike {
  readonly ports?: readonly { readonly number: number; readonly name?: string; readonly protocol?: string }[];
}

interface Registry {
  readonly byWorkload: Map<IPlusWorkload, PlusWorkload>;
}

function registry(scope: IConstruct): Registry {
  return EnvironmentChart.of(scope)._service<Registry>('cdk8s-platform.PlusWorkloads', () => ({ byWorkload: new Map() }));
}

/** The adoption of one cdk8s-plus workload: an {@link IWorkload} for the connection graph, and its hardening. */
export class PlusWorkload extends Construct implements IWorkload {
  /**
   * The adoption of `workload` (created on the first call; later calls return it and must not pass options).
   * Call it to connect the workload (`PlusWorkload.of(d).connectsTo(db)`, `svc.connectsTo(PlusWorkload.of(d))`)
   * or to set options; every other cdk8s-plus workload of the environment is adopted at synth with the defaults.
   */
  public static of(workload: IPlusWorkload, options?: PlusWorkloadOptions): PlusWorkload {
    const existing = registry(workload).byWorkload.get(workload);
    if (existing) {
      if (options !== undefined)
        fail(workload, 'PlusWorkload.of options', options, 'the workload is already adopted: pass the options on the first PlusWorkload.of call only');
      return existing;
    }
    return new PlusWorkload(workload, options ?? {});
  }

  public readonly workloadName: string;
  public readonly namespace: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  /** Recommended labels of its objects and pods. */
  public readonly labels: Readonly<Record<string, string>>;
  /** The adopted cdk8s-plus workload. */
  public readonly workload: IPlusWorkload;
  /** Its Kubernetes object. */
  private readonly apiObject: ApiObject;
  private readonly options: PlusWorkloadOptions;
  private readonly address: string | undefined;
  private connectionCount = 0;
  private prepared?: { readonly serviceAccountName?: string; readonly spread: boolean; readonly metrics?: { readonly port: number; readonly path: string } };

  private constructor(workload: IPlusWorkload, options: PlusWorkloadOptions) {
    super(workload, 'Platform');
    if (!isPlusWorkload(workload)) {
      fail(
        workload,
        'workload',
        (workload as IConstruct).constructor.name,
        'must be a cdk8s-plus workload (Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod)',
      );
    }
    this.apiObject = apiObjectOf(workload)!;
    const md = this.apiObject.metadata;
    const name = options.name ?? md.name;
    if (name === undefined || !isDns1123Label(name))
      fail(workload, 'name', name, 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)');
    if (md.namespace === undefined) fail(workload, 'metadata.namespace', undefined, 'must be set: an environment chart has no default namespace');
    for (const k of ['team', 'partOf', 'component'] as const) {
      const v = options[k];
      if (v !== undefined && (v === '' || labelValueProblem(v) !== undefined))
        fail(workload, k, v, 'must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric');
    }
    this.workload = workload;
    this.options = options;
    this.workloadName = name;
    this.namespace = md.namespace;
    this.podSelector = selectorLabels(name);
    this.labels = workloadLabels({ name, component: options.component ?? PLUS_DEFAULT_COMPONENT, partOf: options.partOf, team: options.team });
    this.address =
      (workload as { podMetadata?: { getLabel?(key: string): string | undefined } }).podMetadata?.getLabel?.(PLUS_ADDRESS_LABEL) ??
      md.getLabel(PLUS_ADDRESS_LABEL);
    registry(workload).byWorkload.set(workload, this);
    ConnectionGraph.of(this).register(this);
    this.addNetworkPolicy();
  }

  /** Ports clients may reach: every container port (unnamed ones as `port-<number>`). */
  public get clientPorts(): readonly WorkloadPort[] {
    const containers: readonly ContainerLike[] = (this.workload as { containers?: readonly ContainerLike[] }).containers ?? [];
    return containers.flatMap((c) =>
      (c.ports ?? []).map((p) => ({
        name: p.name ?? `port-${p.number}`,
        port: p.number,
        ...(p.protocol === 'UDP' ? { protocol: 'UDP' as const } : {}),
      })),
    );
  }

  /** Declares that this workload opens connections to `target`: egress here, ingress there. */
  public connectsTo(target: IWorkload | WorkloadRef, ports?: readonly string[]): this {
    ConnectionGraph.of(this).connect(this, target, ports, `connectsTo[${this.connectionCount++}]`);
    return this;
  }

  /** Default deny both ways; ingress from connected clients and monitoring, egress to DNS and connected workloads. */
  private addNetworkPolicy(): void {
    const graph = ConnectionGraph.of(this);
    const profile = EnvironmentChart.of(this).profile;
    const ingress = Lazy.any({
      produce: () => {
        const rules: NetworkPolicyIngressRule[] = graph.ingressOf(this).map((c) => ({ from: [peerOf(c.from)], ports: policyPorts(c.ports) }));
        const metrics = this.prepared?.metrics;
        if (metrics) {
          rules.push({
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': profile.monitoring.namespace } } }],
            ports: [{ protocol: 'TCP', port: IntOrString.fromNumber(metrics.port) }],
          });
        }
        return rules;
      },
    });
    const egress = Lazy.any({
      produce: () => [
        dnsEgressRule(),
        ...graph.egressOf(this).map((c) => ({ to: c.to.external ? cidrPeers(c.to.external.cidrs) : [peerOf(c.to)], ports: policyPorts(c.ports) })),
      ],
    });
    new KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: this.workloadName, namespace: this.namespace, labels: { ...this.labels } },
      spec: {
        podSelector: { matchLabels: { ...this.podSelector } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: ingress as unknown as NetworkPolicyIngressRule[],
        egress: egress as unknown as NetworkPolicyEgressRule[],
      },
    });
  }

  /**
   * Adds what depends on the workload's final props (called once at synth, before validation): its ServiceAccount,
   * PodDisruptionBudget and monitoring.
   * @internal
   */
  public _prepare(): void {
    if (this.prepared) return;
    const profile = EnvironmentChart.of(this).profile;
    const json = this.apiObject.toJson() as DocObject;
    const kind = String(json.kind);
    const pod = at(json, podSpecKeys(kind) ?? []) ?? {};
    const replicas = kind === 'Deployment' || kind === 'StatefulSet' ? Number(json.spec?.replicas ?? 1) : 1;
    const metadata = { name: this.workloadName, namespace: this.namespace, labels: { ...this.labels } };

    let serviceAccountName: string | undefined;
    if (pod.serviceAccountName === undefined) {
      serviceAccountName = this.workloadName;
      new KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    }
    if (replicas >= 2) {
      new KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata,
        spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: { ...this.podSelector } } },
      });
    }
    const metrics = this.resolveMetrics(pod);
    if (metrics) this.addMonitoring(kind, metrics, profile.monitoring.mode.usesOperator);
    this.prepared = { serviceAccountName, spread: replicas >= 2, metrics: metrics ? { port: metrics.port, path: metrics.path } : undefined };
  }

  private resolveMetrics(pod: DocObject): { name: string; port: number; path: string; httpMetrics: boolean } | undefined {
    const ports: { name?: string; containerPort: number }[] = (pod.containers ?? []).flatMap((c: DocValue) => c.ports ?? []);
    const wanted = this.options.metrics?.port ?? 'metrics';
    const found = ports.find((p) => p.name === wanted);
    if (!found) {
      if (this.options.metrics)
        fail(
          this.workload,
          'metrics.port',
          wanted,
          `must name a container port; the ports: ${ports.map((p) => p.name ?? String(p.containerPort)).join(', ') || 'none'}`,
        );
      return undefined;
    }
    return { name: wanted, port: found.containerPort, path: this.options.metrics?.path ?? '/metrics', httpMetrics: this.options.metrics?.httpMetrics ?? false };
  }

  private addMonitoring(kind: string, m: { name: string; port: number; path: string; httpMetrics: boolean }, operator: boolean): void {
    const team = this.options.team;
    const common = microserviceAlertRules({
      namespace: this.namespace,
      service: this.workloadName,
      team,
      httpMetrics: m.httpMetrics,
      rollout: false,
      maxErrorRate: DEFAULT_MAX_ERROR_RATE,
      maxP95LatencySeconds: DEFAULT_MAX_P95_LATENCY_SECONDS,
      runbookBaseUrl: DEFAULT_RUNBOOK_BASE_URL,
    });
    // The unavailable-replicas rule reads Deployment metrics; a StatefulSet has its own, other kinds none.
    const rules: AlertRule[] = common.filter((r) => kind === 'Deployment' || r.alert !== 'ServiceReplicasUnavailable');
    if (kind === 'StatefulSet') {
      const sel = `namespace="${this.namespace}",statefulset="${this.workloadName}"`;
      const restart = common.find((r) => r.alert === 'ServicePodRestarting')!;
      rules.push({
        ...restart,
        alert: 'ServiceReplicasUnavailable',
        expr: `max(kube_statefulset_status_replicas{${sel}}) - max(kube_statefulset_status_replicas_ready{${sel}}) > 0`,
        for: '10m',
        severity: 'critical',
        summary: `${this.workloadName}: replicas unavailable`,
        description: `${this.namespace}/${this.workloadName} has had unavailable replicas for 10 minutes.`,
        runbookUrl: `${DEFAULT_RUNBOOK_BASE_URL}/servicereplicasunavailable`,
      });
    }
    MonitoringRegistry.of(this).register({
      name: this.workloadName,
      namespace: this.namespace,
      kind: 'service',
      team,
      selector: { ...this.podSelector },
      metricsPort: { name: m.name, port: m.port },
      metricsPath: m.path,
      httpMetrics: m.httpMetrics,
      rules,
    });
    if (!operator) return;
    new PodMonitor(this, 'PodMonitor', {
      metadata: { name: this.workloadName, namespace: this.namespace, labels: { ...this.labels } },
      spec: { selector: { matchLabels: { ...this.podSelector } }, podMetricsEndpoints: [{ port: m.name, path: m.path }] },
    });
  }

  /**
   * Rewrites the workload's own document: recommended labels, scrape annotations (standalone monitoring), the
   * hardened pod spec.
   * @internal
   */
  public _harden(object: DocObject): void {
    const p = this.prepared;
    if (!p) return;
    const profile = EnvironmentChart.of(this).profile;
    object.metadata = { ...object.metadata, labels: { ...object.metadata?.labels, ...this.labels } };
    const keys = podSpecKeys(String(object.kind));
    if (!keys) return;
    const spec = at(object, keys);
    if (!spec) return;
    // The pod template's metadata sits next to its spec (the Pod's own metadata for a bare Pod).
    const holder = keys.length === 1 ? object : at(object, keys.slice(0, -1))!;
    const annotations =
      p.metrics && !profile.monitoring.mode.usesOperator
        ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(p.metrics.port), 'prometheus.io/path': p.metrics.path }
        : {};
    holder.metadata = {
      ...holder.metadata,
      labels: { ...holder.metadata?.labels, ...this.labels },
      ...(Object.keys(annotations).length > 0 ? { annotations: { ...holder.metadata?.annotations, ...annotations } } : {}),
    };
    hardenPodSpec(spec, {
      path: this.workload.node.path,
      field: keys.join('.'),
      resources: profile.resources,
      selector: this.podSelector,
      spread: p.spread,
      serviceAccountName: p.serviceAccountName,
    });
  }

  /** @internal */
  public get _address(): string | undefined {
    return this.address;
  }

  /** @internal */
  public get _apiObject(): ApiObject {
    return this.apiObject;
  }
}

/**
 * Adopts every cdk8s-plus workload of `chart` (once per synth, before validation) and returns the rewrite of the
 * chart's documents: cdk8s-plus objects get stable selector labels, adopted workloads their hardening. Undefined
 * when the chart holds no cdk8s-plus construct.
 * @internal
 */
export function preparePlusWorkloads(chart: EnvironmentChart): ((source: ApiObject, object: DocObject) => void) | undefined {
  const plusObjects = new Set<ApiObject>();
  const visit = (c: IConstruct, underPlus: boolean): void => {
    const plus = underPlus || isPlusConstruct(c);
    if (plus && c instanceof ApiObject) plusObjects.add(c);
    if (isPlusWorkload(c)) PlusWorkload.of(c);
    for (const child of c.node.children) if (!(child instanceof EnvironmentChart)) visit(child, plus);
  };
  visit(chart, false);
  if (plusObjects.size === 0) return undefined;
  const adopted = [...registry(chart).byWorkload.values()];
  for (const a of adopted) a._prepare();
  const stable = new Map<string, Readonly<Record<string, string>>>();
  const byObject = new Map<ApiObject, PlusWorkload>();
  for (const a of adopted) {
    if (a._address !== undefined) stable.set(a._address, a.podSelector);
    byObject.set(a._apiObject, a);
  }
  return (source, object) => {
    if (!plusObjects.has(source)) return;
    replaceAddressLabels(object, stable);
    byObject.get(source)?._harden(object);
  };
}
