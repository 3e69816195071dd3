import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeConfigMap } from '../../imports/k8s';
import { apiServerOf, nodeCidrsOf } from '../core/cluster-services';
import { ConnectionGraph } from '../core/connections';
import { EnvironmentChart } from '../core/environment-chart';
import { fail, uniqueId } from '../core/errors';
import { hostProblem, httpUrlProblem } from '../core/grammars';
import { isQuantity } from '../core/quantity';
import { selectorLabels } from '../core/labels';
import { MonitoredTarget, MonitoringRegistry } from '../core/monitoring-registry';
import { isDns1123Label } from '../synth/schema-validator';
import { TENANT_NAMESPACE_PREFIX } from '../tenancy/validation';
import { AlertingProps, renderAlertmanagerConfig, validateAlerting } from './alertmanager-config';
import { ALERTMANAGER_NAME, ALERTMANAGER_PORT, AlertmanagerServer } from './alertmanager';
import { LogBackend, TraceBackend, TraceEndpoint } from './backends';
import { checksum, configYaml, NetworkPeer, isPrometheusDuration, parsePrometheusSize } from './common';
import { componentLabels, DEFAULT_IMAGES, DEFAULT_RESOURCES, ObservabilityImages, ObservabilityResources, StackContext } from './context';
import { dashboardsFor, ServiceDashboard } from './dashboards';
import { FLUENT_BIT_METRICS_PORT, FLUENT_BIT_NAME, FluentBit } from './fluent-bit';
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_NAME, GRAFANA_PORT, GrafanaServer } from './grafana';
import { JAEGER_METRICS_PORT, JAEGER_NAME, JaegerServer, jaegerEndpoint, resolveJaegerSettings } from './jaeger';
import { addMonitoringNamespace } from './monitoring-namespace';
import { addOperatorResources } from './operator-resources';
import { OTEL_COLLECTOR_NAME, OTEL_METRICS_PORT, OtelCollector, otlpEndpoint } from './otel-collector';
import { PROMETHEUS_NAME, PROMETHEUS_PORT, PrometheusServer } from './prometheus';
import { renderPrometheusConfig } from './prometheus-config';
import { AlertThresholds, ResolvedThresholds, resolveThresholds, ruleGroupsFor } from './rules';

/** Namespace of the Fluent Bit agent (exempted from PSS restricted, so kept apart from everything else). */
export const DEFAULT_LOGGING_NAMESPACE = 'logging';
export const DEFAULT_GRAFANA_ADMIN_REMOTE_KEY = 'monitoring/grafana';
/** Labels kube-prometheus-stack's Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by. */
export const DEFAULT_OPERATOR_SELECTOR_LABELS: Readonly<Record<string, string>> = { release: 'kube-prometheus-stack' };
/** Without known CIDRs, egress to the API server and kubelets is limited by port only. */
export const DEFAULT_CLUSTER_CIDRS: readonly string[] = ['0.0.0.0/0'];
/** Volume headroom over the TSDB retention size (WAL, compaction). */
export const STORAGE_HEADROOM = 1.2;
/** Replicas of each replicated component when the profile asks for high availability. */
export const HA_PROMETHEUS_REPLICAS = 2;
export const HA_ALERTMANAGER_REPLICAS = 3;
export const HA_COLLECTOR_REPLICAS = 2;

