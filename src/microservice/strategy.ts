/** How new versions replace old ones: a Deployment rolling update, or an Argo Rollouts canary / blue-green. */
import type { PreviewRoute } from './networking';

/** Prometheus analysis run by Argo Rollouts before promoting a canary or a preview. */
export interface AnalysisOptions {
  /**
   * Prometheus the analysis queries.
   * @default `http://prometheus.<profile.monitoring.namespace>.svc:9090`
   */
  readonly prometheusAddress?: string;
  /** Highest acceptable share of 5xx responses (0..1). @default 0.01 */
  readonly maxErrorRate?: number;
  /** Highest acceptable p95 latency in seconds. @default 0.5 */
  readonly maxP95LatencySeconds?: number;
  /** Time between measurements (Go duration). @default '1m' */
  readonly interval?: string;
  /** Number of measurements. @default 5 */
  readonly count?: number;
  /** Failed measurements tolerated before the rollout aborts. @default 1 */
  readonly failureLimit?: number;
}

/** One step of a canary rollout. */
export class CanaryStep {
  /**
   * Send `percent` of the requests to the canary: with traffic routing (an exposed service) the route's weights
   * (Gateway API: the HTTPRoute's backend weights, set by Argo Rollouts' Gateway API plugin); without it, that share
   * of the replicas.
   */
  public static setWeight(percent: number): CanaryStep {
    return new CanaryStep({ kind: 'setWeight', weight: percent });
  }

  /** Wait `duration` (e.g. `5m`), or until promoted by hand when no duration is given. */
  public static pause(duration?: string): CanaryStep {
    return new CanaryStep({ kind: 'pause', duration });
  }

  /** Run the service's Prometheus analysis (error rate and p95 latency); abort on failure. */
  public static analysis(): CanaryStep {
    return new CanaryStep({ kind: 'analysis' });
  }

  private constructor(
    public readonly step:
      { readonly kind: 'setWeight'; readonly weight: number } | { readonly kind: 'pause'; readonly duration?: string } | { readonly kind: 'analysis' },
  ) {}
}

/** Defaults of a canary: 10%, a minute, analysis, 50%, two minutes, analysis, then full promotion. */
export const DEFAULT_CANARY_STEPS: readonly CanaryStep[] = [
  CanaryStep.setWeight(10),
  CanaryStep.pause('1m'),
  CanaryStep.analysis(),
  CanaryStep.setWeight(50),
  CanaryStep.pause('2m'),
  CanaryStep.analysis(),
];

export interface RollingUpdateOptions {
  /** Extra pods during an update: a count or a percentage. @default '25%' */
  readonly maxSurge?: number | string;
  /** Pods that may be unavailable during an update. @default 0 (never below the desired count) */
  readonly maxUnavailable?: number | string;
}

export interface CanaryOptions {
  /** @default DEFAULT_CANARY_STEPS */
  readonly steps?: readonly CanaryStep[];
  /**
   * Split the exposed service's requests by weight: Gateway API through Argo Rollouts' Gateway API plugin
   * (`trafficRouting.plugins["argoproj-labs/gatewayAPI"]`, which the argo-rollouts add-on must load:
   * `TrafficRouterPlugin.gatewayApi()`), Ingress (nginx) through `trafficRouting.nginx`. Needs `ingress`.
   * @default - true when the service is exposed (`ingress`)
   */
  readonly trafficRouting?: boolean;
  /**
   * Split traffic at the nginx ingress.
   * @deprecated use `trafficRouting` (the same switch, for every traffic layer)
   * @default - trafficRouting
   */
  readonly nginxTrafficRouting?: boolean;
  /** @default - the defaults of {@link AnalysisOptions} */
  readonly analysis?: AnalysisOptions;
}

export interface BlueGreenOptions {
  /** Promote the preview to active without a human. @default false */
  readonly autoPromotion?: boolean;
  /** With auto-promotion, wait this long after the preview is ready. @default - promote at once */
  readonly autoPromotionSeconds?: number;
  /** Run the Prometheus analysis against the preview before promotion. @default true */
  readonly prePromotionAnalysis?: boolean;
  /** Keep the old version this long after promotion, for a fast rollback. @default 30 */
  readonly scaleDownDelaySeconds?: number;
  /** Service port (by name) the preview Service exposes. @default - the main (first) port */
  readonly previewPort?: string;
  /**
   * Reach the preview from outside for pre-promotion checks (needs `ingress`): its own host, or a header on the
   * service's hosts (Gateway API).
   * @default - the preview is reachable inside the cluster only (the `<name>-preview` Service)
   */
  readonly preview?: PreviewRoute;
  /** @default - the defaults of {@link AnalysisOptions} */
  readonly analysis?: AnalysisOptions;
}

/** The update strategy: `rollingUpdate` keeps a Deployment; `canary` and `blueGreen` emit an Argo Rollout. */
export class RolloutStrategy {
  /** A Deployment rolling update. */
  public static rollingUpdate(options: RollingUpdateOptions = {}): RolloutStrategy {
    return new RolloutStrategy({ kind: 'rollingUpdate', ...options });
  }

  /** An Argo Rollouts canary with stable and canary Services and Prometheus analysis steps. */
  public static canary(options: CanaryOptions = {}): RolloutStrategy {
    return new RolloutStrategy({ kind: 'canary', ...options });
  }

  /** An Argo Rollouts blue-green with active and preview Services. */
  public static blueGreen(options: BlueGreenOptions = {}): RolloutStrategy {
    return new RolloutStrategy({ kind: 'blueGreen', ...options });
  }

  private constructor(
    public readonly options:
      | ({ readonly kind: 'rollingUpdate' } & RollingUpdateOptions)
      | ({ readonly kind: 'canary' } & CanaryOptions)
      | ({ readonly kind: 'blueGreen' } & BlueGreenOptions),
  ) {}

  /** True for canary and blue-green (an Argo Rollout instead of a Deployment). */
  public get isProgressive(): boolean {
    return this.options.kind !== 'rollingUpdate';
  }
}
