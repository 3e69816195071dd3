import { IConstruct } from 'constructs';
import { EnvironmentChart } from './environment-chart';
import { fail } from './errors';

/** A named port a workload accepts connections on. */
export interface WorkloadPort {
  readonly name: string;
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/**
 * Anything that runs pods and can be connected to: a MicroserviceDeployment, a StatefulDatastore, a
 * component of the observability stack. The dependency graph and every NetworkPolicy are built from this.
 */
export interface IWorkload extends IConstruct {
  /** Stable workload name (the Service name). */
  readonly workloadName: string;
  readonly namespace: string;
  /** Labels that select this workload's pods. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Ports clients may reach. */
  readonly clientPorts: readonly WorkloadPort[];
  /** For in-cluster peers false; for external endpoints (managed datastores) the egress target instead of pods. */
  readonly external?: ExternalEndpoint;
}

/** An endpoint outside the cluster (a managed database): egress goes to its CIDR/port, not to pods. */
export interface ExternalEndpoint {
  /** CIDR blocks allowed as egress destinations. @default ['0.0.0.0/0'] */
  readonly cidrs: readonly string[];
  readonly ports: readonly WorkloadPort[];
}

/** A reference to a workload by name, resolved at synth (so order of declaration does not matter). */
export interface WorkloadRef {
  readonly name: string;
  /** @default the namespace of the client */
  readonly namespace?: string;
}

/** One declared connection: `from` opens connections to `to` on `ports`. */
export interface Connection {
  readonly from: IWorkload;
  readonly to: IWorkload;
  readonly ports: readonly WorkloadPort[];
}

interface PendingConnection {
  readonly from: IWorkload;
  readonly to: IWorkload | WorkloadRef;
  readonly ports?: readonly string[];
  readonly field: string;
}

/**
 * The environment's dependency graph. `a.connectsTo(b)` records an edge here; NetworkPolicies of both ends read
 * it at synth time (through cdk8s `Lazy`), so egress on `a` and ingress on `b` always agree.
 */
export class ConnectionGraph {
  private static readonly graphs = new WeakMap<EnvironmentChart, ConnectionGraph>();

  /** The graph of the environment that contains `scope`. */
  public static of(scope: IConstruct): ConnectionGraph {
    const chart = EnvironmentChart.of(scope);
    let g = ConnectionGraph.graphs.get(chart);
    if (!g) {
      g = new ConnectionGraph();
      ConnectionGraph.graphs.set(chart, g);
    }
    return g;
  }

  private readonly workloads = new Map<string, IWorkload>();
  private readonly pending: PendingConnection[] = [];
  private resolved: Connection[] | undefined;

  /** Registers a workload so it can be referenced by name; names are unique per namespace. */
  public register(w: IWorkload): void {
    const key = `${w.namespace}/${w.workloadName}`;
    const existing = this.workloads.get(key);
    if (existing && existing !== w) {
      fail(w, 'name', w.workloadName, `a workload named "${w.workloadName}" already exists in namespace "${w.namespace}" (${existing.node.path}); names must be unique per namespace`);
    }
    this.workloads.set(key, w);
    this.resolved = undefined;
  }

  /**
   * Declares that `from` connects to `to`. `ports` names ports of `to` (default: all its client ports).
   * `field` is used in error messages (e.g. `connectsTo[0]`).
   */
  public connect(from: IWorkload, to: IWorkload | WorkloadRef, ports?: readonly string[], field = 'connectsTo'): void {
    this.pending.push({ from, to, ports, field });
    this.resolved = undefined;
  }

  /** Every connection, resolved and validated; throws for a reference to a workload that does not exist. */
  public connections(): readonly Connection[] {
    if (this.resolved) return this.resolved;
    const out: Connection[] = [];
    for (const p of this.pending) {
      const to = 'node' in p.to ? (p.to as IWorkload) : this.lookup(p.from, p.to as WorkloadRef, p.field);
      let ports = to.external ? to.external.ports : to.clientPorts;
      if (p.ports) {
        ports = p.ports.map((name) => {
          const found = (to.external?.ports ?? to.clientPorts).find((x) => x.name === name);
          if (!found) {
            const allowed = (to.external?.ports ?? to.clientPorts).map((x) => x.name).join(', ');
            return fail(p.from, `${p.field}.ports`, name, `"${to.workloadName}" exposes no port named "${name}"; its ports: ${allowed}`);
          }
          return found;
        });
      }
      out.push({ from: p.from, to, ports });
    }
    out.sort((a, b) => key(a).localeCompare(key(b)));
    this.resolved = out;
    return out;
  }

  /** Connections that leave `w`. */
  public egressOf(w: IWorkload): Connection[] {
    return this.connections().filter((c) => c.from === w);
  }

  /** Connections that reach `w`. */
  public ingressOf(w: IWorkload): Connection[] {
    return this.connections().filter((c) => c.to === w);
  }

  /** All registered workloads, sorted by namespace/name. */
  public allWorkloads(): IWorkload[] {
    return [...this.workloads.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, w]) => w);
  }

  private lookup(from: IWorkload, ref: WorkloadRef, field: string): IWorkload {
    const ns = ref.namespace ?? from.namespace;
    const w = this.workloads.get(`${ns}/${ref.name}`);
    if (!w) {
      const known = [...this.workloads.keys()].sort().join(', ') || 'none';
      return fail(from, field, `${ns}/${ref.name}`, `no workload named "${ref.name}" in namespace "${ns}"; known workloads: ${known}`);
    }
    return w;
  }
}

function key(c: Connection): string {
  return `${c.from.namespace}/${c.from.workloadName}>${c.to.namespace}/${c.to.workloadName}`;
}

/** NetworkPolicy peer selecting a workload's pods across namespaces (by the namespace name label). */
export function peerOf(w: IWorkload) {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': w.namespace } },
    podSelector: { matchLabels: { ...w.podSelector } },
  };
}

/** NetworkPolicy rule fragments for the DNS egress every pod needs. */
export const DNS_EGRESS_RULE = {
  to: [{
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
  }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};
