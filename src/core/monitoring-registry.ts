import { IConstruct } from 'constructs';
import { EnvironmentChart } from './environment-chart';
import { compareText } from './order';

/** Alert severities routed by Alertmanager. */
export type AlertSeverity = 'critical' | 'warning' | 'info';

/** One Prometheus alerting rule as the library emits it. */
export interface AlertRule {
  readonly alert: string;
  /** PromQL; parsed by @prometheus-io/lezer-promql in tests. */
  readonly expr: string;
  /** Prometheus duration, e.g. `5m`. */
  readonly for: string;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly description: string;
  readonly runbookUrl: string;
  /** Extra labels (team, service) used for routing. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A workload that exposes metrics and wants alerts. Registered by the constructs that create workloads. */
export interface MonitoredTarget {
  readonly name: string;
  readonly namespace: string;
  /** What kind of thing it is, for dashboards and rule grouping. */
  readonly kind: 'service' | 'datastore' | 'platform';
  readonly team?: string;
  /** Labels selecting the pods (for PodMonitor) and the Service (for ServiceMonitor). */
  readonly selector: Readonly<Record<string, string>>;
  readonly metricsPort: { readonly name: string; readonly port: number };
  /** @default '/metrics' */
  readonly metricsPath?: string;
  /** Whether the workload exposes HTTP request metrics (http_requests_total, http_request_duration_seconds). */
  readonly httpMetrics: boolean;
  readonly rules: readonly AlertRule[];
}

/**
 * The environment's monitoring registry: workloads register their metrics endpoint and rules here, and the
 * ObservabilityStack turns the registry into scrape config, rule files and dashboards (or operator resources).
 */
export class MonitoringRegistry {
  /** The registry of the environment that contains `scope`. */
  public static of(scope: IConstruct): MonitoringRegistry {
    return EnvironmentChart.of(scope)._service('cdk8s-platform.MonitoringRegistry', () => new MonitoringRegistry());
  }

  private readonly items = new Map<string, MonitoredTarget>();

  public register(t: MonitoredTarget): void {
    this.items.set(`${t.namespace}/${t.name}`, t);
  }

  /** Registered targets sorted by namespace/name. */
  public targets(): MonitoredTarget[] {
    return [...this.items.entries()].sort(([a], [b]) => compareText(a, b)).map(([, t]) => t);
  }

  public find(name: string, namespace?: string): MonitoredTarget | undefined {
    return this.targets().find((t) => t.name === name && (namespace === undefined || t.namespace === namespace));
  }
}
