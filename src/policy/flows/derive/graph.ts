/** Flows of the connection graph (`connectsTo`, datastore `clients`, tenants' shared services, `Flow.declare`, ...). */
import type { WorkloadRecord } from '../../../core/connections';
import { Endpoint, PodEndpoint, Protocol } from '../model';
import { Needs } from './common';

function declares(pod: PodEndpoint, port: number, protocol: Protocol): boolean {
  return (pod.ports ?? []).some((p) => p.port === port && p.protocol === protocol);
}

/** Pods of a workload nothing in dist/ runs (a tenant's own pods, a component outside the library). */
function symbolic(w: WorkloadRecord, ports?: readonly { name: string; port: number; protocol?: string }[]): PodEndpoint {
  return {
    kind: 'pods',
    key: `${w.namespace}/Workload/${w.name}`,
    namespace: w.namespace,
    // Every pod of a namespace (a tenant's) reads as `<namespace>/*`.
    name: Object.keys(w.podSelector).length === 0 ? '*' : w.name,
    labels: { ...w.podSelector },
    ...(ports ? { ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: (p.protocol ?? 'TCP') as Protocol })) } : {}),
    source: 'connection graph',
    inDist: false,
  };
}

/** Every connection recorded on the environment, expanded to the pods at both ends. */
export function graphNeeds(needs: Needs): void {
  const world = needs.world;
  const symbolics = new Map<string, PodEndpoint>();
  const sym = (w: WorkloadRecord, ports?: readonly { name: string; port: number; protocol?: string }[]) => {
    const key = `${w.namespace}/${w.name}`;
    let e = symbolics.get(key);
    if (!e) symbolics.set(key, (e = symbolic(w, ports)));
    return e;
  };
  const sources = (w: WorkloadRecord): Endpoint[] => {
    if (w.external) return [world.externalWorkload(w.namespace, w.name, w.external.cidrs)];
    const pods = world.selectPods(w.namespace, { matchLabels: w.podSelector });
    return pods.length > 0 ? pods : [sym(w)];
  };
  const targets = (w: WorkloadRecord, port: number, protocol: Protocol, ports: readonly { name: string; port: number; protocol?: string }[]): Endpoint[] => {
    if (w.external) return [world.externalWorkload(w.namespace, w.name, w.external.cidrs)];
    // The workload's Service (its name) says which pods serve clients, e.g. only the primary of a database.
    const svc = world.service(w.namespace, w.name);
    const backends = svc && svc.type !== 'ExternalName' ? world.backends(svc) : [];
    const pods = backends.length > 0 ? backends : world.selectPods(w.namespace, { matchLabels: w.podSelector });
    if (pods.length === 0) return [sym(w, ports)];
    const serving = pods.filter((p) => declares(p, port, protocol));
    if (serving.length > 0) return serving;
    // Another Service of the workload serves this port (Redis's Sentinels beside its master proxy): its pods that do.
    const others = backends.length > 0 ? world.selectPods(w.namespace, { matchLabels: w.podSelector }).filter((p) => declares(p, port, protocol)) : [];
    return others.length > 0 ? others : pods;
  };
  for (const c of world.connections) {
    const from = sources(c.from);
    for (const p of c.ports) {
      const protocol = (p.protocol ?? 'TCP') as Protocol;
      for (const to of targets(c.to, p.port, protocol, c.ports)) {
        for (const f of from) needs.add(f, to, p.port, protocol, c.field);
      }
    }
  }
}
