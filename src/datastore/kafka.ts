/**
 * Kafka on Strimzi 1.x (KRaft): a `Kafka` with authenticating listeners and simple authorization, controller and
 * broker `KafkaNodePool`s sized from the profile and the datastore's storage, a `KafkaUser` per client of the
 * connection graph (ACLs for its topics, its password from the secret store), the datastore's `KafkaTopic`s, PSS
 * restricted pods and the NetworkPolicies Strimzi's pods need. The objects live in `kafka-objects.ts`.
 */
import { IWorkload, WorkloadPort } from '../core/connections';
import { ResourceDefaults } from '../core/environment-profile';
import { ClientCredential, EndpointAuth, EndpointTls } from '../core/endpoint';
import { AlertRule } from '../core/monitoring-registry';
import { compareQuantities, isQuantity } from '../core/quantity';
import { addKafkaObjects } from './kafka-objects';
import { EngineContext, EngineDefinition, majority, runbook } from './types';

/** How clients authenticate on every listener. */
export class KafkaAuthentication {
  /** SASL SCRAM-SHA-512: a user and password per client, the password from the secret store. */
  public static scramSha512(): KafkaAuthentication {
    return new KafkaAuthentication('scram-sha-512');
  }

  /**
   * Mutual TLS (every listener must be TLS): the User Operator issues each client's certificate into the Secret
   * `<user>` of the Kafka namespace, so the client's certificate is not delivered through the secret store.
   */
  public static mutualTls(): KafkaAuthentication {
    return new KafkaAuthentication('tls');
  }

  private constructor(
    /** Strimzi's listener and KafkaUser authentication type. */
    public readonly type: 'scram-sha-512' | 'tls',
  ) {}
}

/** A listener clients connect to (an internal, in-cluster listener). */
export interface KafkaListenerOptions {
  /** Listener name: lowercase letters and digits, at most 11 characters (Strimzi's rule). */
  readonly name: string;
  /** Port, from 9092 to 65535 (9090, 9091, 8443 and 9404 are Strimzi's own). */
  readonly port: number;
  /** Encrypt the listener with the cluster CA's certificate. */
  readonly tls: boolean;
}

/** A client of a topic by name (it must be a client of the datastore in the connection graph). */
export interface KafkaClientRef {
  readonly name: string;
  readonly namespace: string;
}

/** A topic of the datastore (a `KafkaTopic`) and who may use it. */
export interface KafkaTopicOptions {
  /** Topic name (also the KafkaTopic's name): lowercase letters, digits, "-" and ".", at most 200 characters. */
  readonly name: string;
  /** @default 3 */
  readonly partitions?: number;
  /** Replicas of each partition. @default - the cluster's replication factor */
  readonly replicas?: number;
  /** Topic configuration (`retention.ms`, `cleanup.policy`, ...). @default - the broker defaults */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  /** Clients that write to the topic (ACL Write, Describe). @default [] */
  readonly producers?: ReadonlyArray<IWorkload | KafkaClientRef>;
  /** Clients that read the topic (ACL Read, Describe, and Read on consumer groups named after the client). @default [] */
  readonly consumers?: ReadonlyArray<IWorkload | KafkaClientRef>;
}

/** The KRaft controllers when they run apart from the brokers. */
export interface KafkaControllerOptions {
  /** Controller pods: an odd number. @default 3 */
  readonly replicas?: number;
  /** Volume of each controller (the metadata log). @default - the smaller of 10Gi and the datastore's storage size */
  readonly storageSize?: string;
  /** @default - the datastore's resources */
  readonly resources?: ResourceDefaults;
}

