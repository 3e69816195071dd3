/** The NetworkPolicy of a MicroserviceDeployment, built from the connection graph at synth. */
import { ApiObject, Lazy } from 'cdk8s';
import { ConnectionGraph, DNS_EGRESS_RULE, IWorkload, peerOf } from '../core/connections';
import { ServiceExposure } from './networking';
import { DEFAULT_API_SERVER_CIDRS, MicroserviceDeploymentProps } from './props';
import { ingressPort } from './exposure';
import { ResolvedMicroservice } from './resolve';

/**
 * Default deny both ways, then: ingress from connected clients, the ingress controller, load-balancer source
 * ranges and monitoring; egress to DNS, connected workloads and (with `apiAccess`) the API server.
 */
export function addNetworkPolicy(workload: IWorkload, r: ResolvedMicroservice, props: MicroserviceDeploymentProps): void {
  const graph = ConnectionGraph.of(workload);
  const portRule = (p: { port: number; protocol?: string }) => ({ protocol: p.protocol ?? 'TCP', port: p.port });
  const nsPeer = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
  const exposure = props.service?.exposure ?? ServiceExposure.clusterIP();
  const fromIngress = props.ingress ? ingressPort(r, props.ingress) : undefined;
  const apiCidrs = props.apiAccess ? props.apiAccess.serverCidrs ?? DEFAULT_API_SERVER_CIDRS : undefined;
  const metrics = r.metrics;

  // Rules from the graph are produced at synth, so connections declared after this construct are included.
  const ingress = Lazy.any({
    produce: () => {
      const rules: unknown[] = graph.ingressOf(workload).map((c) => ({ from: [peerOf(c.from)], ports: c.ports.map(portRule) }));
      if (fromIngress) rules.push({ from: [nsPeer(r.profile.ingress.controllerNamespace)], ports: [portRule(fromIngress)] });
      if (exposure.kind === 'LoadBalancer' && r.ports.length > 0) {
        rules.push({ from: exposure.sourceRanges.map((cidr) => ({ ipBlock: { cidr } })), ports: r.ports.map(portRule) });
      }
      if (metrics) rules.push({ from: [nsPeer(r.profile.monitoring.namespace)], ports: [portRule(metrics.port)] });
      return rules;
    },
  });
  const egress = Lazy.any({
    produce: () => {
      const rules: unknown[] = [JSON.parse(JSON.stringify(DNS_EGRESS_RULE))];
      for (const c of graph.egressOf(workload)) {
        const to = c.to.external ? c.to.external.cidrs.map((cidr) => ({ ipBlock: { cidr } })) : [peerOf(c.to)];
        rules.push({ to, ports: c.ports.map(portRule) });
      }
      if (apiCidrs) rules.push({ to: apiCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [443, 6443].map((port) => ({ protocol: 'TCP', port })) });
      return rules;
    },
  });
  new ApiObject(workload, 'NetworkPolicy', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: r.name, namespace: r.namespace, labels: { ...r.labels } },
    spec: { podSelector: { matchLabels: { ...r.podSelector } }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
  });
}
