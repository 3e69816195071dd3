/**
 * The pods the Strimzi cluster operator creates from a `Kafka` resource (and its `KafkaNodePool`s), with the
 * labels and ports Strimzi gives them, and the connections they need between themselves and with the operator.
 * Follows Strimzi 1.x (KRaft): nodes of a pool get `strimzi.io/broker-role` / `strimzi.io/controller-role`;
 * 9090 is the controllers' listener, 9091 the replication listener (also used by the entity operator, the Kafka
 * exporter and the cluster operator), 8443 the agent the cluster operator asks for the broker state.
 */
import type { SynthDocument } from '../../synth/synthesizer';
import { PolicyIndex, nameOf, namespaceOf } from '../policy-index';
import type { FlowWorld } from './world';
import { DeclaredPort, FlowNeed, PodEndpoint } from './model';
import { DocObject, DocValue } from '../../core/documents';

export const STRIMZI_CONTROLPLANE_PORT = 9090;
export const STRIMZI_REPLICATION_PORT = 9091;
export const STRIMZI_AGENT_PORT = 8443;
export const STRIMZI_METRICS_PORT = 9404;

function obj(v: unknown): DocObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : {};
}

function templateLabels(template: unknown): Record<string, string> {
  const labels = obj(obj(obj(template).pod).metadata).labels;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(labels))) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Name Strimzi gives a listener's container port (`plain` and `tls` keep their historic names). */
function listenerPortName(name: string): string {
  if (name === 'plain') return 'tcp-clients';
  if (name === 'tls') return 'tcp-clientstls';
  if (name === 'external') return 'tcp-external';
  return `tcp-${name}`;
}

interface KafkaPool {
  readonly name: string;
  readonly broker: boolean;
  readonly controller: boolean;
  readonly labels: Record<string, string>;
}

function poolsOf(index: PolicyIndex, kafka: SynthDocument): { pools: KafkaPool[]; assumed: boolean } {
  const cluster = nameOf(kafka);
  const ns = namespaceOf(kafka);
  const pools: KafkaPool[] = [];
  for (const np of index.inNamespace(ns, 'KafkaNodePool')) {
    if (obj(np.object.metadata?.labels)['strimzi.io/cluster'] !== cluster) continue;
    const roles: unknown[] = Array.isArray(np.object.spec?.roles) ? np.object.spec.roles : [];
    pools.push({
      name: nameOf(np),
      broker: roles.includes('broker'),
      controller: roles.includes('controller'),
      labels: templateLabels(np.object.spec?.template),
    });
  }
  // Strimzi 1.x runs nodes only from node pools; without one, model the pool the cluster needs (both roles).
  if (pools.length === 0) return { pools: [{ name: 'kafka', broker: true, controller: true, labels: {} }], assumed: true };
  return { pools: pools.sort((a, b) => (a.name < b.name ? -1 : 1)), assumed: false };
}

function componentLabels(cluster: string, name: string, type: string, appName: string): Record<string, string> {
  return {
    'strimzi.io/cluster': cluster,
    'strimzi.io/kind': 'Kafka',
    'strimzi.io/name': name,
    'strimzi.io/component-type': type,
    'app.kubernetes.io/name': appName,
    'app.kubernetes.io/instance': cluster,
    'app.kubernetes.io/part-of': `strimzi-${cluster}`,
    'app.kubernetes.io/managed-by': 'strimzi-cluster-operator',
  };
}

/** What a Kafka resource runs: node pods per pool, the entity operator, the Kafka exporter. */
export interface StrimziCluster {
  readonly kafka: SynthDocument;
  readonly nodes: readonly { readonly pool: KafkaPool; readonly endpoint: PodEndpoint }[];
  readonly entityOperator?: PodEndpoint;
  readonly exporter?: PodEndpoint;
  /** No KafkaNodePool in dist/: one pool with both roles is assumed. */
  readonly assumedPool: boolean;
  /** Broker pods run an init container that reads the node's zone from the API server (`rack`). */
  readonly rack: boolean;
}

const clusters = new WeakMap<PolicyIndex, StrimziCluster[]>();

