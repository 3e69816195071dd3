import { IConstruct } from 'constructs';
import { IntOrString, NetworkPolicyEgressRule, NetworkPolicyPeer, NetworkPolicyPort } from '../../imports/k8s';
import { EnvironmentChart } from './environment-chart';
import { fail } from './errors';
import { DocObject } from './documents';
import { compareText } from './order';

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
  /** Where it was declared, e.g. `connectsTo[0]`, `clients[1]`, `Flow.declare`. */
  readonly field?: string;
}

/** A workload as plain data, for what synth records about the graph. */
export interface WorkloadRecord {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: Readonly<Record<string, string>>;
  /** Set for endpoints outside the cluster (managed datastores, declared external services). */
  readonly external?: ExternalEndpoint;
}

/**
 * A resolved connection as plain data: synth records every connection of an environment on its
 * `EnvironmentOutput`, and the flow proof checks that the NetworkPolicies admit it.
 */
export interface ConnectionRecord {
  readonly from: WorkloadRecord;
  readonly to: WorkloadRecord;
  readonly ports: readonly WorkloadPort[];
  /** Field that declared it (`connectsTo[0]`, `logs.clients`, ...). */
  readonly field: string;
  /** Construct path of `from`. */
  readonly path: string;
}

interface PendingConnection {
  readonly from: IWorkload;
  readonly to: IWorkload | WorkloadRef;
  /** Port names, or port numbers, of `to`. */
  readonly ports?: readonly (string | number)[];
  readonly field: string;
  /** Dropped (instead of an error) when `to` names no registered workload. */
  readonly optional?: boolean;
}

/**
 * The environment's dependency graph. `a.connectsTo(b)` records an edge here; NetworkPolicies of both ends read
 * it at synth time (through cdk8s `Lazy`), so egress on `a` and ingress on `b` always agree.
 */
export class ConnectionGraph {
  /** The graph of the environment that contains `scope`. */
  public static of(scope: IConstruct): ConnectionGraph {
    return EnvironmentChart.of(scope)._service('cdk8s-platform.ConnectionGraph', () => new ConnectionGraph());
  }

  private readonly workloads = new Map<string, IWorkload>();
  private readonly pending: PendingConnection[] = [];
  private resolved: Connection[] | undefined;
  // Indexes of `resolved` by endpoint, so egressOf/ingressOf stay O(1) with thousands of tenants.
  private byFrom = new Map<IWorkload, Connection[]>();
  private byTo = new Map<IWorkload, Connection[]>();

  /** Registers a workload so it can be referenced by name; names are unique per namespace. */
  public register(w: IWorkload): void {
    const key = `${w.namespace}/${w.workloadName}`;
    const existing = this.workloads.get(key);
    if (existing && existing !== w) {
      fail(
        w,
        'name',
        w.workloadName,
        `a workload named "${w.workloadName}" already exists in namespace "${w.namespace}" (${existing.node.path}); names must be unique per namespace`,
      );
    }
    this.workloads.set(key, w);
    this.resolved = undefined;
  }

  /**
   * Declares that `from` connects to `to`. `ports` names ports of `to` (default: all its client ports).
   * `field` is used in error messages (e.g. `connectsTo[0]`).
   */
  public connect(from: IWorkload, to: IWorkload | WorkloadRef, ports?: readonly (string | number)[], field = 'connectsTo'): void {
    refuseSelfConnection(from, to, field);
    this.pending.push({ from, to, ports, field });
    this.resolved = undefined;
  }

  /**
   * Like {@link connect}, but the connection is silently left out when `to` names no registered workload (a
   * service outside this library); the caller then opens its own egress. Ports are still checked when it exists.
   */
  public connectIfRegistered(from: IWorkload, to: WorkloadRef, ports?: readonly (string | number)[], field = 'connectsTo'): void {
    refuseSelfConnection(from, to, field);
    this.pending.push({ from, to, ports, field, optional: true });
    this.resolved = undefined;
  }