/** Options of {@link Engine.kafka}. */
export interface KafkaEngineOptions {
  /** Kafka version run by Strimzi. @default - the operator's default version */
  readonly version?: string;
  /** Replication factor of new topics when the profile asks for HA. @default 3 */
  readonly replicationFactor?: number;
  /** Consumer-group lag (messages) that raises an alert. @default 10000 */
  readonly maxConsumerLag?: number;
  /** Client listeners; the first is the `bootstrap` endpoint, the others `bootstrap-<name>`. @default DEFAULT_KAFKA_LISTENERS (plain 9092, TLS 9093) */
  readonly listeners?: readonly KafkaListenerOptions[];
  /** How clients authenticate. @default KafkaAuthentication.scramSha512() */
  readonly authentication?: KafkaAuthentication;
  /** Topics and their producers and consumers. @default [] */
  readonly topics?: readonly KafkaTopicOptions[];
  /** Run the KRaft controllers in their own node pool. @default - when the profile asks for high availability */
  readonly dedicatedControllers?: boolean;
  /** The controllers' pool (with dedicated controllers). @default - 3 controllers, 10Gi */
  readonly controllers?: KafkaControllerOptions;
}

/** The listeners of the seeds' Composerp-style spec: plain on 9092, TLS on 9093. */
export const DEFAULT_KAFKA_LISTENERS: readonly KafkaListenerOptions[] = [
  { name: 'plain', port: 9092, tls: false },
  { name: 'tls', port: 9093, tls: true },
];
const DEFAULT_REPLICATION_FACTOR = 3;
const DEFAULT_MAX_CONSUMER_LAG = 10000;
const DEFAULT_PARTITIONS = 3;
const DEFAULT_CONTROLLERS = 3;
const MAX_CONTROLLER_STORAGE = '10Gi';
const EXPORTER: WorkloadPort = { name: 'tcp-prometheus', port: 9404 };
/** Ports Strimzi's pods use themselves: KRaft controllers, replication, the node agent, metrics. */
const RESERVED_PORTS = new Set([9090, 9091, 8443, 9404]);
const TOPIC_NAME = /^[a-z0-9]([-a-z0-9.]{0,198}[a-z0-9])?$/;

/** A client as `<namespace>/<name>`. */
function refOf(c: IWorkload | KafkaClientRef): KafkaClientRef {
  return 'node' in c ? { name: (c as IWorkload).workloadName, namespace: (c as IWorkload).namespace } : (c as KafkaClientRef);
}

/** Name Strimzi gives a listener's container port (`plain` and `tls` keep their historic names). */
export function listenerPortName(name: string): string {
  if (name === 'plain') return 'tcp-clients';
  if (name === 'tls') return 'tcp-clientstls';
  return `tcp-${name}`;
}

/** A client's Kafka user name: `<namespace>.<workload>` (a dot cannot appear in either, so names never collide). */
export function kafkaUserName(client: KafkaClientRef): string {
  return `${client.namespace}.${client.name}`;
}

/** Everything the object builders need, resolved once from the options. */
export interface KafkaSettings {
  readonly version?: string;
  readonly factor: number;
  readonly minIsr: number;
  readonly listeners: readonly KafkaListenerOptions[];
  readonly authentication: KafkaAuthentication;
  readonly topics: ReadonlyArray<{
    readonly name: string;
    readonly partitions: number;
    readonly replicas: number;
    readonly config?: Readonly<Record<string, string | number | boolean>>;
    readonly producers: readonly KafkaClientRef[];
    readonly consumers: readonly KafkaClientRef[];
  }>;
  readonly dedicatedControllers: boolean;
  readonly controllers: { readonly replicas: number; readonly storageSize: string; readonly resources: ResourceDefaults };
}

