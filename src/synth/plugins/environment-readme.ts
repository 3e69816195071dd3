/**
 * Writes `dist/<env>/README.md`: the inventory (objects by kind and by namespace), the cluster add-ons in install
 * order with the prerequisites outside dist/, and a Mermaid diagram of the
 * services, datastores and their connections, read from the NetworkPolicies actually emitted (so the picture
 * shows what the cluster will allow, not what someone meant to allow). Git hosts render it in pull requests.
 */
import { addOnReadmeLines } from '../../addons/readme';
import { EnvironmentOutput, SynthPlugin } from '../synthesizer';

/** Kinds drawn as datastores (cylinders); other pod controllers are services. */
export const DATASTORE_KINDS: readonly string[] = ['StatefulSet', 'Kafka'];
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Rollout', 'DaemonSet', 'Kafka'];
/** Egress rules only to these ports are plumbing (DNS) and not drawn. */
const PLUMBING_PORTS = new Set([53]);

/** A node of the diagram: a workload or something outside the environment. */
interface Node {
  readonly id: string;
  readonly label: string;
  readonly namespace: string;
  readonly shape: 'service' | 'datastore' | 'external';
  readonly labels: Record<string, string>;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly ports: string;
}

function mermaidId(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, '_');
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

function podLabels(o: Record<string, any>): Record<string, string> {
  if (o.kind === 'Kafka') return { 'strimzi.io/cluster': o.metadata.name };
  return o.spec?.template?.metadata?.labels ?? o.spec?.selector?.matchLabels ?? {};
}

function portsOf(rule: Record<string, any>): string {
  return (rule.ports ?? []).map((p: Record<string, any>) => String(p.port ?? '*')).join(',');
}

/** The connections drawn for `env`: every egress rule of every NetworkPolicy, resolved to workloads. */
export function environmentGraph(env: EnvironmentOutput): { nodes: Node[]; edges: Edge[] } {
  const objects = env.documents.map((d) => d.object);
  const nodes = new Map<string, Node>();
  const byNamespace = new Map<string, Node[]>();
  for (const o of objects) {
    if (!WORKLOAD_KINDS.includes(o.kind)) continue;
    const ns = o.metadata.namespace ?? '';
    const node: Node = {
      id: mermaidId(`${ns}__${o.metadata.name}`),
      label: o.metadata.name,
      namespace: ns,
      shape: DATASTORE_KINDS.includes(o.kind) ? 'datastore' : 'service',
      labels: podLabels(o),
    };
    nodes.set(node.id, node);
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), node]);
  }
  const external = (key: string, label: string): string => {
    const id = mermaidId(`ext__${key}`);
    if (!nodes.has(id)) nodes.set(id, { id, label, namespace: '', shape: 'external', labels: {} });
    return id;
  };
  const edges = new Map<string, Edge>();
  const add = (from: string, to: string, ports: string): void => {
    if (from === to) return;
    edges.set(`${from}>${to}>${ports}`, { from, to, ports });
  };
  for (const np of objects) {
    if (np.kind !== 'NetworkPolicy') continue;
    const ns = np.metadata.namespace ?? '';
    const selected = (byNamespace.get(ns) ?? []).filter((n) => matches(np.spec?.podSelector?.matchLabels, n.labels));
    if (selected.length === 0) continue;
    for (const rule of np.spec?.egress ?? []) {
      const ports = portsOf(rule);
      const numeric = (rule.ports ?? []).map((p: Record<string, any>) => p.port);
      if (numeric.length > 0 && numeric.every((p: unknown) => PLUMBING_PORTS.has(Number(p)))) continue;
      for (const peer of rule.to ?? []) {
        const targets: string[] = [];
        if (peer.ipBlock) targets.push(external(`ip_${peer.ipBlock.cidr}`, peer.ipBlock.cidr));
        else {
          const peerNs = peer.namespaceSelector ? peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] : ns;
          const candidates = peerNs === undefined ? [...nodes.values()].filter((n) => n.shape !== 'external') : byNamespace.get(peerNs) ?? [];
          const hits = candidates.filter((n) => matches(peer.podSelector?.matchLabels, n.labels));
          if (hits.length > 0) targets.push(...hits.map((n) => n.id));
          else if (peerNs !== undefined && !byNamespace.has(peerNs)) targets.push(external(`ns_${peerNs}`, `namespace ${peerNs}`));
        }
        for (const from of selected) for (const to of targets) add(from.id, to, ports);
      }
    }
    // Ingress from outside the environment (ingress controller, monitoring) is drawn too.
    for (const rule of np.spec?.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        const peerNs = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
        if (peerNs === undefined || byNamespace.has(peerNs)) continue;
        const from = external(`ns_${peerNs}`, `namespace ${peerNs}`);
        for (const to of selected) add(from, to.id, portsOf(rule));
      }
    }
  }
  const sortedNodes = [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const sortedEdges = [...edges.values()].sort((a, b) => (`${a.from}>${a.to}>${a.ports}` < `${b.from}>${b.to}>${b.ports}` ? -1 : 1));
  return { nodes: sortedNodes, edges: sortedEdges };
}

