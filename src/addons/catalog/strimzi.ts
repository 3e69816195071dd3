/** Strimzi: the Kafka operator (KRaft clusters, node pools, users, topics). */
import { catalogChart } from '../chart';
import { AddOnDefinition } from '../definition';
import {
  CLUSTER_RBAC_KINDS,
  controllerReplicas,
  CRD_KIND,
  namespacesUsing,
  RESTRICTED_CONTAINER,
  RESTRICTED_POD,
  RestrictedContainerSecurity,
  RestrictedPodSecurity,
} from './common';

/** Labels of the Strimzi cluster operator's pods. */
export const STRIMZI_OPERATOR_LABELS: Readonly<Record<string, string>> = { 'strimzi.io/kind': 'cluster-operator' };

/** The values of the strimzi-kafka-operator chart the platform sets. */
export interface StrimziValues {
  readonly replicas: number;
  readonly watchNamespaces: readonly string[];
  readonly watchAnyNamespace: false;
  readonly podSecurityContext: RestrictedPodSecurity;
  readonly securityContext: RestrictedContainerSecurity;
  readonly podDisruptionBudget: { readonly enabled: boolean };
  readonly extraEnvs: readonly { readonly name: string; readonly value: string }[];
}

/** Options of {@link AddOn.strimzi}. */
export interface StrimziOptions {
  /**
   * Namespaces the operator watches besides its own.
   * @default - every namespace of the environment holding kafka.strimzi.io objects (its RoleBindings go there)
   */
  readonly watchNamespaces?: readonly string[];
}

/** The Strimzi add-on definition. */
export function strimziDefinition(options: StrimziOptions, namespace: string): AddOnDefinition {
  const watched = (ctx: Parameters<AddOnDefinition['values']>[0]) =>
    (options.watchNamespaces ?? namespacesUsing(ctx.environment, 'kafka.strimzi.io')).filter((n) => n !== ctx.namespace);
  return {
    name: 'strimzi',
    purpose: 'the Kafka operator (Kafka, KafkaNodePool, KafkaUser, KafkaTopic)',
    chart: catalogChart('strimzi-kafka-operator'),
    releaseName: 'strimzi',
    namespace,
    serves: { groups: ['kafka.strimzi.io', 'core.strimzi.io'] },
    installsCrds: true,
    clusterKinds: [CRD_KIND, ...CLUSTER_RBAC_KINDS],
    values: (ctx) => {
      const replicas = controllerReplicas(ctx.profile.highAvailability);
      const values: StrimziValues = {
        replicas,
        // Least privilege: RoleBindings in the namespaces holding Kafka clusters, not a cluster-wide binding.
        watchNamespaces: watched(ctx),
        watchAnyNamespace: false,
        podSecurityContext: RESTRICTED_POD,
        securityContext: RESTRICTED_CONTAINER,
        podDisruptionBudget: { enabled: replicas > 1 },
        // The Kafka, controller and exporter pods the operator creates then satisfy PSS restricted too.
        extraEnvs: [{ name: 'STRIMZI_POD_SECURITY_PROVIDER_CLASS', value: 'restricted' }],
      };
      return values as unknown as Record<string, unknown>;
    },
    destinations: (ctx) => watched(ctx),
    clusterServices: (ctx) => ({ strimziOperator: { namespace: ctx.namespace, podLabels: STRIMZI_OPERATOR_LABELS } }),
    controllers: (ctx) => [
      {
        component: 'cluster-operator',
        clusterService: 'strimziOperator',
        namespace: ctx.namespace,
        podLabels: STRIMZI_OPERATOR_LABELS,
        // It reconciles the brokers and controllers of every watched namespace (admin API, KRaft quorum, agents).
        egress:
          watched(ctx).length > 0
            ? [
                {
                  peers: watched(ctx).map((namespace) => ({ namespace, podLabels: { 'app.kubernetes.io/managed-by': 'strimzi-cluster-operator' } })),
                  ports: [],
                },
              ]
            : [],
      },
    ],
  };
}