export interface ObservabilityStackProps {
  /** Receivers and routes of Alertmanager. */
  readonly alerting: AlertingProps;
  /** Base URL of the runbooks; the platform's alerts link to `<base>/<alert-name-in-kebab-case>`. */
  readonly runbookBaseUrl: string;
  /** @default - the seeds' thresholds (see AlertThresholds) */
  readonly thresholds?: AlertThresholds;
  /** Log store Fluent Bit ships to. @default - no log shipping (no Fluent Bit, no logs datasource) */
  readonly logs?: LogBackend;
  /**
   * Trace store the OpenTelemetry Collector exports to: `TraceBackend.jaeger({...})` (run elsewhere) or
   * `TraceBackend.jaegerInCluster({...})` (deployed by the stack in the monitoring namespace).
   * @default - no collector, no Jaeger datasource
   */
  readonly traces?: TraceBackend;
  /** Extra panels for the generated dashboards of registered workloads. @default - none */
  readonly serviceDashboards?: readonly ServiceDashboard[];
  /** Namespace of Fluent Bit (a DNS-1123 label, created by the stack as a PlatformNamespace). @default DEFAULT_LOGGING_NAMESPACE */
  readonly loggingNamespace?: string;
  /** TSDB retention time (Prometheus duration). @default profile.monitoring.retention */
  readonly retention?: string;
  /** TSDB retention size (`45GB`). @default profile.monitoring.retentionSize */
  readonly retentionSize?: string;
  /** Prometheus volume size. @default - the retention size plus 20 %, in Gi */
  readonly storageSize?: string;
  /** @default DEFAULT_IMAGES */
  readonly images?: Partial<ObservabilityImages>;
  /** @default DEFAULT_RESOURCES */
  readonly resources?: Partial<ObservabilityResources>;
  /** Remote key (properties `admin-user`, `admin-password`) of Grafana's admin. @default DEFAULT_GRAFANA_ADMIN_REMOTE_KEY */
  readonly grafanaAdminRemoteKey?: string;
  /**
   * Emit the monitoring namespace as a PlatformNamespace (PSA labels, ResourceQuota and LimitRange of `Plan.platform()`
   * raised where the stack's own pods need more, default deny, DNS egress).
   * @default - true in standalone mode, false in operator mode (kube-prometheus-stack owns it)
   */
  readonly createNamespace?: boolean;
  /** Operator mode: labels added to monitors and rules. @default DEFAULT_OPERATOR_SELECTOR_LABELS */
  readonly operatorSelectorLabels?: Readonly<Record<string, string>>;
  /**
   * Who else may query Prometheus, e.g. a tool outside the library. Grafana, the Prometheus replicas and, when a
   * service runs an Argo Rollouts analysis, the Rollouts controller (`profile.clusterServices.argoRollouts`) are
   * admitted without it. @default - none beyond those
   */
  readonly prometheusQueryPeers?: readonly NetworkPeer[];
  /** CIDRs of the API server. @default - profile.cluster.apiServer.cidrs (DEFAULT_CLUSTER_CIDRS when the profile says nothing) */
  readonly apiServerCidrs?: readonly string[];
  /** CIDRs of the nodes (kubelet metrics). @default - profile.cluster.nodeCidrs (DEFAULT_CLUSTER_CIDRS when the profile says nothing) */
  readonly nodeCidrs?: readonly string[];
}

