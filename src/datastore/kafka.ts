import { ApiObject, Lazy } from 'cdk8s';
import {
  Kafka, KafkaSpecKafkaExporterResourcesLimits, KafkaSpecKafkaExporterResourcesRequests, KafkaSpecKafkaListeners,
  KafkaSpecKafkaListenersNetworkPolicyPeers, KafkaSpecKafkaListenersType, KafkaSpecKafkaTemplatePod,
} from '../../imports/kafka.strimzi.io';
import { IConstruct } from 'constructs';
import { apiServerOf, clusterServicesOf } from '../core/cluster-services';
import { DNS_EGRESS_RULE, WorkloadPort } from '../core/connections';
import { EnvironmentChart } from '../core/environment-chart';
import { AlertRule } from '../core/monitoring-registry';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/security';
import { SchemaRegistry } from '../synth/schema-registry';
import { EngineDefinition, majority, resourcesJson, runbook } from './types';

/** Options of {@link Engine.kafka}. */
export interface KafkaEngineOptions {
  /** Kafka version run by Strimzi. @default - the operator's default version */
  readonly version?: string;
  /** Replication factor of new topics when the profile asks for HA. @default 3 */
  readonly replicationFactor?: number;
  /** Consumer-group lag (messages) that raises an alert. @default 10000 */
  readonly maxConsumerLag?: number;
}

const DEFAULT_REPLICATION_FACTOR = 3;
const DEFAULT_MAX_CONSUMER_LAG = 10000;
/** uid Strimzi's images run as. */
const KAFKA_UID = 1001;
const PLAIN: WorkloadPort = { name: 'tcp-clients', port: 9092 };
const TLS: WorkloadPort = { name: 'tcp-clientstls', port: 9093 };
const EXPORTER: WorkloadPort = { name: 'tcp-prometheus', port: 9404 };
/** Strimzi's internal listeners: KRaft controllers, replication (also the operators' and the exporter's), the node agent. */
const CONTROLPLANE = 9090;
const REPLICATION = 9091;
const AGENT = 8443;

/**
 * Kafka as a Strimzi `Kafka` (kafka.strimzi.io/v1, KRaft). Strimzi 1.x takes brokers, controllers and storage
 * from KafkaNodePool resources; a node pool is emitted only when the vendored schemas serve that kind, because
 * every emitted object must validate.
 */