function countBy<T>(items: readonly T[], key: (t: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The README text of one environment. */
export function environmentReadme(env: EnvironmentOutput): string {
  const objects = env.documents.map((d) => d.object);
  const ns = (o: Record<string, any>) => o.metadata?.namespace ?? '(cluster-scoped)';
  const lines: string[] = [
    `# Environment \`${env.name}\``,
    '',
    `Generated by \`npm run synth\`; do not edit. Cluster \`${env.profile.cluster.name}\` (${env.profile.cluster.region}), ${objects.length} objects.`,
    '',
    '## Inventory by kind',
    '',
    '| Kind | Count |',
    '| --- | ---: |',
    ...countBy(objects, (o) => o.kind).map(([k, n]) => `| ${k} | ${n} |`),
    '',
    '## Inventory by namespace',
    '',
    '| Namespace | Objects | Kinds |',
    '| --- | ---: | --- |',
  ];
  // Group once by namespace (a filter per namespace would be quadratic with 1,000 tenant namespaces).
  const byNamespace = new Map<string, Record<string, any>[]>();
  for (const o of objects) {
    const k = ns(o);
    const list = byNamespace.get(k);
    if (list) list.push(o);
    else byNamespace.set(k, [o]);
  }
  for (const [namespace, n] of countBy(objects, ns)) {
    const kinds = countBy(byNamespace.get(namespace) ?? [], (o) => o.kind).map(([k, c]) => `${k} ${c}`).join(', ');
    lines.push(`| ${namespace} | ${n} | ${kinds} |`);
  }
  lines.push('', ...addOnReadmeLines(env.name, env.profile));
  const { nodes, edges } = environmentGraph(env);
  lines.push('## Services, datastores and connections', '');
  if (nodes.length === 0) {
    lines.push('No workloads.', '');
    return lines.join('\n');
  }
  lines.push('Arrows are the connections the NetworkPolicies allow (egress side), labelled with ports.', '', '```mermaid', 'flowchart LR');
  const namespaces = [...new Set(nodes.filter((n) => n.shape !== 'external').map((n) => n.namespace))].sort();
  const shape = (n: Node) => (n.shape === 'datastore' ? `${n.id}[("${n.label}")]` : n.shape === 'external' ? `${n.id}{{"${n.label}"}}` : `${n.id}["${n.label}"]`);
  const nodesByNamespace = new Map<string, Node[]>();
  for (const n of nodes) {
    if (n.shape === 'external') continue;
    const list = nodesByNamespace.get(n.namespace);
    if (list) list.push(n);
    else nodesByNamespace.set(n.namespace, [n]);
  }
  for (const namespace of namespaces) {
    lines.push(`  subgraph ${mermaidId(`ns__${namespace}`)}["${namespace}"]`);
    for (const n of nodesByNamespace.get(namespace) ?? []) lines.push(`    ${shape(n)}`);
    lines.push('  end');
  }
  for (const n of nodes.filter((x) => x.shape === 'external')) lines.push(`  ${shape(n)}`);
  for (const e of edges) lines.push(e.ports ? `  ${e.from} -->|${e.ports}| ${e.to}` : `  ${e.from} --> ${e.to}`);
  lines.push('```', '');
  return lines.join('\n');
}

/**
 * The README plugin. Only environment charts get one (their folder is the environment name); the GitOps charts
 * (`argocd/<env>/...`, `flux/<env>/...`) do not.
 */
export function environmentReadmePlugin(): SynthPlugin {
  return {
    name: 'environment-readme',
    files(env: EnvironmentOutput): Record<string, string> {
      if (env.directory !== env.name) return {};
      return { [`${env.directory}/README.md`]: environmentReadme(env) };
    },
  };
}
