/**
 * The diagram of an environment's connections, drawn from its flow proof (the data of FLOWS.md): every workload, and
 * an arrow per source and target of the needed flows, labelled with the ports; blocked when the NetworkPolicies block
 * one of them. `dist/<env>/README.md` draws it (src/synth/plugins/environment-readme.ts). Plain data, so that synth
 * can reuse it with the proof's other results (src/policy/flows/outcome.ts).
 */
import type { EnvironmentOutput } from '../../synth/synthesizer';
import { Endpoint, FlowVerdict } from './model';
import { FlowProof, proveFlows } from './proof';

/** Kinds drawn as datastores (cylinders); other workloads are services. */
export const DATASTORE_KINDS: readonly string[] = ['StatefulSet', 'Kafka', 'Cluster'];

/** A node of the diagram: a workload or something outside the environment. */
export interface FlowGraphNode {
  readonly id: string;
  readonly label: string;
  readonly namespace: string;
  readonly shape: 'service' | 'datastore' | 'external';
}

export interface FlowGraphEdge {
  readonly from: string;
  readonly to: string;
  readonly ports: string;
  /** At least one of the flows is blocked by the NetworkPolicies. */
  readonly blocked: boolean;
}

/** The diagram: nodes and arrows, sorted. */
export interface FlowGraph {
  readonly nodes: readonly FlowGraphNode[];
  readonly edges: readonly FlowGraphEdge[];
}

export function mermaidId(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, '_');
}

/** DNS and the API server are plumbing every pod needs: proved, listed in FLOWS.md, not drawn. */
function plumbing(f: FlowVerdict, proof: FlowProof): boolean {
  return f.to === proof.world.clusterService.dns || f.to === proof.world.apiServer;
}

function nodeOf(e: Endpoint): FlowGraphNode {
  if (e.kind === 'address') return { id: mermaidId(`ext__${e.name}`), label: e.name, namespace: '', shape: 'external' };
  const datastore = e.pod ? DATASTORE_KINDS.includes(e.pod.kind) : e.source.startsWith('Kafka ');
  // `<namespace>/*`: every pod of a namespace (a tenant's).
  return {
    id: mermaidId(`${e.namespace}__${e.name}`),
    label: e.name === '*' ? 'any pod' : e.name,
    namespace: e.namespace,
    shape: datastore ? 'datastore' : 'service',
  };
}

/**
 * The diagram of `env`, drawn from the flow proof (the same data as FLOWS.md): every workload of the environment,
 * and an arrow per source and target of the needed flows, labelled with the ports; dashed when blocked.
 */
export function environmentGraph(env: EnvironmentOutput, proof: FlowProof = proveFlows(env)): FlowGraph {
  const nodes = new Map<string, FlowGraphNode>();
  const add = (e: Endpoint): string => {
    const n = nodeOf(e);
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return n.id;
  };
  for (const p of proof.world.pods) if (p.inDist) add(p);
  const edges = new Map<string, { from: string; to: string; ports: Set<string>; blocked: boolean }>();
  for (const f of proof.flows) {
    if (plumbing(f, proof)) continue;
    const from = add(f.from);
    const to = add(f.to);
    const key = `${from}>${to}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { from, to, ports: new Set(), blocked: false }));
    e.ports.add(f.protocol === 'TCP' ? String(f.port) : `${f.port}/${f.protocol}`);
    if (!f.admitted) e.blocked = true;
  }
  const sortedNodes = [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const sortedEdges = [...edges.values()]
    .map((e) => ({
      from: e.from,
      to: e.to,
      ports: [...e.ports].sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : 1)).join(','),
      blocked: e.blocked,
    }))
    .sort((a, b) => (`${a.from}>${a.to}` < `${b.from}>${b.to}` ? -1 : 1));
  return { nodes: sortedNodes, edges: sortedEdges };
}
