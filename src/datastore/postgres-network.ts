/**
 * NetworkPolicies of a PostgreSQL datastore on CloudNativePG. The namespace denies everything by default, so each
 * flow the cluster needs is admitted here at both ends: clients to 5432 (instances for reads, the pooler or the
 * primary for writes); instances, their jobs, the pooler and the databases Job to each other on 5432 and the
 * instance manager's status port; the operator to the status port; Prometheus to the metrics ports; instance managers
 * and PgBouncer to the API server; WAL archiving, base backups and DR replay to object storage over HTTPS.
 */
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeNetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer } from '../../imports/k8s';
import { apiServerOf, clusterServicesOf } from '../core/cluster-services';
import { dnsEgressRule, policyPorts } from '../core/connections';
import { EnvironmentChart } from '../core/environment-chart';
import { selectorLabels } from '../core/labels';
import { databasesJobSelector } from './postgres-databases';
import { POOLER_METRICS_PORT, POSTGRES_METRICS_PORT, POSTGRES_PORT, POSTGRES_STATUS_PORT, PostgresSettings, follows, poolerName } from './postgres';
import { EngineContext, ExtraObjectContext } from './types';

const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port: IntOrString.fromNumber(port) }));

/** The instances' policy, the pooler's and the databases Job's. */
export function addPostgresNetworkPolicies(scope: Construct, ctx: EngineContext, common: ExtraObjectContext, s: PostgresSettings): void {
  const profile = EnvironmentChart.of(scope).profile;
  const api = apiServerOf(profile);
  const cnpg = clusterServicesOf(profile).cloudnativePg;
  const apiRule: NetworkPolicyEgressRule = { to: api.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(...api.ports) };
  const instances: NetworkPolicyPeer = { podSelector: { matchLabels: { 'cnpg.io/cluster': ctx.name } } };
  // Instances, the operator's jobs and the pooler carry the datastore's selector labels.
  const own: NetworkPolicyPeer = { podSelector: { matchLabels: selectorLabels(ctx.name) } };
  const monitoring: NetworkPolicyPeer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': profile.monitoring.namespace } } };
  const operator: NetworkPolicyPeer = {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': cnpg.namespace } },
    podSelector: { matchLabels: { ...cnpg.podLabels } },
  };
  const objectStorage = ctx.backup !== undefined || ctx.restore !== undefined;
  // One rule per client, as for every datastore (never an empty `from`: that would admit everyone).
  const clients = (): NetworkPolicyIngressRule[] =>
    common.clientPeers().map((peer) => ({ from: [peer as NetworkPolicyPeer], ports: policyPorts([POSTGRES_PORT]) }));
  const policy = (
    id: string,
    name: string,
    podSelector: Record<string, string>,
    ingress: NetworkPolicyIngressRule[] | (() => NetworkPolicyIngressRule[]),
    egress: NetworkPolicyEgressRule[],
  ) =>
    new KubeNetworkPolicy(scope, id, {
      metadata: { name, namespace: ctx.namespace, labels: { ...common.labels } },
      spec: {
        podSelector: { matchLabels: podSelector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: typeof ingress === 'function' ? (Lazy.any({ produce: ingress }) as unknown as NetworkPolicyIngressRule[]) : ingress,
        egress,
      },
    });

  policy(
    'NetworkPolicy',
    ctx.name,
    { 'cnpg.io/cluster': ctx.name },
    () => [
      ...clients(),
      { from: [own], ports: policyPorts([POSTGRES_PORT, POSTGRES_STATUS_PORT]) },
      ...(follows(ctx) ? [] : [{ from: [{ podSelector: { matchLabels: databasesJobSelector(ctx) } }], ports: policyPorts([POSTGRES_PORT]) }]),
      { from: [operator], ports: policyPorts([POSTGRES_STATUS_PORT]) },
      { from: [monitoring], ports: policyPorts([POSTGRES_METRICS_PORT]) },
    ],
    [
      dnsEgressRule(),
      { to: [instances], ports: policyPorts([POSTGRES_PORT, POSTGRES_STATUS_PORT]) },
      apiRule,
      ...(objectStorage ? [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(443) }] : []),
    ],
  );
  if (s.pooler) {
    policy(
      'PoolerNetworkPolicy',
      poolerName(ctx),
      { 'cnpg.io/poolerName': poolerName(ctx) },
      () => [...clients(), { from: [monitoring], ports: policyPorts([POOLER_METRICS_PORT]) }],
      [dnsEgressRule(), { to: [instances], ports: policyPorts([POSTGRES_PORT]) }, apiRule],
    );
  }
  if (!follows(ctx)) {
    policy(
      'DatabasesNetworkPolicy',
      `${ctx.name}-databases`,
      databasesJobSelector(ctx),
      [],
      [dnsEgressRule(), { to: [instances], ports: policyPorts([POSTGRES_PORT]) }],
    );
  }
}
