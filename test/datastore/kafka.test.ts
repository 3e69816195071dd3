import { describe, expect, it } from 'vitest';
import {
  ConnectionGraph,
  ConnectionValue,
  Engine,
  EnvironmentProfile,
  KafkaAuthentication,
  KafkaEngineOptions,
  StatefulDatastore,
  addConnectionSecret,
} from '../../src';
import { FakeWorkload } from './fixtures';
import { development, production, synthEnv } from '../helpers';

const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
  capabilities: { drop: ['ALL'] },
};
const RESTRICTED_POD = {
  runAsNonRoot: true,
  runAsUser: 1001,
  runAsGroup: 0,
  fsGroup: 0,
  fsGroupChangePolicy: 'OnRootMismatch',
  seccompProfile: { type: 'RuntimeDefault' },
};
/** Two clients: orders-api writes orders, billing reads them. */
const CREDENTIALS = { KAFKA_BOOTSTRAP_SERVERS: ConnectionValue.address(), KAFKA_USERNAME: ConnectionValue.user(), KAFKA_PASSWORD: ConnectionValue.password() };
const withTopics = (profile: EnvironmentProfile = production, o: KafkaEngineOptions = {}, values: Record<string, ConnectionValue> = CREDENTIALS) =>
  synthEnv((c) => {
    const api = new FakeWorkload(c, 'orders-api', 'shop');
    const billing = new FakeWorkload(c, 'billing', 'shop');
    const k = new StatefulDatastore(c, 'kafka', {
      name: 'events',
      namespace: 'streaming',
      clients: [billing],
      engine: Engine.kafka({
        topics: [
          { name: 'orders', partitions: 6, config: { 'retention.ms': 604800000 }, producers: [api], consumers: [{ name: 'billing', namespace: 'shop' }] },
        ],
        ...o,
      }),
    });
    ConnectionGraph.of(c).connect(api, k);
    addConnectionSecret(c, 'conn', {
      name: 'billing-kafka',
      client: billing,
      endpoint: k.endpoint('bootstrap'),
      labels: {},
      values,
    });
  }, profile);

