/** The NetworkPolicy of a StatefulDatastore, built from the connection graph at synth. */
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeNetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer } from '../../imports/k8s';
import { cidrPeers, ConnectionGraph, dnsEgressRule, IWorkload, peerOf, peersOf, policyPorts } from '../core/connections';
import { selectorLabels } from '../core/labels';
import { ResolvedDatastore } from './resolve';
import { uniquePorts } from './statefulset';

/**
 * Ingress from connected clients, from the datastore's own pods (replication, quorum, backup jobs) and from
 * monitoring; egress to DNS, its own pods and, for backups and restores, object storage over HTTPS.
 */
export function addNetworkPolicy(datastore: Construct & IWorkload, r: ResolvedDatastore): void {
  const ctx = r.ctx;
  const self = peerOf(datastore);
  const metrics = r.def.metrics;
  const peerPorts = uniquePorts([...r.def.peerPorts(ctx), ...r.clientPorts]);
  const egress: NetworkPolicyEgressRule[] = [dnsEgressRule(), { to: [self], ports: policyPorts(peerPorts) }];
  // Backups and restores reach the object store over HTTPS.
  if (ctx.backup || r.restoreSource) egress.push({ to: cidrPeers(['0.0.0.0/0']), ports: policyPorts([{ name: 'https', port: 443 }]) });
  new KubeNetworkPolicy(datastore, 'NetworkPolicy', {
    metadata: { name: ctx.name, namespace: ctx.namespace, labels: r.labels },
    spec: {
      podSelector: { matchLabels: selectorLabels(ctx.name) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: Lazy.any({
        produce: () => {
          const rules: NetworkPolicyIngressRule[] = [];
          const seen = new Set<string>();
          for (const c of ConnectionGraph.of(datastore).ingressOf(datastore)) {
            const key = `${c.from.namespace}/${c.from.workloadName}:${c.ports.map((p) => p.port).join(',')}`;
            if (seen.has(key)) continue;
            seen.add(key);
            rules.push({ from: peersOf(c.from) as NetworkPolicyPeer[], ports: policyPorts(c.ports) });
          }
          // Replication, quorum and backup-job traffic between the datastore's own pods.
          rules.push({ from: [self], ports: policyPorts(peerPorts) });
          if (metrics) {
            rules.push({
              from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': r.profile.monitoring.namespace } } }],
              ports: policyPorts([metrics.port]),
            });
          }
          return rules;
        },
      }) as unknown as NetworkPolicyIngressRule[],
      egress,
    },
  });
}

/** NetworkPolicy peers of the datastore's clients (for engines that write their own policies), each once. */
export function clientPeers(datastore: IWorkload) {
  return dedupe(
    ConnectionGraph.of(datastore)
      .ingressOf(datastore)
      .flatMap((c) => peersOf(c.from)),
  );
}

function dedupe<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
