import { describe, expect, it } from 'vitest';
import { ConnectionGraph, Engine, StatefulDatastore, EnvironmentProfile } from '../../src';
import { FakeWorkload } from './fixtures';
import { development, production, synthEnv } from '../helpers';

const build = (profile: EnvironmentProfile = development) => synthEnv((c) => {
  const api = new FakeWorkload(c, 'orders-api', 'shop');
  const k = new StatefulDatastore(c, 'kafka', { name: 'events', namespace: 'streaming', engine: Engine.kafka() });
  ConnectionGraph.of(c).connect(api, k);
}, profile);

describe('Engine.kafka', () => {
  it('development: a Strimzi Kafka with replication factor 1 and no StatefulSet of ours', () => {
    const r = build();
    const k = r.find('Kafka', 'events', 'streaming');
    expect(k.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(k.spec.kafka.config['default.replication.factor']).toBe(1);
    expect(r.all('StatefulSet')).toHaveLength(0);
  });

  // Issue 11: the namespace's default deny blocked broker-to-broker, operator and client traffic (Strimzi's own
  // policies only add ingress and are not in dist/), so the engine writes a policy per Strimzi component.
  it('GIVEN a Kafka with a client THEN NetworkPolicies admit clients, the quorum, replication, the operators and the exporter scrape', () => {
    const r = build(production);
    expect(r.all('NetworkPolicy').map((p) => p.metadata.name).sort()).toEqual(['events', 'events-entity-operator', 'events-kafka-exporter']);
    const brokers = r.find('NetworkPolicy', 'events', 'streaming');
    const operator = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'strimzi' } }, podSelector: { matchLabels: { 'strimzi.io/kind': 'cluster-operator' } } };
    const self = { podSelector: { matchLabels: { 'strimzi.io/cluster': 'events', 'strimzi.io/name': 'events-kafka' } } };
    expect(brokers.spec.podSelector).toEqual(self.podSelector);
    expect(brokers.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'orders-api', 'app.kubernetes.io/name': 'orders-api' } } }], ports: [{ protocol: 'TCP', port: 9092 }, { protocol: 'TCP', port: 9093 }] },
      { from: [self, operator], ports: [{ protocol: 'TCP', port: 9090 }] },
      {
        from: [self, { podSelector: { matchLabels: { 'strimzi.io/cluster': 'events', 'strimzi.io/name': 'events-entity-operator' } } }, { podSelector: { matchLabels: { 'strimzi.io/cluster': 'events', 'strimzi.io/name': 'events-kafka-exporter' } } }, operator],
        ports: [{ protocol: 'TCP', port: 9091 }],
      },
      { from: [operator], ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
    // Rack awareness (HA): the brokers' init container reads the node's zone from the API server.
    expect(brokers.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] });
    expect(r.find('NetworkPolicy', 'events-kafka-exporter', 'streaming').spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ protocol: 'TCP', port: 9404 }],
    }]);
    expect(build().find('NetworkPolicy', 'events', 'streaming').spec.egress).not.toContainEqual(expect.objectContaining({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }));
  });

  it('HA: replication factor 3, min ISR 2, rack awareness, guards; clients in the listener NetworkPolicy peers', () => {
    const r = build(production);
    const k = r.find('Kafka', 'events');
    expect(k.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(k.spec.kafka.config).toMatchObject({ 'default.replication.factor': 3, 'min.insync.replicas': 2, 'offsets.topic.replication.factor': 3 });
    expect(k.spec.kafka.rack).toEqual({ topologyKey: 'topology.kubernetes.io/zone' });
    expect(k.spec.kafka.listeners[0].networkPolicyPeers).toEqual([
      { podSelector: { matchLabels: { 'strimzi.io/cluster': 'events', 'strimzi.io/kind': 'Kafka' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'orders-api', 'app.kubernetes.io/name': 'orders-api' } } },
    ]);
    expect(r.find('Schedule', 'streaming-events', 'velero').spec.template.labelSelector.matchLabels).toEqual({ 'strimzi.io/cluster': 'events', 'strimzi.io/kind': 'Kafka' });
  });

  it('rejects a replication factor above the broker count', () => {
    expect(() => synthEnv((c) => { new StatefulDatastore(c, 'kafka', { name: 'events', namespace: 'streaming', engine: Engine.kafka({ replicationFactor: 5 }) }); }, production))
      .toThrow('production/kafka: engine.replicationFactor: got 5; must be an integer from 2 to the broker count (3)');
  });

  it('minimal snapshot (development)', () => { expect(build().docs).toMatchSnapshot(); });
  it('HA snapshot (production)', () => { expect(build(production).docs).toMatchSnapshot(); });
});