/** The Strimzi clusters of the environment (computed once per index). */
export function strimziClusters(index: PolicyIndex): StrimziCluster[] {
  let out = clusters.get(index);
  if (out) return out;
  out = [];
  for (const kafka of index.ofKind('Kafka')) {
    if (!String(kafka.object.apiVersion ?? '').startsWith('kafka.strimzi.io/')) continue;
    const cluster = nameOf(kafka);
    const ns = namespaceOf(kafka);
    const spec = obj(kafka.object.spec);
    const k = obj(spec.kafka);
    const source = `Kafka ${ns}/${cluster}`;
    const listeners: DocValue[] = Array.isArray(k.listeners) ? k.listeners : [];
    const { pools, assumed } = poolsOf(index, kafka);
    const nodes = pools.map((pool) => {
      const ports: DeclaredPort[] = [{ name: 'tcp-kafkaagent', port: STRIMZI_AGENT_PORT, protocol: 'TCP' }];
      if (pool.controller) ports.push({ name: 'tcp-ctrlplane', port: STRIMZI_CONTROLPLANE_PORT, protocol: 'TCP' });
      if (pool.broker) {
        ports.push({ name: 'tcp-replication', port: STRIMZI_REPLICATION_PORT, protocol: 'TCP' });
        for (const l of listeners)
          if (typeof l?.port === 'number' && typeof l?.name === 'string') ports.push({ name: listenerPortName(l.name), port: l.port, protocol: 'TCP' });
      }
      if (k.metricsConfig !== undefined) ports.push({ name: 'tcp-prometheus', port: STRIMZI_METRICS_PORT, protocol: 'TCP' });
      const name = `${cluster}-${pool.name}`;
      const endpoint: PodEndpoint = {
        kind: 'pods',
        key: `${ns}/Kafka/${name}`,
        namespace: ns,
        name,
        labels: {
          ...templateLabels(k.template),
          ...pool.labels,
          // Strimzi keeps `<cluster>-kafka` as every pool's strimzi.io/name, so the cluster's selectors match all pools.
          ...componentLabels(cluster, `${cluster}-kafka`, 'kafka', 'kafka'),
          'app.kubernetes.io/part-of': cluster,
          'strimzi.io/pool-name': pool.name,
          'strimzi.io/broker-role': String(pool.broker),
          'strimzi.io/controller-role': String(pool.controller),
        },
        ports,
        source: assumed ? `${source} (no KafkaNodePool: one pool with both roles assumed)` : `${source}, KafkaNodePool ${ns}/${pool.name}`,
        inDist: true,
      };
      return { pool, endpoint };
    });
    const component = (suffix: string, type: string, appName: string, template: unknown, ports: DeclaredPort[]): PodEndpoint => {
      const name = `${cluster}-${suffix}`;
      return {
        kind: 'pods',
        key: `${ns}/Kafka/${name}`,
        namespace: ns,
        name,
        labels: { ...templateLabels(template), ...componentLabels(cluster, name, type, appName) },
        ports,
        source,
        inDist: true,
      };
    };
    out.push({
      kafka,
      nodes,
      assumedPool: assumed,
      rack: k.rack !== undefined,
      ...(spec.entityOperator !== undefined
        ? { entityOperator: component('entity-operator', 'entity-operator', 'entity-operator', obj(spec.entityOperator).template, []) }
        : {}),
      ...(spec.kafkaExporter !== undefined
        ? {
            exporter: component('kafka-exporter', 'kafka-exporter', 'kafka-exporter', obj(spec.kafkaExporter).template, [
              { name: 'tcp-prometheus', port: STRIMZI_METRICS_PORT, protocol: 'TCP' },
            ]),
          }
        : {}),
    });
  }
  clusters.set(index, out);
  return out;
}

/** Every pod endpoint Strimzi creates in the environment. */
export function strimziPods(index: PolicyIndex): PodEndpoint[] {
  return strimziClusters(index).flatMap((c) => [
    ...c.nodes.map((n) => n.endpoint),
    ...(c.entityOperator ? [c.entityOperator] : []),
    ...(c.exporter ? [c.exporter] : []),
  ]);
}

/**
 * What Strimzi's pods need: brokers replicate on 9091 and reach the controllers on 9090, controllers form their
 * quorum on 9090; the entity operator and the exporter use the replication listener; the cluster operator reaches
 * every node's agent (8443), the controllers (9090) and the brokers (9091); the entity operator, and brokers with
 * rack awareness (their init container reads the node's zone), call the API server.
 */
export function strimziFlows(world: FlowWorld): FlowNeed[] {
  const out: FlowNeed[] = [];
  const operator = world.clusterService.strimziOperator;
  for (const c of strimziClusters(world.index)) {
    const source = `Kafka ${namespaceOf(c.kafka)}/${nameOf(c.kafka)}`;
    const brokers = c.nodes.filter((n) => n.pool.broker).map((n) => n.endpoint);
    const controllers = c.nodes.filter((n) => n.pool.controller).map((n) => n.endpoint);
    const all = c.nodes.map((n) => n.endpoint);
    const add = (from: PodEndpoint, to: PodEndpoint, port: number, why: string) => out.push({ from, to, port, protocol: 'TCP', origin: `${source} (${why})` });
    for (const from of all) for (const to of controllers) add(from, to, STRIMZI_CONTROLPLANE_PORT, 'controller quorum');
    for (const from of brokers) for (const to of brokers) add(from, to, STRIMZI_REPLICATION_PORT, 'replication');
    for (const to of brokers) {
      if (c.entityOperator) add(c.entityOperator, to, STRIMZI_REPLICATION_PORT, 'entity operator');
      if (c.exporter) add(c.exporter, to, STRIMZI_REPLICATION_PORT, 'kafka exporter');
      add(operator, to, STRIMZI_REPLICATION_PORT, 'cluster operator');
    }
    for (const to of controllers) add(operator, to, STRIMZI_CONTROLPLANE_PORT, 'cluster operator');
    for (const to of all) add(operator, to, STRIMZI_AGENT_PORT, 'cluster operator, agent');
    const api = (from: PodEndpoint, why: string) => {
      for (const port of world.apiServerPorts) out.push({ from, to: world.apiServer, port, protocol: 'TCP', origin: `${source} (${why})` });
    };
    if (c.entityOperator) api(c.entityOperator, 'entity operator watches topics and users');
    if (c.rack) for (const b of brokers) api(b, 'rack: init container reads the node zone');
  }
  return out;
}
