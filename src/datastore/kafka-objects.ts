/**
 * The objects of a Kafka datastore on Strimzi: the `Kafka`, its `KafkaNodePool`s, a `KafkaUser` per client (with the
 * ExternalSecret its password comes from), the `KafkaTopic`s, and the NetworkPolicies of Strimzi's pods.
 */
import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  Kafka,
  KafkaNodePool,
  KafkaNodePoolSpecResourcesLimits,
  KafkaNodePoolSpecResourcesRequests,
  KafkaSpecKafkaExporterResourcesLimits,
  KafkaSpecKafkaExporterResourcesRequests,
  KafkaSpecKafkaListeners,
  KafkaSpecKafkaListenersNetworkPolicyPeers,
  KafkaSpecKafkaListenersType,
  KafkaNodePoolSpec,
  KafkaSpecEntityOperator,
  KafkaSpecKafka,
  KafkaSpecKafkaExporter,
  KafkaTopic,
  KafkaUser,
  KafkaUserSpec,
} from '../../imports/kafka.strimzi.io';
import { apiServerOf, clusterServicesOf } from '../core/cluster-services';
import { DNS_EGRESS_RULE, IWorkload } from '../core/connections';
import { EnvironmentChart } from '../core/environment-chart';
import { ResourceDefaults } from '../core/environment-profile';
import { fail } from '../core/errors';
import { addExternalSecret } from '../core/external-secret';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/security';
import { KafkaClientRef, KafkaSettings, kafkaUserName } from './kafka';
import { EngineContext, ExtraObjectContext } from './types';
import { DocObject } from '../core/documents';
import { compareText } from '../core/order';

/** The Kafka pod and container templates (typed by the generated bindings). */
type KafkaTemplate = NonNullable<KafkaSpecKafka['template']>;

/** uid Strimzi's images run as (group 0 owns their writable paths). */
const KAFKA_UID = 1001;
const ZONE = 'topology.kubernetes.io/zone';
/** Strimzi's internal listeners: KRaft controllers, replication (also the operators' and the exporter's), the node agent. */
const CONTROLPLANE = 9090;
const REPLICATION = 9091;
const AGENT = 8443;
const EXPORTER_PORT = 9404;
const EXPORTER_RESOURCES: ResourceDefaults = { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '128Mi' } };

/** PSS restricted for every pod and container Strimzi runs for this cluster. */
const POD_SECURITY = restrictedPodSecurityContext({ runAsUser: KAFKA_UID, runAsGroup: 0, fsGroup: 0 });
const CONTAINER_SECURITY = restrictedContainerSecurityContext();

/** The Secret (filled from the store) a client's KafkaUser takes its password from. */
export function userPasswordSecret(user: string): string {
  return `${user}-password`;
}

