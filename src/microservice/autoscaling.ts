/** Replica count and disruptions of a MicroserviceDeployment: HorizontalPodAutoscaler, PodDisruptionBudget, VPA. */
import { Construct } from 'constructs';
import { KubeHorizontalPodAutoscalerV2, KubePodDisruptionBudget, MetricSpecV2, Quantity } from '../../imports/k8s';
import {
  VerticalPodAutoscaler, VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed as MaxAllowed,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed as MinAllowed, VerticalPodAutoscalerSpecUpdatePolicyUpdateMode,
} from '../../imports/autoscaling.k8s.io';
import { ResolvedAutoscaling, ResolvedMicroservice, ResolvedVpa } from './resolve';
import { intOrString, scaleTargetRef } from './rollout';
import { ScalingRules } from './scaling';

/** The HPA on CPU, memory and pod metrics, with the optional scale-up and scale-down behaviour. */
export function addHpa(scope: Construct, r: ResolvedMicroservice, h: ResolvedAutoscaling): void {
  const metrics: MetricSpecV2[] = [];
  if (h.cpu !== false) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: h.cpu } } });
  if (h.memory !== false) metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: h.memory } } });
  for (const p of h.pods) {
    metrics.push({ type: 'Pods', pods: { metric: { name: p.name }, target: { type: 'AverageValue', averageValue: Quantity.fromString(p.averageValue) } } });
  }
  const rules = (x: ScalingRules | undefined) => x && {
    stabilizationWindowSeconds: x.stabilizationWindowSeconds,
    selectPolicy: x.selectPolicy,
    policies: x.policies?.map((p) => ({ ...p })),
  };
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
  const bounds = <T>(b: { cpu?: string; memory?: string } | undefined, q: (s: string) => T) => b && Object.fromEntries(Object.entries(b).filter(([, x]) => x !== undefined).map(([k, x]) => [k, q(x!)]));
  new VerticalPodAutoscaler(scope, 'VerticalPodAutoscaler', {
    metadata: { name: r.name, namespace: r.namespace, labels: { ...r.labels } },
    spec: {
      targetRef: scaleTargetRef(r),
      updatePolicy: { updateMode: v.mode.updateMode as VerticalPodAutoscalerSpecUpdatePolicyUpdateMode },
      resourcePolicy: {
        containerPolicies: [{
          containerName: r.name,
          minAllowed: bounds(v.minAllowed, (x) => MinAllowed.fromString(x)),
          maxAllowed: bounds(v.maxAllowed, (x) => MaxAllowed.fromString(x)),
          controlledResources: [...v.controlled],
        }],
      },
    },
  });
}
