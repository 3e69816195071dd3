/** CloudNativePG (PostgreSQL clusters with failover and PITR) and its Barman Cloud plugin (WAL archiving, base backups). */
import { catalogChart } from '../chart';
import { AddOnDefinition } from '../definition';
import {
  CLUSTER_RBAC_KINDS,
  controllerReplicas,
  CRD_KIND,
  MUTATING_WEBHOOK_KIND,
  namespacesUsing,
  RESTRICTED_CONTAINER,
  RESTRICTED_POD,
  RestrictedContainerSecurity,
  RestrictedPodSecurity,
  VALIDATING_WEBHOOK_KIND,
} from './common';

/** The values of the cloudnative-pg and plugin-barman-cloud charts the platform sets. */
export interface CloudNativePgValues {
  readonly crds: { readonly create: true };
  readonly replicaCount: number;
  readonly podSecurityContext: RestrictedPodSecurity;
  readonly containerSecurityContext: Omit<RestrictedContainerSecurity, 'runAsNonRoot'> & { readonly runAsUser: number; readonly runAsGroup: number };
}

const CNPG_USER = 10001;
/** Labels of the CloudNativePG operator's pods. */
export const CNPG_OPERATOR_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'cloudnative-pg' };

function values(replicas: number): CloudNativePgValues {
  const { runAsNonRoot: _pod, ...container } = RESTRICTED_CONTAINER;
  return {
    crds: { create: true },
    replicaCount: replicas,
    podSecurityContext: RESTRICTED_POD,
    // The charts' own defaults set the image's user; kept explicit so an upgrade cannot drop them.
    containerSecurityContext: { ...container, runAsUser: CNPG_USER, runAsGroup: CNPG_USER },
  };
}

/** The CloudNativePG operator add-on definition. */
export function cloudNativePgDefinition(namespace: string): AddOnDefinition {
  return {
    name: 'cloudnative-pg',
    purpose: 'the PostgreSQL operator (Cluster, Pooler, Backup, ScheduledBackup)',
    chart: catalogChart('cloudnative-pg'),
    releaseName: 'cloudnative-pg',
    namespace,
    serves: { groups: ['postgresql.cnpg.io'] },
    installsCrds: true,
    clusterKinds: [CRD_KIND, ...CLUSTER_RBAC_KINDS, MUTATING_WEBHOOK_KIND, VALIDATING_WEBHOOK_KIND],
    // One operator replica: it is a leader-elected reconciler and PostgreSQL keeps running while it restarts.
    values: (ctx) => values(controllerReplicas(ctx.profile.highAvailability)) as unknown as Record<string, unknown>,
    controllers: (ctx) => {
      const clusters = namespacesUsing(ctx.environment, 'postgresql.cnpg.io');
      return [
        {
          component: 'operator',
          namespace: ctx.namespace,
          podLabels: CNPG_OPERATOR_LABELS,
          ports: [{ name: 'webhook-server', port: 9443 }],
          ingress: [{ peers: ['anywhere'], ports: [9443] }],
          egress: [
            // The instance manager's status endpoint in every namespace holding a Cluster, and the plugins beside it.
            ...(clusters.length > 0
              ? [{ peers: clusters.map((namespace) => ({ namespace, podLabels: { 'cnpg.io/podRole': 'instance' } })), ports: [8000] }]
              : []),
            { peers: [{ namespace: ctx.namespace }], ports: [9090] },
          ],
        },
      ];
    },
  };
}

/** The Barman Cloud plugin add-on definition: in the operator's namespace, after cert-manager (its TLS) and the operator. */
export function barmanCloudPluginDefinition(namespace: string): AddOnDefinition {
  return {
    name: 'plugin-barman-cloud',
    purpose: 'WAL archiving and base backups of CloudNativePG clusters to object storage (ObjectStore)',
    chart: catalogChart('plugin-barman-cloud'),
    releaseName: 'plugin-barman-cloud',
    namespace,
    serves: { groups: ['barmancloud.cnpg.io'] },
    installsCrds: true,
    clusterKinds: [CRD_KIND, ...CLUSTER_RBAC_KINDS],
    values: () => {
      const v = values(1);
      return { crds: v.crds, podSecurityContext: v.podSecurityContext, containerSecurityContext: v.containerSecurityContext };
    },
    needs: ['cert-manager', 'cloudnative-pg'],
    controllers: (ctx) => [
      {
        component: 'plugin',
        namespace: ctx.namespace,
        podLabels: { 'app.kubernetes.io/name': 'plugin-barman-cloud' },
        ports: [{ name: 'grpc', port: 9090 }],
        ingress: [{ peers: [{ namespace: ctx.namespace, podLabels: CNPG_OPERATOR_LABELS }], ports: [9090] }],
      },
    ],
  };
}
