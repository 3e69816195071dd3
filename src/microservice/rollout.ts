/** The workload of a MicroserviceDeployment: a Deployment, or an Argo Rollout with its AnalysisTemplate. */
import { clusterServiceConnects, serviceOfUrl } from '../core/cluster-services';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeDeployment, PodTemplateSpec, toJson_PodTemplateSpec } from '../../imports/k8s';
import { AnalysisTemplate, AnalysisTemplateSpecMetricsCount, AnalysisTemplateSpecMetricsFailureLimit, Rollout } from '../../imports/argoproj.io';
import { httpErrorRatioQuery, httpLatencyP95Query } from './promql';

/** Argument of the AnalysisTemplate: the pod-template hash of the version under analysis. */
export const POD_TEMPLATE_HASH_ARG = 'pod-template-hash';
import {
  DEFAULT_ANALYSIS_COUNT,
  DEFAULT_ANALYSIS_FAILURE_LIMIT,
  DEFAULT_ANALYSIS_INTERVAL,
  DEFAULT_MAX_ERROR_RATE,
  DEFAULT_MAX_P95_LATENCY_SECONDS,
  DEFAULT_MAX_SURGE,
  DEFAULT_MAX_UNAVAILABLE,
  DEFAULT_SCALE_DOWN_DELAY_SECONDS,
} from './props';
import { ResolvedMicroservice } from './resolve';
import { AnalysisOptions, CanaryStep, DEFAULT_CANARY_STEPS } from './strategy';
import { GATEWAY_API_PLUGIN_NAME, trafficRouterFeature } from '../addons/catalog/argo-rollouts';
import { requireAddOn } from '../addons/requirements';
import { serviceRoutes } from './routes';

