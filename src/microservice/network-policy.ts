/** The NetworkPolicy of a MicroserviceDeployment, built from the connection graph at synth. */
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeNetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort } from '../../imports/k8s';
import { apiServerOf, clusterServicesOf } from '../core/cluster-services';
import { cidrPeers, ConnectionGraph, dnsEgressRule, IWorkload, peersOf, policyPorts } from '../core/connections';
import { ServiceExposure } from './networking';
import { MicroserviceDeploymentProps } from './props';
import { ResolvedMicroservice } from './resolve';

/**
 * Default deny both ways, then: ingress from connected clients, the ingress controller, load-balancer source
 * ranges and monitoring; egress to DNS, connected workloads and (with `apiAccess`) the API server.
 */
export function addNetworkPolicy(workload: Construct & IWorkload, r: ResolvedMicroservice, props: MicroserviceDeploymentProps): void {
  const graph = ConnectionGraph.of(workload);
  const portRule = (p: { port: number; protocol?: string }): NetworkPolicyPort => ({ protocol: p.protocol ?? 'TCP', port: IntOrString.fromNumber(p.port) });
  const nsPeer = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
  const exposure = props.service?.exposure ?? ServiceExposure.clusterIP();
  const fromIngress = r.exposure?.port;
  // The pods that forward outside traffic: the Gateway's proxies (not the Gateway API controller), or the ingress
  // controller, as the environment's add-ons (or profile.clusterServices) say.
  const ingressController = clusterServicesOf(r.profile).ingressController;
  const ingressPeer: NetworkPolicyPeer = {
    ...nsPeer(ingressController.namespace),
    ...(Object.keys(ingressController.podLabels).length > 0 ? { podSelector: { matchLabels: { ...ingressController.podLabels } } } : {}),
  };
  const apiServer = apiServerOf(r.profile);
  const apiCidrs = props.apiAccess ? (props.apiAccess.serverCidrs ?? apiServer.cidrs) : undefined;
  const metrics = r.metrics;

  // Rules from the graph are produced at synth, so connections declared after this construct are included.
  const ingress = Lazy.any({
    produce: () => {
      const rules: NetworkPolicyIngressRule[] = graph
        .ingressOf(workload)
        .map((c) => ({ from: peersOf(c.from) as NetworkPolicyPeer[], ports: policyPorts(c.ports) }));
      if (fromIngress) rules.push({ from: [ingressPeer], ports: [portRule(fromIngress)] });
      if (exposure.kind === 'LoadBalancer' && r.ports.length > 0) {
        rules.push({ from: cidrPeers(exposure.sourceRanges), ports: r.ports.map(portRule) });
      }
      if (metrics) rules.push({ from: [nsPeer(r.profile.monitoring.namespace)], ports: [portRule(metrics.port)] });
      return rules;
    },
  });
  const egress = Lazy.any({
    produce: () => {
      const rules: NetworkPolicyEgressRule[] = [dnsEgressRule()];
      for (const c of graph.egressOf(workload)) {
        rules.push({ to: peersOf(c.to) as NetworkPolicyPeer[], ports: policyPorts(c.ports) });
      }
      if (apiCidrs) rules.push({ to: cidrPeers(apiCidrs), ports: apiServer.ports.map((port) => portRule({ port })) });
      return rules;
    },
  });
  new KubeNetworkPolicy(workload, 'NetworkPolicy', {
    metadata: { name: r.name, namespace: r.namespace, labels: { ...r.labels } },
    spec: {
      podSelector: { matchLabels: { ...r.podSelector } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: ingress as unknown as NetworkPolicyIngressRule[],
      egress: egress as unknown as NetworkPolicyEgressRule[],
    },
  });
}