/** Every object of the datastore (called from the engine's `extraObjects`). */
export function addKafkaObjects(scope: IConstruct, ctx: EngineContext, common: ExtraObjectContext, s: KafkaSettings): void {
  const c = scope as Construct;
  const clusterLabel = { 'strimzi.io/cluster': ctx.name };
  const brokerSelector = { 'strimzi.io/cluster': ctx.name, 'strimzi.io/name': `${ctx.name}-kafka` };
  const listener = (l: KafkaSettings['listeners'][number]): KafkaSpecKafkaListeners => ({
    name: l.name,
    port: l.port,
    type: KafkaSpecKafkaListenersType.INTERNAL,
    tls: l.tls,
    authentication: { type: s.authentication.type } as KafkaSpecKafkaListeners['authentication'],
    // Strimzi writes the listener NetworkPolicies from these peers; never empty (empty means everyone).
    networkPolicyPeers: Lazy.any({
      produce: () => [{ podSelector: { matchLabels: brokerSelector } }, ...common.clientPeers()],
    }) as unknown as KafkaSpecKafkaListenersNetworkPolicyPeers[],
  });
  const pod: DocObject = { metadata: { labels: common.labels }, securityContext: POD_SECURITY, enableServiceLinks: false };
  if (ctx.highAvailability) {
    pod.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: brokerSelector } }];
  }
  const restrictedPod = { securityContext: POD_SECURITY, enableServiceLinks: false };
  new Kafka(c, 'Kafka', {
    metadata: { name: ctx.name, namespace: ctx.namespace, labels: common.labels, annotations: common.protectAnnotations },
    spec: {
      kafka: {
        ...(s.version !== undefined ? { version: s.version } : {}),
        listeners: s.listeners.map(listener),
        // Every client is a KafkaUser with ACLs; Strimzi's own components authenticate with the cluster CA.
        authorization: { type: 'simple' } as KafkaSpecKafka['authorization'],
        config: {
          'default.replication.factor': s.factor,
          'min.insync.replicas': s.minIsr,
          'offsets.topic.replication.factor': s.factor,
          'transaction.state.log.replication.factor': s.factor,
          'transaction.state.log.min.isr': s.minIsr,
          'auto.create.topics.enable': false,
          // Consumers read from a replica in their own zone when there is one.
          ...(ctx.highAvailability ? { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' } : {}),
        },
        ...(ctx.highAvailability ? { rack: { topologyKey: ZONE } } : {}),
        template: {
          pod: pod as KafkaTemplate['pod'],
          kafkaContainer: { securityContext: CONTAINER_SECURITY } as KafkaTemplate['kafkaContainer'],
          // The rack init container reads the node's zone; it runs under the same restrictions.
          initContainer: { securityContext: CONTAINER_SECURITY } as KafkaTemplate['initContainer'],
        },
      },
      entityOperator: {
        topicOperator: {},
        userOperator: {},
        template: {
          pod: restrictedPod,
          topicOperatorContainer: { securityContext: CONTAINER_SECURITY },
          userOperatorContainer: { securityContext: CONTAINER_SECURITY },
        } as KafkaSpecEntityOperator['template'],
      },
      kafkaExporter: {
        topicRegex: '.*',
        groupRegex: '.*',
        resources: {
          requests: {
            cpu: KafkaSpecKafkaExporterResourcesRequests.fromString(EXPORTER_RESOURCES.requests.cpu),
            memory: KafkaSpecKafkaExporterResourcesRequests.fromString(EXPORTER_RESOURCES.requests.memory),
          },
          limits: { memory: KafkaSpecKafkaExporterResourcesLimits.fromString(EXPORTER_RESOURCES.limits.memory) },
        },
        template: { pod: restrictedPod, container: { securityContext: CONTAINER_SECURITY } } as KafkaSpecKafkaExporter['template'],
      },
    },
  });
  addNodePools(c, ctx, common, s);
  for (const t of s.topics) {
    new KafkaTopic(c, `Topic-${t.name}`, {
      // Deleting a KafkaTopic deletes the topic and its messages: guarded like every stateful object.
      metadata: { name: t.name, namespace: ctx.namespace, labels: { ...common.labels, ...clusterLabel }, annotations: common.protectAnnotations },
      spec: { partitions: t.partitions, replicas: t.replicas, ...(t.config ? { config: { ...t.config } } : {}) },
    });
  }
  // Users are one per client of the connection graph, known once every workload is declared: created at synth,
  // after the datastore's own client references resolved (a validation registered earlier on the same construct).
  let created = false;
  c.node.addValidation({
    validate: () => {
      if (!created) {
        created = true;
        addUsers(c, ctx, common, s);
      }
      return [];
    },
  });
  kafkaNetworkPolicies(c, ctx, common, s);
}

/** Resources of a node pool, typed. */
function poolResources(r: ResourceDefaults) {
  return {
    requests: { cpu: KafkaNodePoolSpecResourcesRequests.fromString(r.requests.cpu), memory: KafkaNodePoolSpecResourcesRequests.fromString(r.requests.memory) },
    limits: {
      memory: KafkaNodePoolSpecResourcesLimits.fromString(r.limits.memory),
      ...(r.limits.cpu !== undefined ? { cpu: KafkaNodePoolSpecResourcesLimits.fromString(r.limits.cpu) } : {}),
    },
  };
}

/**
 * The node pools: dedicated KRaft controllers and the brokers (high availability), or one pool with both roles. The
 * brokers' volumes are the datastore's storage; `deleteClaim: false` keeps every volume when a pool goes away.
 */
function addNodePools(scope: Construct, ctx: EngineContext, common: ExtraObjectContext, s: KafkaSettings): void {
  const pool = (id: string, name: string, replicas: number, roles: string[], size: string, resources: ResourceDefaults) =>
    new KafkaNodePool(scope, id, {
      metadata: { name, namespace: ctx.namespace, labels: { ...common.labels, 'strimzi.io/cluster': ctx.name }, annotations: common.protectAnnotations },
      spec: {
        replicas,
        roles: roles as KafkaNodePoolSpec['roles'],
        resources: poolResources(resources),
        storage: {
          type: 'jbod',
          volumes: [{ id: 0, type: 'persistent-claim', size, class: ctx.storageClass, deleteClaim: false, kraftMetadata: 'shared' }],
        } as KafkaNodePoolSpec['storage'],
      },
    });
  if (s.dedicatedControllers) {
    pool('ControllerPool', `${ctx.name}-controllers`, s.controllers.replicas, ['controller'], s.controllers.storageSize, s.controllers.resources);
    pool('BrokerPool', `${ctx.name}-brokers`, ctx.replicas, ['broker'], ctx.storageSize, ctx.resources);
  } else {
    pool('NodePool', `${ctx.name}-nodes`, ctx.replicas, ['controller', 'broker'], ctx.storageSize, ctx.resources);
  }
}

/** One KafkaUser per client (ACLs for its topics), and with SCRAM the ExternalSecret its password comes from. */
function addUsers(scope: Construct, ctx: EngineContext, common: ExtraObjectContext, s: KafkaSettings): void {
  const clients = new Map<string, IWorkload>();
  for (const w of common.clients()) clients.set(`${w.namespace}/${w.workloadName}`, w);
  // A topic's producers and consumers must be clients: the NetworkPolicies only admit those.
  s.topics.forEach((t, i) => {
    for (const [field, list] of [
      ['producers', t.producers],
      ['consumers', t.consumers],
    ] as const) {
      list.forEach((r, j) => {
        if (!clients.has(`${r.namespace}/${r.name}`)) {
          fail(
            ctx.path,
            `engine.topics[${i}].${field}[${j}]`,
            `${r.namespace}/${r.name}`,
            `is not a client of ${ctx.namespace}/${ctx.name}; connect it (connectsTo, or the datastore's clients)`,
          );
        }
      });
    }
  });
  const is = (r: KafkaClientRef, w: IWorkload) => r.name === w.workloadName && r.namespace === w.namespace;
  for (const w of [...clients.values()].sort((a, b) => compareText(kafkaUserName(refOf(a)), kafkaUserName(refOf(b))))) {
    const user = kafkaUserName(refOf(w));
    if (s.authentication.type === 'tls' && user.length > 64) {
      fail(ctx.path, 'clients', user, "is longer than 64 characters, the most a TLS certificate's common name holds; shorten the namespace or workload name");
    }
    const acls: DocObject[] = [];
    for (const t of s.topics) {
      if (t.producers.some((r) => is(r, w)))
        acls.push({ type: 'allow', resource: { type: 'topic', name: t.name, patternType: 'literal' }, operations: ['Write', 'Describe'] });
      if (t.consumers.some((r) => is(r, w)))
        acls.push({ type: 'allow', resource: { type: 'topic', name: t.name, patternType: 'literal' }, operations: ['Read', 'Describe'] });
    }
    if (s.topics.some((t) => t.consumers.some((r) => is(r, w)))) {
      // Consumer groups are named after the client (`<workload>` or `<workload>-...`).
      acls.push({ type: 'allow', resource: { type: 'group', name: w.workloadName, patternType: 'prefix' }, operations: ['Read'] });
    }
    const scram = s.authentication.type === 'scram-sha-512';
    if (scram) {
      addExternalSecret(scope, `UserPassword-${user}`, {
        name: userPasswordSecret(user),
        namespace: ctx.namespace,
        labels: common.labels,
        annotations: common.protectAnnotations,
        data: [{ secretKey: 'password', remoteKey: `${common.credentialRemoteKey}/users/${user}`, property: 'password' }],
      });
    }
    new KafkaUser(scope, `User-${user}`, {
      metadata: { name: user, namespace: ctx.namespace, labels: { ...common.labels, 'strimzi.io/cluster': ctx.name } },
      spec: {
        authentication: (scram
          ? { type: 'scram-sha-512', password: { valueFrom: { secretKeyRef: { name: userPasswordSecret(user), key: 'password' } } } }
          : { type: 'tls' }) as KafkaUserSpec['authentication'],
        authorization: { type: 'simple', acls } as KafkaUserSpec['authorization'],
      },
    });
  }
}

function refOf(w: IWorkload): KafkaClientRef {
  return { name: w.workloadName, namespace: w.namespace };
}

/**
 * NetworkPolicies of the pods Strimzi runs for the cluster. The namespace's default deny applies to them like to any
 * pod, and the policies Strimzi itself writes only open ingress (and are not in dist/), so every connection is
 * admitted here, at both ends: clients on the listeners; brokers and controllers between themselves (9090, 9091);
 * the entity operator and the Kafka exporter to the replication listener; the Strimzi cluster operator to 9090, 9091
 * and the node agent (8443); Prometheus to the exporter; the entity operator (and brokers with rack awareness,
 * whose init container reads the node's zone) to the API server.
 */
function kafkaNetworkPolicies(scope: Construct, ctx: EngineContext, common: ExtraObjectContext, s: KafkaSettings): void {
  const profile = EnvironmentChart.of(scope).profile;
  const services = clusterServicesOf(profile);
  const api = apiServerOf(profile);
  const name = ctx.name;
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
  const policy = (id: string, policyName: string, component: string, ingress: unknown, egress: unknown[]) =>
    new ApiObject(scope, id, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: policyName, namespace: ctx.namespace, labels: common.labels },
      spec: { podSelector: { matchLabels: strimzi(component) }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
    });
  const listenerPorts = s.listeners.map((l) => l.port);
  policy(
    'NetworkPolicy',
    name,
    'kafka',
    Lazy.any({
      produce: () => {
        const clients = common.clientPeers();
        return [
          // Never an empty `from`: that would admit everyone.
          ...(clients.length > 0 ? [{ from: clients, ports: tcp(...listenerPorts) }] : []),
          { from: [brokers, operator], ports: tcp(CONTROLPLANE) },
          {
            from: [
              brokers,
              { podSelector: { matchLabels: strimzi('entity-operator') } },
              { podSelector: { matchLabels: strimzi('kafka-exporter') } },
              operator,
            ],
            ports: tcp(REPLICATION),
          },
          { from: [operator], ports: tcp(AGENT) },
        ];
      },
    }),
    [DNS_EGRESS_RULE, { to: [brokers], ports: tcp(CONTROLPLANE, REPLICATION) }, ...(ctx.highAvailability ? [apiServer] : [])],
  );
  policy(
    'EntityOperatorNetworkPolicy',
    `${name}-entity-operator`,
    'entity-operator',
    [],
    [DNS_EGRESS_RULE, { to: [brokers], ports: tcp(REPLICATION) }, apiServer],
  );
  policy(
    'ExporterNetworkPolicy',
    `${name}-kafka-exporter`,
    'kafka-exporter',
    [{ from: [prometheus], ports: tcp(EXPORTER_PORT) }],
    [DNS_EGRESS_RULE, { to: [brokers], ports: tcp(REPLICATION) }],
  );
}
