/** Replica count and disruptions of a MicroserviceDeployment: HorizontalPodAutoscaler, PodDisruptionBudget, VPA. */
import { Construct } from 'constructs';
import { KubeHorizontalPodAutoscalerV2, KubePodDisruptionBudget, MetricSpecV2 } from '../../imports/k8s';
import {
  VerticalPodAutoscaler,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed as MaxAllowed,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed as MinAllowed,
  VerticalPodAutoscalerSpecUpdatePolicyUpdateMode,
} from '../../imports/autoscaling.k8s.io';
import { ScaledObject } from '../../imports/keda.sh';
import { clusterServiceConnects, serviceOfUrl } from '../core/cluster-services';
import { parseQuantity } from '../core/quantity';
import { ResolvedAutoscaling, ResolvedMicroservice, ResolvedVpa } from './resolve';
import { intOrString, scaleTargetRef } from './rollout';
import { MetricQuery, ScalingRules } from './scaling';

/** Port of Prometheus's HTTP API in the monitoring namespace (standalone and kube-prometheus-stack). */
const PROMETHEUS_URL = (namespace: string) => `http://prometheus.${namespace}.svc:9090`;

function rules(x: ScalingRules | undefined) {
  return (
    x && {
      stabilizationWindowSeconds: x.stabilizationWindowSeconds,
      selectPolicy: x.selectPolicy,
      policies: x.policies?.map((p) => ({ ...p })),
    }
  );
}

/**
 * The autoscaler: an HPA on CPU and memory; with Pods metrics a KEDA ScaledObject instead, which owns an HPA of
 * the same name (its CPU, memory and Prometheus triggers) and serves the Prometheus values as external metrics.
 */
export function addAutoscaler(scope: Construct, r: ResolvedMicroservice, h: ResolvedAutoscaling): void {
  if (h.pods.length > 0) addScaledObject(scope, r, h);
  else addHpa(scope, r, h);
}

/** A number KEDA reads from a quantity (`"500m"` → `"0.5"`). */
function threshold(q: string): string {
  return String(parseQuantity(q));
}

function addScaledObject(scope: Construct, r: ResolvedMicroservice, h: ResolvedAutoscaling): void {
  const serverAddress = PROMETHEUS_URL(r.profile.monitoring.namespace);
  // The KEDA operator evaluates the triggers: Prometheus's NetworkPolicy must admit it.
  const prometheus = serviceOfUrl(serverAddress);
  if (prometheus) clusterServiceConnects(scope, 'kedaOperator', prometheus, 'autoscaling.podsMetrics');
  const triggers = [
    ...(h.cpu !== false ? [{ type: 'cpu', metricType: 'Utilization', metadata: { value: String(h.cpu) } }] : []),
    ...(h.memory !== false ? [{ type: 'memory', metricType: 'Utilization', metadata: { value: String(h.memory) } }] : []),
    ...h.pods.map((p) => ({
      type: 'prometheus',
      name: p.name,
      metricType: 'AverageValue',
      metadata: {
        serverAddress,
        query: (p.query ?? MetricQuery.series()).render(p.name, r.namespace, r.name),
        threshold: threshold(p.averageValue),
      },
    })),
  ];
  new ScaledObject(scope, 'ScaledObject', {
    metadata: { name: r.name, namespace: r.namespace, labels: { ...r.labels } },
    spec: {
      scaleTargetRef: scaleTargetRef(r),
      minReplicaCount: h.minReplicas,
      maxReplicaCount: h.maxReplicas,
      advanced: {
        horizontalPodAutoscalerConfig: {
          name: r.name,
          ...(h.scaleUp || h.scaleDown ? { behavior: { scaleUp: rules(h.scaleUp), scaleDown: rules(h.scaleDown) } as never } : {}),
        },
      },
      triggers,
    },
  });
}

/** The HPA on CPU and memory, with the optional scale-up and scale-down behaviour. */
export function addHpa(scope: Construct, r: ResolvedMicroservice, h: ResolvedAutoscaling): void {
  const metrics: MetricSpecV2[] = [];
  if (h.cpu !== false) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: h.cpu } } });
  if (h.memory !== false) metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: h.memory } } });
  new KubeHorizontalPodAutoscalerV2(scope, 'HorizontalPodAutoscaler', {
    metadata: { name: r.name, namespace: r.namespace, labels: { ...r.labels } },
    spec: {
      scaleTargetRef: scaleTargetRef(r),
      minReplicas: h.minReplicas,
      maxReplicas: h.maxReplicas,
      metrics,
      behavior: h.scaleUp || h.scaleDown ? { scaleUp: rules(h.scaleUp), scaleDown: rules(h.scaleDown) } : undefined,
    },
  });
}

/** The PDB (only emitted when more than one replica can run). */
export function addPdb(scope: Construct, r: ResolvedMicroservice): void {
  const pdb = r.disruptionBudget;
  new KubePodDisruptionBudget(scope, 'PodDisruptionBudget', {
    metadata: { name: r.name, namespace: r.namespace, labels: { ...r.labels } },
    spec: {
      selector: { matchLabels: { ...r.podSelector } },
      ...(pdb.minAvailable !== undefined ? { minAvailable: intOrString(pdb.minAvailable) } : { maxUnavailable: intOrString(pdb.maxUnavailable!) }),
    },
  });
}

/** The VPA of the main container. */
export function addVpa(scope: Construct, r: ResolvedMicroservice, v: ResolvedVpa): void {
  const bounds = <T>(b: { cpu?: string; memory?: string } | undefined, q: (s: string) => T) =>
    b &&
    Object.fromEntries(
      Object.entries(b)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, q(x!)]),
    );
  new VerticalPodAutoscaler(scope, 'VerticalPodAutoscaler', {
    metadata: { name: r.name, namespace: r.namespace, labels: { ...r.labels } },
    spec: {
      targetRef: scaleTargetRef(r),
      updatePolicy: { updateMode: v.mode.updateMode as VerticalPodAutoscalerSpecUpdatePolicyUpdateMode },
      resourcePolicy: {
        containerPolicies: [
          {
            containerName: r.name,
            minAllowed: bounds(v.minAllowed, (x) => MinAllowed.fromString(x)),
            maxAllowed: bounds(v.maxAllowed, (x) => MaxAllowed.fromString(x)),
            controlledResources: [...v.controlled],
          },
        ],
      },
    },
  });
}