export function kafkaEngine(o: KafkaEngineOptions = {}): EngineDefinition {
  const rf = o.replicationFactor ?? DEFAULT_REPLICATION_FACTOR;
  const maxLag = o.maxConsumerLag ?? DEFAULT_MAX_CONSUMER_LAG;
  const podSelector = (name: string) => ({ 'strimzi.io/cluster': name, 'strimzi.io/kind': 'Kafka' });

  return {
    id: 'kafka',
    displayName: 'Kafka',
    version: o.version ?? 'strimzi-default',
    minStorage: '1Gi',
    minHaReplicas: 3,
    defaultHaReplicas: 3,
    credentialKeys: [],
    operatorManaged: true,
    metrics: { port: EXPORTER, path: '/metrics' },
    clientPorts: () => [PLAIN, TLS],
    peerPorts: () => [],
    podSelector: (ctx) => podSelector(ctx.name),
    validate: (ctx, fail) => {
      if (ctx.highAvailability && (!Number.isInteger(rf) || rf < 2 || rf > ctx.replicas)) {
        fail('engine.replicationFactor', rf, `must be an integer from 2 to the broker count (${ctx.replicas})`);
      }
    },
    config: () => ({}),
    roles: () => [],
    rules: (ctx) => {
      const sel = `namespace="${ctx.namespace}"`;
      const rules: AlertRule[] = [{
        alert: 'KafkaBrokersMissing',
        expr: `max(kafka_brokers{${sel}, pod=~"${ctx.name}-kafka-exporter-.*"}) < ${ctx.replicas}`,
        for: '5m',
        severity: 'critical',
        summary: `Kafka ${ctx.namespace}/${ctx.name} has fewer brokers than configured`,
        description: `{{ $value }} of ${ctx.replicas} brokers are in the cluster.`,
        runbookUrl: runbook('KafkaBrokersMissing'),
      }, {
        alert: 'KafkaConsumerGroupLag',
        expr: `sum by (consumergroup, topic) (kafka_consumergroup_lag{${sel}, pod=~"${ctx.name}-kafka-exporter-.*"}) > ${maxLag}`,
        for: '15m',
        severity: 'warning',
        summary: `Kafka ${ctx.namespace}/${ctx.name}: consumer group {{ $labels.consumergroup }} lags`,
        description: `{{ $value }} messages behind on {{ $labels.topic }} (threshold ${maxLag}).`,
        runbookUrl: runbook('KafkaConsumerGroupLag'),
      }];
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
    extraObjects: (scope, ctx, common) => {
      const factor = ctx.highAvailability ? rf : 1;
      const minIsr = ctx.highAvailability ? Math.min(majority(factor), factor - 1) : 1;
      const listener = (p: WorkloadPort, name: string, tls: boolean): KafkaSpecKafkaListeners => ({
        name,
        port: p.port,
        type: KafkaSpecKafkaListenersType.INTERNAL,
        tls,
        // Strimzi writes the listener NetworkPolicies from these peers; never empty (empty means everyone).
        networkPolicyPeers: Lazy.any({ produce: () => [{ podSelector: { matchLabels: podSelector(ctx.name) } }, ...common.clientPeers()] }) as unknown as KafkaSpecKafkaListenersNetworkPolicyPeers[],
      });
      const pod: Record<string, any> = {
        metadata: { labels: common.labels },
        securityContext: restrictedPodSecurityContext({ runAsUser: KAFKA_UID, runAsGroup: 0, fsGroup: 0 }),
        enableServiceLinks: false,
      };
      if (ctx.highAvailability) {
        pod.topologySpreadConstraints = [{
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: podSelector(ctx.name) },
        }];
      }
      new Kafka(scope, 'Kafka', {
        metadata: { name: ctx.name, namespace: ctx.namespace, labels: common.labels, annotations: common.protectAnnotations },
        spec: {
          kafka: {
            ...(o.version !== undefined ? { version: o.version } : {}),
            listeners: [listener(PLAIN, 'plain', false), listener(TLS, 'tls', true)],
            config: {
              'default.replication.factor': factor,
              'min.insync.replicas': minIsr,
              'offsets.topic.replication.factor': factor,
              'transaction.state.log.replication.factor': factor,
              'transaction.state.log.min.isr': minIsr,
              'auto.create.topics.enable': false,
            },
            ...(ctx.highAvailability ? { rack: { topologyKey: 'topology.kubernetes.io/zone' } } : {}),
            template: {
              pod: pod as KafkaSpecKafkaTemplatePod,
              kafkaContainer: { securityContext: restrictedContainerSecurityContext() },
            },
          },
          entityOperator: { topicOperator: {}, userOperator: {} },
          kafkaExporter: {
            topicRegex: '.*',
            groupRegex: '.*',
            resources: {
              requests: { cpu: KafkaSpecKafkaExporterResourcesRequests.fromString('20m'), memory: KafkaSpecKafkaExporterResourcesRequests.fromString('64Mi') },
              limits: { memory: KafkaSpecKafkaExporterResourcesLimits.fromString('128Mi') },
            },
          },
        },
      });
      kafkaNetworkPolicies(scope, ctx.name, ctx.namespace, common.labels, ctx.highAvailability, common.clientPeers);
      if (SchemaRegistry.default().lookup('kafka.strimzi.io/v1', 'KafkaNodePool')) {
        // Untyped: imports/ has no KafkaNodePool binding.
        new ApiObject(scope, 'NodePool', {
          apiVersion: 'kafka.strimzi.io/v1',
          kind: 'KafkaNodePool',
          metadata: { name: `${ctx.name}-nodes`, namespace: ctx.namespace, labels: { ...common.labels, 'strimzi.io/cluster': ctx.name }, annotations: common.protectAnnotations },
          spec: {
            replicas: ctx.replicas,
            roles: ['controller', 'broker'],
            resources: resourcesJson(ctx.resources),
            storage: {
              type: 'jbod',
              // deleteClaim false: volumes outlive the node pool (data-loss guard).
              volumes: [{ id: 0, type: 'persistent-claim', size: ctx.storageSize, class: ctx.storageClass, deleteClaim: false, kraftMetadata: 'shared' }],
            },
          },
        });
      }
    },
  };
}