  /** Every connection, resolved and validated; throws for a reference to a workload that does not exist. */
  public connections(): readonly Connection[] {
    if (this.resolved) return this.resolved;
    const out: Connection[] = [];
    const pairs = new Map<IWorkload, Map<IWorkload, number>>();
    for (const p of this.pending) {
      let to: IWorkload;
      if ('node' in p.to) {
        to = p.to as IWorkload;
      } else {
        const ref = p.to as WorkloadRef;
        const found = p.optional ? this.workloads.get(`${ref.namespace ?? p.from.namespace}/${ref.name}`) : this.lookup(p.from, ref, p.field);
        if (!found) continue;
        to = found;
      }
      let ports = to.external ? to.external.ports : to.clientPorts;
      if (p.ports) {
        ports = p.ports.map((name) => {
          const offered = to.external?.ports ?? to.clientPorts;
          const found = offered.find((x) => (typeof name === 'number' ? x.port === name : x.name === name));
          if (!found) {
            if (typeof name === 'number') {
              return fail(
                p.from,
                `${p.field}.ports`,
                name,
                `"${to.workloadName}" exposes no port ${name}; its ports: ${offered.map((x) => `${x.name} (${x.port})`).join(', ')}`,
              );
            }
            const allowed = offered.map((x) => x.name).join(', ');
            return fail(p.from, `${p.field}.ports`, name, `"${to.workloadName}" exposes no port named "${name}"; its ports: ${allowed}`);
          }
          return found;
        });
      }
      // One connection per pair: a second declaration (connectsTo and a connection to an endpoint) adds its ports.
      let targets = pairs.get(p.from);
      if (!targets) pairs.set(p.from, (targets = new Map()));
      const index = targets.get(to);
      if (index !== undefined) {
        const same = out[index]!; // the position the pair's connection was pushed at (below)
        const merged = [...same.ports, ...ports.filter((x) => !same.ports.some((y) => y.port === x.port && (y.protocol ?? 'TCP') === (x.protocol ?? 'TCP')))];
        out[index] = { from: p.from, to, ports: merged, field: same.field };
      } else {
        targets.set(to, out.length);
        out.push({ from: p.from, to, ports, field: p.field });
      }
    }
    out.sort((a, b) => compareText(key(a), key(b)));
    this.byFrom = new Map();
    this.byTo = new Map();
    for (const c of out) {
      append(this.byFrom, c.from, c);
      append(this.byTo, c.to, c);
    }
    this.resolved = out;
    return out;
  }

  /** Connections that leave `w`. */
  public egressOf(w: IWorkload): Connection[] {
    this.connections();
    return [...(this.byFrom.get(w) ?? [])];
  }

  /** Connections that reach `w`. */
  public ingressOf(w: IWorkload): Connection[] {
    this.connections();
    return [...(this.byTo.get(w) ?? [])];
  }

  /** Every connection as plain data (resolved, in the graph's order), for the flow proof. */
  public records(): ConnectionRecord[] {
    const rec = (w: IWorkload): WorkloadRecord => ({
      namespace: w.namespace,
      name: w.workloadName,
      podSelector: { ...w.podSelector },
      ...(w.external ? { external: { cidrs: [...w.external.cidrs], ports: [...w.external.ports] } } : {}),
    });
    return this.connections().map((c) => ({ from: rec(c.from), to: rec(c.to), ports: [...c.ports], field: c.field ?? 'connectsTo', path: c.from.node.path }));
  }

  /** All registered workloads, sorted by namespace/name. */
  public allWorkloads(): IWorkload[] {
    return [...this.workloads.entries()].sort(([a], [b]) => compareText(a, b)).map(([, w]) => w);
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

/**
 * A workload connecting to itself is a mistake (a copied line, a wrong variable): the edge would open its own
 * pods to each other and hide the connection that was meant.
 */
function refuseSelfConnection(from: IWorkload, to: IWorkload | WorkloadRef, field: string): void {
  const same =
    'node' in to
      ? to === from || ((to as IWorkload).namespace === from.namespace && (to as IWorkload).workloadName === from.workloadName)
      : (to as WorkloadRef).name === from.workloadName && ((to as WorkloadRef).namespace ?? from.namespace) === from.namespace;
  if (same) {
    fail(
      from,
      field,
      `${from.namespace}/${from.workloadName}`,
      'a workload cannot connect to itself; name the workload it calls (traffic between the pods of one workload is not a connection)',
    );
  }
}

function append(index: Map<IWorkload, Connection[]>, w: IWorkload, c: Connection): void {
  const list = index.get(w);
  if (list) list.push(c);
  else index.set(w, [c]);
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

/**
 * NetworkPolicy peers of a workload as a source or destination: its pods, or the CIDRs of an endpoint outside the
 * cluster (a managed datastore, a declared external service).
 */
export function peersOf(w: IWorkload): DocObject[] {
  if (w.external) return (w.external.cidrs.length > 0 ? w.external.cidrs : ['0.0.0.0/0']).map((cidr) => ({ ipBlock: { cidr } }));
  return [peerOf(w)];
}

/**
 * Annotation on a Service (a datastore's headless Service): the pods it selects connect to each other on these of
 * its ports (comma-separated port names): replication, quorum, gossip. The flow proof derives those flows from it.
 */
export const PEER_PORTS_ANNOTATION = 'platform.io/peer-ports';

/** NetworkPolicy rule fragments for the DNS egress every pod needs. */
export const DNS_EGRESS_RULE = {
  to: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    },
  ],
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};

/** {@link DNS_EGRESS_RULE} typed for KubeNetworkPolicy. */
export function dnsEgressRule(): NetworkPolicyEgressRule {
  return { to: DNS_EGRESS_RULE.to, ports: DNS_EGRESS_RULE.ports.map((p) => ({ protocol: p.protocol, port: IntOrString.fromNumber(p.port) })) };
}

/** Ports of a workload as NetworkPolicy ports (TCP unless they say otherwise). */
export function policyPorts(ports: readonly WorkloadPort[]): NetworkPolicyPort[] {
  return ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: IntOrString.fromNumber(p.port) }));
}

/** NetworkPolicy peers of IP blocks. */
export function cidrPeers(cidrs: readonly string[]): NetworkPolicyPeer[] {
  return cidrs.map((cidr) => ({ ipBlock: { cidr } }));
}