/** The Deployment (rolling update) or Rollout (canary, blue-green) with construct id `Resource`. */
export function addWorkload(scope: Construct, r: ResolvedMicroservice, template: PodTemplateSpec): void {
  const metadata = { name: r.name, namespace: r.namespace, labels: { ...r.labels } };
  const selector = { matchLabels: { ...r.podSelector } };
  const replicas = r.replicas;
  const o = r.strategy.options;
  if (o.kind === 'rollingUpdate') {
    new KubeDeployment(scope, 'Resource', {
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
  // The analysis measures the pods of the new version: Argo Rollouts passes the latest ReplicaSet's pod-template hash
  // (the canary's, or the blue-green preview's) and the queries select on it.
  const analysisRef = {
    templates: [{ templateName: `${r.name}-analysis` }],
    args: [{ name: POD_TEMPLATE_HASH_ARG, valueFrom: { podTemplateHashValue: 'Latest' } }],
  };
  let strategy: Record<string, unknown>;
  let needsAnalysis: boolean;
  if (o.kind === 'canary') {
    const steps = o.steps ?? DEFAULT_CANARY_STEPS;
    needsAnalysis = steps.some((s) => s.step.kind === 'analysis');
    strategy = {
      canary: {
        stableService: r.name,
        canaryService: `${r.name}-canary`,
        steps: steps.map((s) => renderStep(s, analysisRef)),
        ...(trafficRouting(scope, r) ?? {}),
      },
    };
  } else {
    needsAnalysis = o.prePromotionAnalysis ?? true;
    strategy = {
      blueGreen: {
        activeService: r.name,
        previewService: `${r.name}-preview`,
        autoPromotionEnabled: o.autoPromotion ?? false,
        ...(o.autoPromotionSeconds !== undefined ? { autoPromotionSeconds: o.autoPromotionSeconds } : {}),
        ...(needsAnalysis ? { prePromotionAnalysis: analysisRef } : {}),
        scaleDownDelaySeconds: o.scaleDownDelaySeconds ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS,
      },
    };
  }
  // The Rollout binding types the pod template with its own CRD classes, whose toJson reads ports and quantities as
  // objects and would drop the k8s PodTemplateSpec's values: the template is rendered by k8s's own toJson instead.
  new ApiObject(scope, 'Resource', {
    ...Rollout.GVK,
    metadata,
    spec: {
      ...(replicas !== undefined ? { replicas } : {}),
      selector,
      template: toJson_PodTemplateSpec(template),
      strategy,
    },
  });
  if (needsAnalysis) addAnalysisTemplate(scope, r, o.analysis ?? {});
}

/**
 * The canary's traffic routing: Gateway API through Argo Rollouts' plugin (the service's routes, whose stable and
 * canary backend weights it sets; the argo-rollouts add-on must load the plugin), or the nginx stable Ingress.
 */
function trafficRouting(scope: Construct, r: ResolvedMicroservice): Record<string, unknown> | undefined {
  if (r.canaryRouting === 'nginx') return { trafficRouting: { nginx: { stableIngress: r.name } } };
  if (r.canaryRouting !== 'gatewayApi' || !r.exposure) return undefined;
  const feature = trafficRouterFeature(GATEWAY_API_PLUGIN_NAME);
  requireAddOn(scope, 'argo-rollouts', 'a canary with traffic routing on Gateway API (strategy.trafficRouting)', (a) =>
    a.hasFeature(feature)
      ? undefined
      : `with Argo Rollouts' Gateway API plugin: AddOn.argoRollouts({ trafficRouterPlugins: [TrafficRouterPlugin.gatewayApi()] }) (or set strategy.trafficRouting to false to split by replicas)`,
  );
  const routes = serviceRoutes(r.name, r.exposure);
  const list = routes.names.map((name) => ({ name }));
  return {
    trafficRouting: {
      plugins: { [GATEWAY_API_PLUGIN_NAME]: { namespace: r.namespace, ...(routes.kind === 'GRPCRoute' ? { grpcRoutes: list } : { httpRoutes: list }) } },
    },
  };
}

/** Error rate and p95 latency of the new version (its pods only), queried from Prometheus while the rollout progresses. */
function addAnalysisTemplate(scope: Construct, r: ResolvedMicroservice, a: AnalysisOptions): void {
  const t = { namespace: r.namespace, service: r.name, podTemplateHash: `{{args.${POD_TEMPLATE_HASH_ARG}}}` };
  const address = a.prometheusAddress ?? `http://prometheus.${r.profile.monitoring.namespace}.svc:9090`;
  const maxErrorRate = a.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;
  const maxLatency = a.maxP95LatencySeconds ?? DEFAULT_MAX_P95_LATENCY_SECONDS;
  const common = {
    interval: a.interval ?? DEFAULT_ANALYSIS_INTERVAL,
    count: AnalysisTemplateSpecMetricsCount.fromNumber(a.count ?? DEFAULT_ANALYSIS_COUNT),
    failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(a.failureLimit ?? DEFAULT_ANALYSIS_FAILURE_LIMIT),
  };
  // The Argo Rollouts controller runs the analysis: Prometheus's NetworkPolicy must admit it.
  const prometheus = serviceOfUrl(address);
  if (prometheus) clusterServiceConnects(scope, 'argoRollouts', prometheus, 'strategy.analysis');
  // No traffic yet (empty result or NaN) counts as success: a quiet canary is not a failed one.
  const ok = (max: number) => `len(result) == 0 || isNaN(result[0]) || result[0] <= ${max}`;
  new AnalysisTemplate(scope, 'AnalysisTemplate', {
    metadata: { name: `${r.name}-analysis`, namespace: r.namespace, labels: { ...r.labels } },
    spec: {
      args: [{ name: POD_TEMPLATE_HASH_ARG }],
      metrics: [
        { name: 'error-rate', ...common, successCondition: ok(maxErrorRate), provider: { prometheus: { address, query: httpErrorRatioQuery(t) } } },
        { name: 'latency-p95', ...common, successCondition: ok(maxLatency), provider: { prometheus: { address, query: httpLatencyP95Query(t) } } },
      ],
    },
  });
}

/** What an HPA or VPA scales: the Deployment or the Rollout. */
export function scaleTargetRef(r: ResolvedMicroservice) {
  return r.isRollout
    ? { apiVersion: Rollout.GVK.apiVersion, kind: Rollout.GVK.kind, name: r.name }
    : { apiVersion: 'apps/v1', kind: 'Deployment', name: r.name };
}

export function intOrString(v: number | string): IntOrString {
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
