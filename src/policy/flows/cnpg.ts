/**
 * What CloudNativePG's pods need (the pods themselves come from the PolicyIndex's operator pods): instances stream
 * WAL from the primary (5432); the operator asks every instance manager for its status (8000); PgBouncer reaches the
 * instances of its type; instance managers and PgBouncer watch the API server; instances archive WAL and base backups
 * to, or replay them from, the object stores their `ObjectStore`s name; the databases Job reaches the primary.
 */
import { nameOf, namespaceOf } from '../policy-index';
import { FlowNeed, PodEndpoint } from './model';
import type { FlowWorld } from './world';
import { DocObject, DocValue } from '../../core/documents';

export const CNPG_POSTGRES_PORT = 5432;
export const CNPG_STATUS_PORT = 8000;
const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

function obj(v: unknown): DocObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : {};
}

function arr(v: unknown): DocValue[] {
  return Array.isArray(v) ? v : [];
}

/** Host of an `https://host[:port]` endpoint URL, with its port. */
function hostPort(url: string): { host: string; port: number } | undefined {
  const [, scheme, host, port] = /^(https?):\/\/([^/:]+)(?::(\d+))?/.exec(url) ?? [];
  return host !== undefined ? { host, port: port ? Number(port) : scheme === 'https' ? 443 : 80 } : undefined;
}

/** The flows of every CloudNativePG Cluster and Pooler of the environment. */
export function cnpgFlows(world: FlowWorld): FlowNeed[] {
  const out: FlowNeed[] = [];
  const operator = world.clusterService.cloudnativePg;
  const podsOf = (kind: string, ns: string, name: string) =>
    world.pods.filter((p) => p.namespace === ns && p.pod?.kind === kind && p.pod?.doc.object.metadata?.name === name);
  const add = (from: PodEndpoint, to: PodEndpoint | ReturnType<FlowWorld['external']> | FlowWorld['apiServer'], port: number, origin: string) =>
    out.push({ from, to, port, protocol: 'TCP', origin });
  const api = (from: PodEndpoint, origin: string) => {
    for (const port of world.apiServerPorts) add(from, world.apiServer, port, origin);
  };
  for (const c of world.index.ofKind('Cluster')) {
    if (!String(c.object.apiVersion ?? '').startsWith('postgresql.cnpg.io/')) continue;
    const ns = namespaceOf(c);
    const name = nameOf(c);
    const source = `Cluster ${ns}/${name}`;
    const spec = obj(c.object.spec);
    const instances = podsOf('Cluster', ns, name);
    const primary = instances.filter((p) => p.labels?.['cnpg.io/instanceRole'] === 'primary');
    for (const to of instances) add(operator, to, CNPG_STATUS_PORT, `${source} (operator: instance status)`);
    for (const from of instances.filter((p) => !primary.includes(p)))
      for (const to of primary) add(from, to, CNPG_POSTGRES_PORT, `${source} (streaming replication)`);
    for (const from of instances) api(from, `${source} (instance manager)`);
    // Object stores the cluster writes (WAL archiver) or reads (an external cluster it follows or recovers from).
    const stores = new Set<string>();
    for (const p of arr(spec.plugins))
      if (p?.name === BARMAN_CLOUD_PLUGIN && p?.parameters?.barmanObjectName) stores.add(String(p.parameters.barmanObjectName));
    for (const e of arr(spec.externalClusters))
      if (e?.plugin?.name === BARMAN_CLOUD_PLUGIN && e?.plugin?.parameters?.barmanObjectName) stores.add(String(e.plugin.parameters.barmanObjectName));
    for (const store of [...stores].sort()) {
      const doc = world.index.find(ns, 'ObjectStore', store);
      const endpoint = doc ? hostPort(String(obj(obj(doc.object.spec).configuration).endpointURL ?? '')) : undefined;
      if (!endpoint) {
        world.unresolved.push({
          from: `${ns}/${name}`,
          address: `ObjectStore ${ns}/${store}`,
          origin: source,
          reason: doc ? 'no https endpointURL' : 'no ObjectStore of that name in dist/',
        });
        continue;
      }
      for (const from of instances) add(from, world.external(endpoint.host), endpoint.port, `${source} (Barman Cloud: ObjectStore ${store})`);
    }
  }
  for (const p of world.index.ofKind('Pooler')) {
    if (!String(p.object.apiVersion ?? '').startsWith('postgresql.cnpg.io/')) continue;
    const ns = namespaceOf(p);
    const spec = obj(p.object.spec);
    const cluster = String(obj(spec.cluster).name ?? '');
    const type = String(spec.type ?? 'rw');
    const source = `Pooler ${ns}/${nameOf(p)}`;
    const instances = podsOf('Cluster', ns, cluster);
    const targets =
      type === 'rw'
        ? instances.filter((x) => x.labels?.['cnpg.io/instanceRole'] === 'primary')
        : type === 'ro'
          ? instances.filter((x) => x.labels?.['cnpg.io/instanceRole'] === 'replica')
          : instances;
    for (const from of podsOf('Pooler', ns, nameOf(p))) {
      for (const to of targets) add(from, to, CNPG_POSTGRES_PORT, `${source} (PgBouncer, type ${type})`);
      api(from, `${source} (PgBouncer instance manager)`);
    }
  }
  return out;
}