/**
 * NetworkPolicies of the pods Strimzi runs for cluster `name`. The namespace's default deny applies to them like to
 * any pod, and the policies Strimzi itself writes only open ingress (and are not in dist/), so every connection is
 * admitted here, at both ends: clients on the listeners; brokers and controllers between themselves (9090, 9091);
 * the entity operator and the Kafka exporter to the replication listener; the Strimzi cluster operator to 9090, 9091
 * and the node agent (8443); Prometheus to the exporter; the entity operator (and brokers with rack awareness,
 * whose init container reads the node's zone) to the API server.
 */
function kafkaNetworkPolicies(scope: IConstruct, name: string, namespace: string, labels: Record<string, string>, rack: boolean, clientPeers: () => Record<string, any>[]): void {
  const profile = EnvironmentChart.of(scope).profile;
  const services = clusterServicesOf(profile);
  const api = apiServerOf(profile);
  const strimzi = (component: string) => ({ 'strimzi.io/cluster': name, 'strimzi.io/name': `${name}-${component}` });
  const brokers = { podSelector: { matchLabels: strimzi('kafka') } };
  const operator = {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': services.strimziOperator.namespace } },
    podSelector: { matchLabels: { ...services.strimziOperator.podLabels } },
  };
  const prometheus = {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': services.prometheus.namespace } },
    podSelector: { matchLabels: { ...services.prometheus.podLabels } },
  };
  const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));
  const apiServer = { to: api.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(...api.ports) };
  const policy = (id: string, policyName: string, component: string, ingress: unknown, egress: unknown[]) => new ApiObject(scope, id, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: policyName, namespace, labels },
    spec: { podSelector: { matchLabels: strimzi(component) }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
  });
  policy('NetworkPolicy', name, 'kafka', Lazy.any({
    produce: () => {
      const clients = clientPeers();
      return [
        // Never an empty `from`: that would admit everyone.
        ...(clients.length > 0 ? [{ from: clients, ports: tcp(PLAIN.port, TLS.port) }] : []),
        { from: [brokers, operator], ports: tcp(CONTROLPLANE) },
        { from: [brokers, { podSelector: { matchLabels: strimzi('entity-operator') } }, { podSelector: { matchLabels: strimzi('kafka-exporter') } }, operator], ports: tcp(REPLICATION) },
        { from: [operator], ports: tcp(AGENT) },
      ];
    },
  }), [DNS_EGRESS_RULE, { to: [brokers], ports: tcp(CONTROLPLANE, REPLICATION) }, ...(rack ? [apiServer] : [])]);
  policy('EntityOperatorNetworkPolicy', `${name}-entity-operator`, 'entity-operator', [], [DNS_EGRESS_RULE, { to: [brokers], ports: tcp(REPLICATION) }, apiServer]);
  policy('ExporterNetworkPolicy', `${name}-kafka-exporter`, 'kafka-exporter', [{ from: [prometheus], ports: tcp(EXPORTER.port) }], [DNS_EGRESS_RULE, { to: [brokers], ports: tcp(REPLICATION) }]);
}