/** An external Jaeger's host, ports and query URL reach the collector's and Grafana's configuration files: checked here. */
function checkTraceEndpoint(scope: Construct, e: TraceEndpoint): void {
  const host = hostProblem(e.host);
  if (host) fail(scope, 'traces.host', e.host, host);
  for (const [field, port] of [
    ['traces.otlpGrpcPort', e.otlpGrpcPort],
    ['traces.queryPort', e.queryPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(scope, field, port, 'must be a port number from 1 to 65535');
  }
  const url = httpUrlProblem(e.queryUrl);
  if (url) fail(scope, 'traces.queryUrl', e.queryUrl, url);
}

/**
 * The YAML of rule groups already rendered in this process, by their JSON text: every environment's stack renders
 * mostly the same groups (and a stack renders its groups again when its registry changes). The groups are plain JSON
 * data (strings, numbers, objects), so their JSON text identifies them. A pure cache: bounded, and never read as state.
 */
const RULE_GROUP_YAML = new Map<string, string>();
const MAX_RULE_GROUPS = 5_000;

function ruleGroupYaml(group: object): string {
  const key = JSON.stringify(group);
  let text = RULE_GROUP_YAML.get(key);
  if (text === undefined) {
    text = configYaml({ groups: [group] });
    if (RULE_GROUP_YAML.size >= MAX_RULE_GROUPS) RULE_GROUP_YAML.clear();
    RULE_GROUP_YAML.set(key, text);
  }
  return text;
}

/**
 * The environment's monitoring: Prometheus, Alertmanager, Grafana, Fluent Bit and the OpenTelemetry Collector,
 * built from what workloads register in the {@link MonitoringRegistry}. In operator mode
 * (`profile.monitoring.mode.usesOperator`) the registrations become ServiceMonitors, PodMonitors and
 * PrometheusRules for kube-prometheus-stack instead.
 *
 * Workloads may be declared before or after the stack: everything derived from the registry is produced at synth.
 */
export class ObservabilityStack extends Construct {
  public readonly namespace: string;
  public readonly thresholds: ResolvedThresholds;
  public readonly retention: string;
  public readonly retentionSize: string;
  public readonly storageSize: string;
  /** The standalone Prometheus (undefined in operator mode). */
  public readonly prometheus?: PrometheusServer;
  public readonly alertmanager?: AlertmanagerServer;
  public readonly grafana?: GrafanaServer;
  public readonly fluentBit?: FluentBit;
  public readonly otelCollector?: OtelCollector;
  /** The in-cluster Jaeger (only with `TraceBackend.jaegerInCluster`). */
  public readonly jaeger?: JaegerServer;

  private readonly props: ObservabilityStackProps;
  private readonly registry: MonitoringRegistry;
  private operatorResourcesCreated = false;
  /** The last value of each file set derived from the registry, and the targets it was derived from. */
  private readonly computed = new Map<string, { readonly targets: readonly MonitoredTarget[]; readonly value: unknown }>();
  /** alertmanager.yml, rendered once. */
  private alertmanagerYaml: string | undefined;

  public constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, uniqueId(scope, id));
    this.props = props;
    const profile = EnvironmentChart.of(this).profile;
    const operator = profile.monitoring.mode.usesOperator;
    this.namespace = profile.monitoring.namespace;
    this.registry = MonitoringRegistry.of(this);
    const graph = ConnectionGraph.of(this);

    validateAlerting(this, props.alerting);
    this.thresholds = resolveThresholds(this, props.thresholds);
    if (!/^https?:\/\/\S+$/.test(props.runbookBaseUrl)) fail(this, 'runbookBaseUrl', props.runbookBaseUrl, 'must be an http(s) URL');
    this.retention = props.retention ?? profile.monitoring.retention;
    if (!isPrometheusDuration(this.retention)) {
      fail(
        this,
        props.retention !== undefined ? 'retention' : 'profile.monitoring.retention',
        this.retention,
        'must be a Prometheus duration such as "15d" or "12h"',
      );
    }
    this.retentionSize = props.retentionSize ?? profile.monitoring.retentionSize;
    const bytes = parsePrometheusSize(this.retentionSize);
    if (bytes === undefined) {
      fail(
        this,
        props.retentionSize !== undefined ? 'retentionSize' : 'profile.monitoring.retentionSize',
        this.retentionSize,
        'must be a Prometheus size such as "512MB" or "45GB" (units B, KB, MB, GB, TB, PB, EB)',
      );
    }
    this.storageSize = props.storageSize ?? `${Math.ceil((bytes * STORAGE_HEADROOM) / 2 ** 30)}Gi`;
    if (!isQuantity(this.storageSize)) fail(this, 'storageSize', this.storageSize, 'must be a Kubernetes quantity such as "50Gi"');

    const ctx: StackContext = {
      namespace: this.namespace,
      profile,
      images: { ...DEFAULT_IMAGES, ...props.images },
      resources: { ...DEFAULT_RESOURCES, ...props.resources },
      apiServerCidrs: props.apiServerCidrs ?? apiServerOf(profile).cidrs,
      apiServerPorts: apiServerOf(profile).ports,
      nodeCidrs: props.nodeCidrs ?? nodeCidrsOf(profile),
    };
    const ha = profile.highAvailability;
    const jaeger = props.traces?.inCluster ? resolveJaegerSettings(this, props.traces) : undefined;
    if (props.traces?.external) checkTraceEndpoint(this, props.traces.external);
    const traceEndpoint: TraceEndpoint | undefined = props.traces && (jaeger ? jaegerEndpoint(this.namespace) : props.traces.external);

    const replicas = {
      prometheus: ha ? HA_PROMETHEUS_REPLICAS : 1,
      alertmanager: ha ? HA_ALERTMANAGER_REPLICAS : 1,
      collector: ha ? HA_COLLECTOR_REPLICAS : 1,
    };
    const loggingNamespace = props.loggingNamespace ?? DEFAULT_LOGGING_NAMESPACE;
    if (
      props.logs &&
      (typeof loggingNamespace !== 'string' ||
        !isDns1123Label(loggingNamespace) ||
        loggingNamespace.startsWith(TENANT_NAMESPACE_PREFIX) ||
        loggingNamespace === this.namespace)
    ) {
      fail(
        this,
        'loggingNamespace',
        loggingNamespace,
        `must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters), not starting with "${TENANT_NAMESPACE_PREFIX}" and not the monitoring namespace "${this.namespace}" (Fluent Bit's namespace is exempt from PSS restricted)`,
      );
    }

    if (props.createNamespace ?? !operator) {
      addMonitoringNamespace(this, this.namespace, [
        ...(operator
          ? []
          : [
              { resources: ctx.resources.prometheus, pods: replicas.prometheus, claims: replicas.prometheus, claimSize: this.storageSize },
              { resources: ctx.resources.alertmanager, pods: replicas.alertmanager },
              // Recreate: never two Grafanas at once.
              { resources: ctx.resources.grafana, pods: 1 },
            ]),
        // A rolling update surges by 25 % of the replicas (rounded up) above the desired count.
        ...(props.traces ? [{ resources: ctx.resources.otelCollector, pods: replicas.collector + Math.ceil(replicas.collector / 4) }] : []),
        // A StatefulSet replaces its one pod (no surge); its claim is kept.
        ...(jaeger ? [{ resources: jaeger.resources, pods: 1, claims: 1, claimSize: jaeger.storageSize }] : []),
      ]);
    }

    // Dashboards in both modes: our Grafana mounts them; kube-prometheus-stack's sidecar collects them by label.
    new KubeConfigMap(this, 'Dashboards', {
      metadata: {
        name: 'grafana-dashboards',
        namespace: this.namespace,
        labels: { ...componentLabels(GRAFANA_NAME, 'dashboards'), [GRAFANA_DASHBOARD_LABEL]: '1' },
      },
      data: Lazy.any({ produce: () => this.dashboards() }),
    });

    if (!operator) {
      this.alertmanager = new AlertmanagerServer(this, 'Alertmanager', {
        context: ctx,
        alerting: props.alerting,
        config: () => (this.alertmanagerYaml ??= configYaml(renderAlertmanagerConfig(props.alerting))),
        replicas: replicas.alertmanager,
      });
      const alertmanagers = this.alertmanager.peers;
      this.prometheus = new PrometheusServer(this, 'Prometheus', {
        context: ctx,
        config: () =>
          this.fromRegistry('prometheus.yml', (targets) =>
            configYaml(
              renderPrometheusConfig({
                scrapeInterval: profile.monitoring.scrapeInterval,
                externalLabels: { cluster: profile.cluster.name, environment: profile.name },
                alertmanagers,
                targets,
              }),
            ),
          ),
        rules: () => this.ruleFiles(),
        retention: this.retention,
        retentionSize: this.retentionSize,
        storageSize: this.storageSize,
        replicas: replicas.prometheus,
        queryPeers: props.prometheusQueryPeers ?? [],
      });
      this.grafana = new GrafanaServer(this, 'Grafana', {
        context: ctx,
        prometheusUrl: `http://${PROMETHEUS_NAME}.${this.namespace}.svc:${PROMETHEUS_PORT}`,
        logs: props.logs,
        traces: traceEndpoint,
        adminRemoteKey: props.grafanaAdminRemoteKey ?? DEFAULT_GRAFANA_ADMIN_REMOTE_KEY,
        dashboardsChecksum: () => checksum(JSON.stringify(this.dashboards())),
      });
      for (const w of [this.prometheus, this.alertmanager, this.grafana]) graph.register(w);
      graph.connect(this.grafana, this.prometheus, ['web'], 'grafana');
      graph.connect(this.prometheus, this.alertmanager, ['web'], 'prometheus');
      this.registerPlatformTarget(PROMETHEUS_NAME, 'web', PROMETHEUS_PORT);
      this.registerPlatformTarget(ALERTMANAGER_NAME, 'web', ALERTMANAGER_PORT);
      this.registerPlatformTarget(GRAFANA_NAME, 'http', GRAFANA_PORT);
    }

    if (props.logs) {
      this.fluentBit = new FluentBit(this, 'FluentBit', { context: ctx, namespace: loggingNamespace, backend: props.logs });
      graph.register(this.fluentBit);
      this.registerPlatformTarget(FLUENT_BIT_NAME, 'metrics', FLUENT_BIT_METRICS_PORT, loggingNamespace);
    }
    if (traceEndpoint) {
      this.otelCollector = new OtelCollector(this, 'OtelCollector', { context: ctx, backend: traceEndpoint, replicas: replicas.collector });
      graph.register(this.otelCollector);
      this.registerPlatformTarget(OTEL_COLLECTOR_NAME, 'metrics', OTEL_METRICS_PORT);
    }
    if (jaeger) {
      this.jaeger = new JaegerServer(this, 'Jaeger', {
        context: ctx,
        ...jaeger,
        // Operator mode: kube-prometheus-stack's Grafana (same name label as ours) gets a Jaeger datasource by hand.
        queryPeers: this.grafana ? [] : [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': GRAFANA_NAME } } }],
      });
      graph.register(this.jaeger);
      graph.connect(this.otelCollector!, this.jaeger, ['otlp-grpc'], 'traces');
      if (this.grafana) graph.connect(this.grafana, this.jaeger, ['query'], 'grafana');
      this.registerPlatformTarget(JAEGER_NAME, 'metrics', JAEGER_METRICS_PORT);
    }

    if (operator) {
      // Monitors and rules are objects per registered workload, and workloads may register after this
      // constructor. Construct validation runs before objects are collected at synth, when every workload
      // has registered: the per-workload objects are created then, once.
      this.node.addValidation({
        validate: () => {
          this.createOperatorResources();
          return [];
        },
      });
    }
  }

  /** The OTLP gRPC endpoint services export traces to (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  public get otlpEndpoint(): string {
    return otlpEndpoint(this);
  }

  /** Rule files (standalone) by file name, from the registry. */
  public ruleFiles(): Record<string, string> {
    return {
      ...this.fromRegistry('rules', (targets) => {
        const out: Record<string, string> = {};
        for (const f of ruleGroupsFor(this, targets, this.thresholds, this.props.runbookBaseUrl)) {
          out[f.file] = ruleGroupYaml(f.group);
        }
        return out;
      }),
    };
  }

  /** Dashboard JSON files by name, from the registry; extra panels for unknown workloads are an error. */
  public dashboards(): Record<string, string> {
    return { ...this.fromRegistry('dashboards', (targets) => dashboardsFor(this, targets, this.props.serviceDashboards ?? [])) };
  }

  /**
   * `compute(targets)`, computed again only when the registry's targets changed: the ConfigMaps and the pods' config
   * checksums read the same files at synth. Registered targets are immutable; an error is thrown again each time.
   */
  private fromRegistry<T>(key: string, compute: (targets: readonly MonitoredTarget[]) => T): T {
    const targets = this.registry.targets();
    const last = this.computed.get(key);
    if (last !== undefined && last.targets.length === targets.length && last.targets.every((t, i) => t === targets[i])) return last.value as T;
    const value = compute(targets);
    this.computed.set(key, { targets, value });
    return value;
  }

  private registerPlatformTarget(name: string, portName: string, port: number, namespace = this.namespace): void {
    this.registry.register({
      name,
      namespace,
      kind: 'platform',
      selector: selectorLabels(name),
      metricsPort: { name: portName, port },
      httpMetrics: false,
      rules: [],
    });
  }

  private createOperatorResources(): void {
    if (this.operatorResourcesCreated) return;
    this.operatorResourcesCreated = true;
    // Checks the extra dashboard panels against the registry, complete now.
    this.dashboards();
    addOperatorResources(this, this.namespace, ruleGroupsFor(this, this.registry.targets(), this.thresholds, this.props.runbookBaseUrl), {
      selectorLabels: this.props.operatorSelectorLabels ?? DEFAULT_OPERATOR_SELECTOR_LABELS,
      scrapeInterval: EnvironmentChart.of(this).profile.monitoring.scrapeInterval,
    });
  }
}
