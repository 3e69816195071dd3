/** Scaling and availability options: HPA, VPA, PodDisruptionBudget. */

/** One HPA scaling policy: at most `value` pods or percent per `periodSeconds`. */
export interface ScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

/** Behaviour of one scaling direction. */
export interface ScalingRules {
  /** @default - Kubernetes' default (0 for scale-up, 300 for scale-down) */
  readonly stabilizationWindowSeconds?: number;
  /** @default - Kubernetes' default ('Max') */
  readonly selectPolicy?: 'Max' | 'Min' | 'Disabled';
  /** @default - Kubernetes' defaults */
  readonly policies?: readonly ScalingPolicy[];
}

/** Where the value of a Pods metric comes from: a PromQL query over the service's pods. */
export class MetricQuery {
  /** The Prometheus series named like the metric, summed over the service's pods (`sum(<name>{namespace, service})`). */
  public static series(): MetricQuery {
    return new MetricQuery((t) => `sum(${t.metric}{namespace="${t.namespace}",service="${t.service}"})`);
  }
  /**
   * Requests per second the service serves, from its `http_requests_total` counter (the service exposes HTTP
   * metrics) over `window`.
   * @param window range of `rate()` @default '2m'
   */
  public static httpRequestRate(window = '2m'): MetricQuery {
    return new MetricQuery((t) => `sum(rate(http_requests_total{namespace="${t.namespace}",service="${t.service}"}[${window}]))`);
  }
  /** Any PromQL whose value is the metric summed over the service's pods (the scaler divides it by the replicas). */
  public static promql(expr: string): MetricQuery {
    return new MetricQuery(() => expr);
  }
  private constructor(private readonly build: (t: { readonly metric: string; readonly namespace: string; readonly service: string }) => string) {}
  /** The query for the metric `metric` of `service` in `namespace`. */
  public render(metric: string, namespace: string, service: string): string {
    return this.build({ metric, namespace, service });
  }
}

/**
 * A per-pod custom metric, e.g. requests per second. Kubernetes serves no such metric itself: a service with Pods
 * metrics scales through a KEDA ScaledObject whose Prometheus triggers evaluate `query` (the keda add-on).
 */
export interface PodsMetric {
  /** Metric name (the trigger's name; the HPA KEDA owns shows it). */
  readonly name: string;
  /** Target average per pod, a Kubernetes quantity (`"100"`, `"500m"`). */
  readonly averageValue: string;
  /** @default MetricQuery.series() */
  readonly query?: MetricQuery;
}

/**
 * Horizontal autoscaling: a HorizontalPodAutoscaler (autoscaling/v2) on CPU and memory, or, with Pods metrics, a
 * KEDA ScaledObject (which owns the HPA). Setting it removes `replicas` from the workload.
 */
export interface AutoscalingOptions {
  /** @default profile.autoscaling.minReplicas */
  readonly minReplicas?: number;
  /** @default profile.autoscaling.maxReplicas */
  readonly maxReplicas?: number;
  /** Target average CPU utilization in percent of requests; `false` for none. @default profile.autoscaling.cpuUtilization */
  readonly cpuUtilization?: number | false;
  /** Target average memory utilization in percent of requests; `false` for none. @default profile.autoscaling.memoryUtilization */
  readonly memoryUtilization?: number | false;
  /** @default [] */
  readonly podsMetrics?: readonly PodsMetric[];
  /** @default - Kubernetes' default behaviour */
  readonly scaleUp?: ScalingRules;
  /** @default - Kubernetes' default behaviour */
  readonly scaleDown?: ScalingRules;
}

/** What the VerticalPodAutoscaler does with its recommendations. */
export class VpaMode {
  /** Recommend only (`Off`): safe next to an HPA, read the recommendation with kubectl. */
  public static recommend(): VpaMode {
    return new VpaMode('Off');
  }
  /** Set requests when pods are created, never evict. */
  public static initial(): VpaMode {
    return new VpaMode('Initial');
  }
  /** Evict pods to apply new requests. */
  public static recreate(): VpaMode {
    return new VpaMode('Recreate');
  }
  /** Let the VPA choose how to apply requests (today: evict and recreate). */
  public static auto(): VpaMode {
    return new VpaMode('Auto');
  }
  private constructor(public readonly updateMode: 'Off' | 'Initial' | 'Recreate' | 'Auto') {}
}

/** Bounds of VPA recommendations. */
export interface ResourceBounds {
  readonly cpu?: string;
  readonly memory?: string;
}

/** VerticalPodAutoscaler for the main container. */
export interface VerticalAutoscalingOptions {
  /** @default VpaMode.recommend() */
  readonly mode?: VpaMode;
  /** @default - no lower bound */
  readonly minAllowed?: ResourceBounds;
  /** @default - no upper bound */
  readonly maxAllowed?: ResourceBounds;
  /** @default ['cpu', 'memory'] */
  readonly controlledResources?: ReadonlyArray<'cpu' | 'memory'>;
}

/** PodDisruptionBudget; set at most one of the two fields. */
export interface DisruptionBudgetOptions {
  /** Pods that must stay available: a count or a percentage. @default - unset (maxUnavailable is used) */
  readonly minAvailable?: number | string;
  /** Pods that may be evicted at once: a count or a percentage. @default 1 */
  readonly maxUnavailable?: number | string;
}
