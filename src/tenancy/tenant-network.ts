/** NetworkPolicies of a TenantNamespace beyond the guard rails: own namespace, ingress controller, scrapes, shared services. */
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, NetworkPolicyEgressRule, NetworkPolicyPort } from '../../imports/k8s';
import { Connection, ConnectionGraph, IWorkload, peerOf, WorkloadRef } from '../core/connections';
import { EnvironmentProfile } from '../core/environment-profile';
import { clusterServicesOf } from '../core/cluster-services';
import { LABEL_NAME } from '../core/labels';
import { addNetworkPolicy, namespacePeer } from './guardrails';
import type { SharedService } from './tenant-namespace';

/**
 * Everything within the namespace, from the ingress controller, scrapes from monitoring on `metricsPorts`, and egress
 * to the entitled shared services. Entitlements are edges of the connection graph, so each service's own
 * NetworkPolicy admits the tenant.
 */
export function addTenantNetworkPolicies(
  tenant: Construct & IWorkload,
  profile: EnvironmentProfile,
  labels: Record<string, string>,
  metricsPorts: readonly (string | number)[],
  services: readonly SharedService[],
): void {
  const ns = tenant.namespace;
  addNetworkPolicy(tenant, ns, 'allow-same-namespace', labels, {
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [{ to: [{ podSelector: {} }] }],
  });
  // What forwards outside traffic: the Gateway's proxies (the tenant's routes bind its listeners), or the ingress controller.
  const forwarder = clusterServicesOf(profile).ingressController;
  addNetworkPolicy(tenant, ns, 'allow-from-ingress-controller', labels, {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [
          {
            ...namespacePeer(forwarder.namespace),
            ...(Object.keys(forwarder.podLabels).length > 0 ? { podSelector: { matchLabels: { ...forwarder.podLabels } } } : {}),
          },
        ],
      },
    ],
  });
  addNetworkPolicy(tenant, ns, 'allow-monitoring-scrape', labels, {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [namespacePeer(profile.monitoring.namespace)],
        ports: metricsPorts.map((p): NetworkPolicyPort => ({
          protocol: 'TCP',
          port: typeof p === 'number' ? IntOrString.fromNumber(p) : IntOrString.fromString(p),
        })),
      },
    ],
  });
  if (services.length === 0) return;
  // The tenant is deliberately not registered in the graph: nothing may connect *to* a tenant through it, since the
  // tenant's policies would not follow.
  const graph = ConnectionGraph.of(tenant);
  const targets = services.map((s, i): WorkloadRef | undefined => {
    const name = s.workload ?? s.podSelector?.[LABEL_NAME];
    if (name === undefined) return undefined;
    const ref = { name, namespace: s.namespace };
    // Without ports, every client port of the workload (what its clients use in this environment).
    const ports = s.ports?.map((p) => p.port);
    if (s.workload !== undefined) graph.connect(tenant, ref, ports, `sharedServices[${i}].workload`);
    else graph.connectIfRegistered(tenant, ref, ports, `sharedServices[${i}]`);
    return ref;
  });
  addNetworkPolicy(tenant, ns, 'allow-shared-services', labels, {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: Lazy.any({
      produce: () => {
        const edges = new Map<string, Connection>();
        for (const c of graph.egressOf(tenant)) edges.set(`${c.to.namespace}/${c.to.workloadName}`, c);
        return services.map((s, i): NetworkPolicyEgressRule => {
          const ref = targets[i];
          const edge = ref ? edges.get(`${ref.namespace}/${ref.name}`) : undefined;
          return edge ? egressFromGraph(edge) : egressFromFile(s);
        });
      },
    }) as unknown as NetworkPolicyEgressRule[],
  });
}

/** Egress to a workload of the graph: its pods, or the CIDRs of an external endpoint (a managed datastore). */
function egressFromGraph(c: Connection): NetworkPolicyEgressRule {
  const ext = c.to.external;
  return {
    to: ext ? (ext.cidrs.length > 0 ? ext.cidrs : ['0.0.0.0/0']).map((cidr) => ({ ipBlock: { cidr } })) : [peerOf(c.to)],
    ports: c.ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: IntOrString.fromNumber(p.port) })),
  };
}

/** Egress as the tenants file describes a service outside the graph: namespace, pod labels, ports. */
function egressFromFile(s: SharedService): NetworkPolicyEgressRule {
  return {
    to: [{ ...namespacePeer(s.namespace), ...(s.podSelector ? { podSelector: { matchLabels: { ...s.podSelector } } } : {}) }],
    ports: (s.ports ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', port: IntOrString.fromNumber(p.port) })),
  };
}
