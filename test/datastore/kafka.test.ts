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
    expect(r.all('NetworkPolicy')).toHaveLength(0);
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