/** Kafka run by Strimzi. */
export function kafkaEngine(o: KafkaEngineOptions = {}): EngineDefinition {
  const rf = o.replicationFactor ?? DEFAULT_REPLICATION_FACTOR;
  const maxLag = o.maxConsumerLag ?? DEFAULT_MAX_CONSUMER_LAG;
  const podSelector = (name: string) => ({ 'strimzi.io/cluster': name, 'strimzi.io/kind': 'Kafka' });
  const listeners = o.listeners ?? DEFAULT_KAFKA_LISTENERS;
  const authentication = o.authentication ?? KafkaAuthentication.scramSha512();
  const ports = (): WorkloadPort[] => listeners.map((l) => ({ name: listenerPortName(l.name), port: l.port }));

  const settings = (ctx: EngineContext): KafkaSettings => {
    const factor = ctx.highAvailability ? rf : 1;
    const controllerSize =
      o.controllers?.storageSize ?? ((compareQuantities(ctx.storageSize, MAX_CONTROLLER_STORAGE) ?? 0) < 0 ? ctx.storageSize : MAX_CONTROLLER_STORAGE);
    return {
      version: o.version,
      factor,
      minIsr: ctx.highAvailability ? Math.min(majority(factor), factor - 1) : 1,
      listeners,
      authentication,
      topics: (o.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitions ?? DEFAULT_PARTITIONS,
        replicas: t.replicas ?? factor,
        config: t.config,
        producers: (t.producers ?? []).map(refOf),
        consumers: (t.consumers ?? []).map(refOf),
      })),
      dedicatedControllers: o.dedicatedControllers ?? ctx.highAvailability,
      controllers: {
        replicas: o.controllers?.replicas ?? DEFAULT_CONTROLLERS,
        storageSize: controllerSize,
        resources: o.controllers?.resources ?? ctx.resources,
      },
    };
  };

  return {
    id: 'kafka',
    displayName: 'Kafka',
    version: o.version ?? 'strimzi-default',
    requires: ['strimzi'],
    minStorage: '1Gi',
    minHaReplicas: 3,
    defaultHaReplicas: 3,
    // Brokers are JVMs: below 2Gi they spend their time collecting garbage.
    minMemory: '2Gi',
    credentialKeys: [],
    operatorManaged: true,
    metrics: { port: EXPORTER, path: '/metrics' },
    clientPorts: ports,
    peerPorts: () => [],
    podSelector: (ctx) => podSelector(ctx.name),
    metricsPodSelector: (ctx) => ({ 'strimzi.io/cluster': ctx.name, 'strimzi.io/name': `${ctx.name}-kafka-exporter` }),
    claimPattern: (ctx) => `data-[0-9]+-${ctx.name}-[a-z0-9-]+-[0-9]+`,
    validate: (ctx, fail) => {
      if (ctx.highAvailability && (!Number.isInteger(rf) || rf < 2 || rf > ctx.replicas)) {
        fail('engine.replicationFactor', rf, `must be an integer from 2 to the broker count (${ctx.replicas})`);
      }
      if (listeners.length === 0) fail('engine.listeners', [], 'must declare at least one listener (clients connect to the first)');
      const names = new Set<string>();
      const used = new Set<number>();
      listeners.forEach((l, i) => {
        if (!/^[a-z0-9]{1,11}$/.test(l.name)) fail(`engine.listeners[${i}].name`, l.name, 'must be 1-11 lowercase letters or digits');
        if (names.has(l.name)) fail(`engine.listeners[${i}].name`, l.name, 'is declared twice; listener names are unique');
        if (!Number.isInteger(l.port) || l.port < 9092 || l.port > 65535 || RESERVED_PORTS.has(l.port)) {
          fail(`engine.listeners[${i}].port`, l.port, "must be a port from 9092 to 65535 other than 9404 (9090, 9091 and 8443 are Strimzi's own)");
        }
        if (used.has(l.port)) fail(`engine.listeners[${i}].port`, l.port, 'is used by another listener');
        if (authentication.type === 'tls' && !l.tls) fail(`engine.listeners[${i}].tls`, l.tls, 'must be true: mutual TLS authentication needs a TLS listener');
        names.add(l.name);
        used.add(l.port);
      });
      const s = settings(ctx);
      if (s.dedicatedControllers) {
        if (!Number.isInteger(s.controllers.replicas) || s.controllers.replicas < 1 || s.controllers.replicas % 2 === 0) {
          fail('engine.controllers.replicas', s.controllers.replicas, 'must be an odd number, so a majority of controllers can always elect a leader');
        }
        if (!isQuantity(s.controllers.storageSize))
          fail('engine.controllers.storageSize', s.controllers.storageSize, 'must be a Kubernetes quantity such as "10Gi"');
      } else if (o.controllers !== undefined) {
        fail('engine.controllers', o.controllers, 'applies to dedicated controllers only; set dedicatedControllers: true, or remove it');
      }
      const topics = new Set<string>();
      s.topics.forEach((t, i) => {
        if (!TOPIC_NAME.test(t.name))
          fail(`engine.topics[${i}].name`, t.name, 'must be lowercase letters, digits, "-" and "." (at most 200), starting and ending alphanumeric');
        if (topics.has(t.name)) fail(`engine.topics[${i}].name`, t.name, 'is declared twice; topic names are unique');
        topics.add(t.name);
        if (!Number.isInteger(t.partitions) || t.partitions < 1) fail(`engine.topics[${i}].partitions`, t.partitions, 'must be a positive integer');
        if (!Number.isInteger(t.replicas) || t.replicas < 1 || t.replicas > ctx.replicas)
          fail(`engine.topics[${i}].replicas`, t.replicas, `must be an integer from 1 to the broker count (${ctx.replicas})`);
      });
    },
    endpoints: (ctx, credentialRemoteKey) =>
      listeners.map((l, i) => ({
        name: i === 0 ? 'bootstrap' : `bootstrap-${l.name}`,
        service: `${ctx.name}-kafka-bootstrap`,
        port: { name: listenerPortName(l.name), port: l.port },
        protocol: 'kafka',
        tls: l.tls
          ? EndpointTls.required({
              ca: { kind: 'Secret', namespace: ctx.namespace, name: `${ctx.name}-cluster-ca-cert`, key: 'ca.crt' },
              serverName: `${ctx.name}-kafka-bootstrap.${ctx.namespace}.svc`,
            })
          : EndpointTls.disabled(),
        auth: authentication.type === 'tls' ? EndpointAuth.mutualTls() : EndpointAuth.scramSha512(),
        // What a Kafka client library is configured with beside the address (`security.protocol`, `sasl.mechanism`).
        attributes:
          authentication.type === 'tls'
            ? ({ securityProtocol: 'SSL' } as Record<string, string>)
            : { securityProtocol: l.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT', saslMechanism: 'SCRAM-SHA-512' },
        ...(authentication.type === 'scram-sha-512'
          ? {
              clientCredential: (clientName: string, clientNamespace: string): ClientCredential => {
                const user = kafkaUserName({ name: clientName, namespace: clientNamespace });
                return { remoteKey: `${credentialRemoteKey}/users/${user}`, passwordProperty: 'password', user };
              },
            }
          : {}),
      })),
    config: () => ({}),
    roles: () => [],
    rules: (ctx) => {
      const sel = `namespace="${ctx.namespace}"`;
      const rules: AlertRule[] = [
        {
          alert: 'KafkaBrokersMissing',
          expr: `max(kafka_brokers{${sel}, pod=~"${ctx.name}-kafka-exporter-.*"}) < ${ctx.replicas}`,
          for: '5m',
          severity: 'critical',
          summary: `Kafka ${ctx.namespace}/${ctx.name} has fewer brokers than configured`,
          description: `{{ $value }} of ${ctx.replicas} brokers are in the cluster.`,
          runbookUrl: runbook('KafkaBrokersMissing'),
        },
        {
          alert: 'KafkaConsumerGroupLag',
          expr: `sum by (consumergroup, topic) (kafka_consumergroup_lag{${sel}, pod=~"${ctx.name}-kafka-exporter-.*"}) > ${maxLag}`,
          for: '15m',
          severity: 'warning',
          summary: `Kafka ${ctx.namespace}/${ctx.name}: consumer group {{ $labels.consumergroup }} lags`,
          description: `{{ $value }} messages behind on {{ $labels.topic }} (threshold ${maxLag}).`,
          runbookUrl: runbook('KafkaConsumerGroupLag'),
        },
      ];
      if (ctx.highAvailability) {
        rules.push({
          alert: 'KafkaUnderReplicatedPartitions',
          expr: `sum(kafka_topic_partition_under_replicated_partition{${sel}, pod=~"${ctx.name}-kafka-exporter-.*"}) > 0`,
          for: '10m',
          severity: 'warning',
          summary: `Kafka ${ctx.namespace}/${ctx.name} has under-replicated partitions`,
          description: '{{ $value }} partitions have fewer in-sync replicas than their replication factor.',
          runbookUrl: runbook('KafkaUnderReplicatedPartitions'),
        });
      }
      return rules;
    },
    extraObjects: (scope, ctx, common) => addKafkaObjects(scope, ctx, common, settings(ctx)),
  };
}