const build = (profile: EnvironmentProfile = development) =>
  synthEnv((c) => {
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
    expect(
      r
        .all('NetworkPolicy')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['events', 'events-entity-operator', 'events-kafka-exporter']);
    const brokers = r.find('NetworkPolicy', 'events', 'streaming');
    const operator = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'strimzi' } },
      podSelector: { matchLabels: { 'strimzi.io/kind': 'cluster-operator' } },
    };
    const self = { podSelector: { matchLabels: { 'strimzi.io/cluster': 'events', 'strimzi.io/name': 'events-kafka' } } };
    expect(brokers.spec.podSelector).toEqual(self.podSelector);
    expect(brokers.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'orders-api', 'app.kubernetes.io/name': 'orders-api' } },
          },
        ],
        ports: [
          { protocol: 'TCP', port: 9092 },
          { protocol: 'TCP', port: 9093 },
        ],
      },
      { from: [self, operator], ports: [{ protocol: 'TCP', port: 9090 }] },
      {
        from: [
          self,
          { podSelector: { matchLabels: { 'strimzi.io/cluster': 'events', 'strimzi.io/name': 'events-entity-operator' } } },
          { podSelector: { matchLabels: { 'strimzi.io/cluster': 'events', 'strimzi.io/name': 'events-kafka-exporter' } } },
          operator,
        ],
        ports: [{ protocol: 'TCP', port: 9091 }],
      },
      { from: [operator], ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
    // Rack awareness (HA): the brokers' init container reads the node's zone from the API server.
    expect(brokers.spec.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
      ports: [
        { protocol: 'TCP', port: 443 },
        { protocol: 'TCP', port: 6443 },
      ],
    });
    expect(r.find('NetworkPolicy', 'events-kafka-exporter', 'streaming').spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 9404 }],
      },
    ]);
    expect(build().find('NetworkPolicy', 'events', 'streaming').spec.egress).not.toContainEqual(
      expect.objectContaining({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }),
    );
  });

  it('HA: replication factor 3, min ISR 2, rack awareness, guards; clients in the listener NetworkPolicy peers', () => {
    const r = build(production);
    const k = r.find('Kafka', 'events');
    expect(k.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(k.spec.kafka.config).toMatchObject({ 'default.replication.factor': 3, 'min.insync.replicas': 2, 'offsets.topic.replication.factor': 3 });
    expect(k.spec.kafka.rack).toEqual({ topologyKey: 'topology.kubernetes.io/zone' });
    expect(k.spec.kafka.listeners[0].networkPolicyPeers).toEqual([
      { podSelector: { matchLabels: { 'strimzi.io/cluster': 'events', 'strimzi.io/name': 'events-kafka' } } },
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'orders-api', 'app.kubernetes.io/name': 'orders-api' } },
      },
    ]);
    expect(r.find('Schedule', 'streaming-events', 'velero').spec.template.labelSelector.matchLabels).toEqual({
      'strimzi.io/cluster': 'events',
      'strimzi.io/kind': 'Kafka',
    });
  });

  it("GIVEN production WHEN synthesized THEN dedicated KRaft controllers and brokers, the brokers on the datastore's storage", () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'kafka', { name: 'events', namespace: 'streaming', engine: Engine.kafka(), storage: { size: '200Gi', storageClass: 'io2' } });
    }, production);
    const pools = r.all('KafkaNodePool');
    expect(pools.map((p) => p.metadata.name)).toEqual(['events-brokers', 'events-controllers']);
    const brokers = r.find('KafkaNodePool', 'events-brokers', 'streaming');
    expect(brokers.metadata.labels['strimzi.io/cluster']).toBe('events');
    expect(brokers.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(brokers.spec).toEqual({
      replicas: 3,
      roles: ['broker'],
      // The profile's resources, memory raised to the JVM floor.
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '2Gi' } },
      storage: { type: 'jbod', volumes: [{ id: 0, type: 'persistent-claim', size: '200Gi', class: 'io2', deleteClaim: false, kraftMetadata: 'shared' }] },
    });
    expect(r.find('KafkaNodePool', 'events-controllers').spec).toMatchObject({
      replicas: 3,
      roles: ['controller'],
      storage: { type: 'jbod', volumes: [{ id: 0, type: 'persistent-claim', size: '10Gi', class: 'io2', deleteClaim: false, kraftMetadata: 'shared' }] },
    });
  });

  it("GIVEN development WHEN synthesized THEN one pool with both roles on the profile's storage; small volumes bound the controllers' too", () => {
    const r = build();
    expect(r.all('KafkaNodePool').map((p) => [p.metadata.name, p.spec.replicas, p.spec.roles, p.spec.storage.volumes[0].size])).toEqual([
      ['events-nodes', 1, ['controller', 'broker'], '1Gi'],
    ]);
    const small = synthEnv((c) => {
      new StatefulDatastore(c, 'kafka', {
        name: 'events',
        namespace: 'streaming',
        engine: Engine.kafka({ dedicatedControllers: true, controllers: { replicas: 1 } }),
      });
    });
    expect(small.find('KafkaNodePool', 'events-controllers').spec.storage.volumes[0].size).toBe('1Gi');
  });

  it("GIVEN the seeds' Composerp-style spec (3 brokers, plain 9092 and TLS 9093, 100Gi) WHEN expressed with the public API THEN Strimzi gets exactly that", () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'kafka', {
        name: 'composerp',
        namespace: 'streaming',
        replicas: 3,
        storage: { size: '100Gi' },
        engine: Engine.kafka({
          listeners: [
            { name: 'plain', port: 9092, tls: false },
            { name: 'tls', port: 9093, tls: true },
          ],
        }),
      });
    }, production);
    const k = r.find('Kafka', 'composerp');
    expect(k.spec.kafka.listeners.map((l: any) => [l.name, l.port, l.type, l.tls, l.authentication])).toEqual([
      ['plain', 9092, 'internal', false, { type: 'scram-sha-512' }],
      ['tls', 9093, 'internal', true, { type: 'scram-sha-512' }],
    ]);
    const brokers = r.find('KafkaNodePool', 'composerp-brokers');
    expect([brokers.spec.replicas, brokers.spec.storage.volumes[0].size]).toEqual([3, '100Gi']);
  });

  it('GIVEN clients and topics WHEN synthesized THEN listeners authenticate, one KafkaUser per client with ACLs for its topics, its password from the store', () => {
    const r = withTopics();
    expect(r.find('Kafka', 'events').spec.kafka.authorization).toEqual({ type: 'simple' });
    expect(r.all('KafkaUser').map((u) => u.metadata.name)).toEqual(['shop.billing', 'shop.orders-api']);
    const api = r.find('KafkaUser', 'shop.orders-api', 'streaming');
    expect(api.metadata.labels['strimzi.io/cluster']).toBe('events');
    expect(api.spec).toEqual({
      authentication: { type: 'scram-sha-512', password: { valueFrom: { secretKeyRef: { name: 'shop.orders-api-password', key: 'password' } } } },
      authorization: {
        type: 'simple',
        acls: [{ type: 'allow', resource: { type: 'topic', name: 'orders', patternType: 'literal' }, operations: ['Write', 'Describe'] }],
      },
    });
    expect(r.find('KafkaUser', 'shop.billing').spec.authorization.acls).toEqual([
      { type: 'allow', resource: { type: 'topic', name: 'orders', patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { type: 'allow', resource: { type: 'group', name: 'billing', patternType: 'prefix' }, operations: ['Read'] },
    ]);
    expect(r.find('ExternalSecret', 'shop.billing-password', 'streaming').spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'streaming/events/users/shop.billing', property: 'password' } },
    ]);
    // AND the client's connection Secret reads the same stored key, with the bootstrap address of the first listener
    const conn = r.find('ExternalSecret', 'billing-kafka', 'shop');
    expect(conn.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'streaming/events/users/shop.billing', property: 'password' } }]);
    expect(conn.spec.target.template.data).toEqual({
      KAFKA_BOOTSTRAP_SERVERS: 'events-kafka-bootstrap.streaming.svc.cluster.local:9092',
      KAFKA_USERNAME: 'shop.billing',
      KAFKA_PASSWORD: '{{ .password }}',
    });
    expect(r.all('Secret')).toEqual([]);
  });

  it('GIVEN topics WHEN synthesized THEN a guarded KafkaTopic each, replicated like the cluster', () => {
    const t = withTopics().find('KafkaTopic', 'orders', 'streaming');
    expect(t.metadata.labels['strimzi.io/cluster']).toBe('events');
    expect(t.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(t.spec).toEqual({ partitions: 6, replicas: 3, config: { 'retention.ms': 604800000 } });
  });

  it('GIVEN production WHEN synthesized THEN every pod Strimzi runs is PSS restricted', () => {
    const k = build(production).find('Kafka', 'events').spec;
    expect(k.kafka.template.pod.securityContext).toEqual(RESTRICTED_POD);
    expect(k.kafka.template.kafkaContainer.securityContext).toEqual(RESTRICTED_CONTAINER);
    expect(k.kafka.template.initContainer.securityContext).toEqual(RESTRICTED_CONTAINER);
    expect(k.entityOperator.template).toEqual({
      pod: { securityContext: RESTRICTED_POD, enableServiceLinks: false },
      topicOperatorContainer: { securityContext: RESTRICTED_CONTAINER },
      userOperatorContainer: { securityContext: RESTRICTED_CONTAINER },
    });
    expect(k.kafkaExporter.template).toEqual({
      pod: { securityContext: RESTRICTED_POD, enableServiceLinks: false },
      container: { securityContext: RESTRICTED_CONTAINER },
    });
  });

  it('GIVEN mutual TLS WHEN synthesized THEN TLS listeners authenticate with certificates and KafkaUsers are of type tls', () => {
    const mtls: KafkaEngineOptions = { authentication: KafkaAuthentication.mutualTls(), listeners: [{ name: 'tls', port: 9093, tls: true }] };
    const r = withTopics(production, mtls, { KAFKA_BOOTSTRAP_SERVERS: ConnectionValue.address() });
    expect(r.find('Kafka', 'events').spec.kafka.listeners[0].authentication).toEqual({ type: 'tls' });
    expect(r.find('KafkaUser', 'shop.orders-api').spec.authentication).toEqual({ type: 'tls' });
    expect(r.all('ExternalSecret').filter((e) => e.metadata.namespace === 'streaming')).toEqual([]);
    // The client's certificate is the User Operator's Secret in the Kafka namespace: no password to deliver.
    expect(() => withTopics(production, mtls)).toThrow(
      'production/fake-shop-billing: connections.env.KAFKA_PASSWORD: got "password"; streaming/events endpoint "bootstrap" (kafka on port 9093, TLS, auth mtls) has no credential (auth mtls); remove this key',
    );
  });

  it('rejects mutual TLS on a plain listener, reserved ports, bad names, an even controller quorum and a producer that is not a client', () => {
    const k =
      (o: KafkaEngineOptions, profile = production) =>
      () =>
        synthEnv((c) => {
          new StatefulDatastore(c, 'kafka', { name: 'events', namespace: 'streaming', engine: Engine.kafka(o) });
        }, profile);
    expect(k({ authentication: KafkaAuthentication.mutualTls() })).toThrow(
      'production/kafka: engine.listeners[0].tls: got false; must be true: mutual TLS authentication needs a TLS listener',
    );
    expect(k({ listeners: [{ name: 'plain', port: 9091, tls: false }] })).toThrow(
      "production/kafka: engine.listeners[0].port: got 9091; must be a port from 9092 to 65535 other than 9404 (9090, 9091 and 8443 are Strimzi's own)",
    );
    expect(k({ listeners: [{ name: 'Internal_1', port: 9094, tls: false }] })).toThrow(
      'production/kafka: engine.listeners[0].name: got "Internal_1"; must be 1-11 lowercase letters or digits',
    );
    expect(k({ controllers: { replicas: 4 } })).toThrow(
      'production/kafka: engine.controllers.replicas: got 4; must be an odd number, so a majority of controllers can always elect a leader',
    );
    expect(k({ topics: [{ name: 'Orders' }] })).toThrow(
      'production/kafka: engine.topics[0].name: got "Orders"; must be lowercase letters, digits, "-" and "." (at most 200), starting and ending alphanumeric',
    );
    expect(k({ topics: [{ name: 'orders', producers: [{ name: 'ghost', namespace: 'shop' }] }] })).toThrow(
      'production/kafka: engine.topics[0].producers[0]: got "shop/ghost"; is not a client of streaming/events; connect it (connectsTo, or the datastore\'s clients)',
    );
  });

  it('rejects a replication factor above the broker count', () => {
    expect(() =>
      synthEnv((c) => {
        new StatefulDatastore(c, 'kafka', { name: 'events', namespace: 'streaming', engine: Engine.kafka({ replicationFactor: 5 }) });
      }, production),
    ).toThrow('production/kafka: engine.replicationFactor: got 5; must be an integer from 2 to the broker count (3)');
  });

  it('minimal snapshot (development)', () => {
    expect(build().docs).toMatchSnapshot();
  });
  it('HA snapshot (production)', () => {
    expect(build(production).docs).toMatchSnapshot();
  });
});
