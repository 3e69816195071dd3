/**
 * KEDA: autoscaling on metrics Kubernetes does not serve itself. A service's Pods metrics become a ScaledObject
 * whose Prometheus trigger the KEDA operator evaluates; KEDA's metrics API server serves them to the HPA it owns.
 */
import { catalogChart } from '../chart';
import { AddOnDefinition } from '../definition';
import {
  CLUSTER_RBAC_KINDS,
  controllerReplicas,
  CRD_KEEP_ANNOTATIONS,
  CRD_KIND,
  NON_ROOT_POD,
  NonRootPod,
  RESTRICTED_CONTAINER_ONLY,
  RestrictedContainerOnly,
  VALIDATING_WEBHOOK_KIND,
} from './common';

/** Labels of the KEDA operator's pods (it queries the scalers' sources, e.g. Prometheus). */
export const KEDA_OPERATOR_LABELS: Readonly<Record<string, string>> = { app: 'keda-operator', 'app.kubernetes.io/name': 'keda-operator' };

/** Labels of KEDA's metrics API server pods. */
export const KEDA_METRICS_APISERVER_LABELS: Readonly<Record<string, string>> = { app: 'keda-operator-metrics-apiserver' };

interface PerComponent<T> {
  readonly operator: T;
  readonly metricServer: T;
  readonly webhooks: T;
}

/** The values of the keda chart the platform sets. */
export interface KedaValues {
  readonly crds: { readonly install: true; readonly additionalAnnotations: Readonly<Record<string, string>> };
  readonly operator: { readonly replicaCount: number };
  readonly metricsServer: { readonly replicaCount: number };
  readonly webhooks: { readonly replicaCount: number };
  readonly podDisruptionBudget: PerComponent<{ readonly minAvailable?: number }>;
  readonly podSecurityContext: PerComponent<NonRootPod>;
  readonly securityContext: PerComponent<RestrictedContainerOnly>;
}

/** The KEDA add-on definition. */
export function kedaDefinition(namespace: string): AddOnDefinition {
  return {
    name: 'keda',
    purpose: 'event- and metric-driven autoscaling (ScaledObject); serves external metrics to HPAs',
    chart: catalogChart('keda'),
    releaseName: 'keda',
    namespace,
    serves: { groups: ['keda.sh', 'eventing.keda.sh'] },
    installsCrds: true,
    clusterKinds: [CRD_KIND, ...CLUSTER_RBAC_KINDS, VALIDATING_WEBHOOK_KIND, { group: 'apiregistration.k8s.io', kind: 'APIService' }],
    values: (ctx) => {
      const replicas = controllerReplicas(ctx.profile.highAvailability);
      const pdb = replicas > 1 ? { minAvailable: 1 } : {};
      const values: KedaValues = {
        crds: { install: true, additionalAnnotations: CRD_KEEP_ANNOTATIONS },
        operator: { replicaCount: replicas },
        metricsServer: { replicaCount: replicas },
        webhooks: { replicaCount: replicas },
        podDisruptionBudget: { operator: pdb, metricServer: pdb, webhooks: pdb },
        podSecurityContext: { operator: NON_ROOT_POD, metricServer: NON_ROOT_POD, webhooks: NON_ROOT_POD },
        securityContext: { operator: RESTRICTED_CONTAINER_ONLY, metricServer: RESTRICTED_CONTAINER_ONLY, webhooks: RESTRICTED_CONTAINER_ONLY },
      };
      return values as unknown as Record<string, unknown>;
    },
    clusterServices: (ctx) => ({
      kedaOperator: { namespace: ctx.namespace, podLabels: KEDA_OPERATOR_LABELS, ports: [{ name: 'metricsservice', port: 9666 }] },
    }),
    // The metrics API server reads the API server's authentication config: a RoleBinding in kube-system.
    destinations: () => ['kube-system'],
    controllers: (ctx) => [
      {
        component: 'operator',
        // ScaledObjects connect it to the sources of their triggers (Prometheus): its policy carries that.
        clusterService: 'kedaOperator',
        namespace: ctx.namespace,
        podLabels: KEDA_OPERATOR_LABELS,
        ports: [{ name: 'metricsservice', port: 9666 }],
        ingress: [{ peers: [{ namespace: ctx.namespace, podLabels: KEDA_METRICS_APISERVER_LABELS }], ports: [9666] }],
      },
      {
        component: 'metrics-apiserver',
        namespace: ctx.namespace,
        podLabels: KEDA_METRICS_APISERVER_LABELS,
        ports: [{ name: 'https', port: 6443 }],
        // The aggregated API: the API server calls it from an address the cluster does not know.
        ingress: [{ peers: ['anywhere'], ports: [6443] }],
        egress: [{ peers: [{ namespace: ctx.namespace, podLabels: KEDA_OPERATOR_LABELS }], ports: [9666] }],
      },
      {
        component: 'admission-webhooks',
        namespace: ctx.namespace,
        podLabels: { app: 'keda-admission-webhooks' },
        ports: [{ name: 'https', port: 9443 }],
        ingress: [{ peers: ['anywhere'], ports: [9443] }],
      },
    ],
  };
}
