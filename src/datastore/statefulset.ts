/** The in-cluster datastore: its ConfigMap, a StatefulSet per role, the headless, client and read Services, PDBs. */
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { IntOrString, KubeConfigMap, KubePodDisruptionBudget, KubeService, ServicePort } from '../../imports/k8s';
import { PEER_PORTS_ANNOTATION, WorkloadPort } from '../core/connections';
import { LABEL_COMPONENT, selectorLabels } from '../core/labels';
import { restrictedPodSecurityContext } from '../core/security';
import { addServiceAccount, container, datastoreObject } from './common';
import { DATASTORE_MEMBER_LABEL } from './props';
import { ResolvedDatastore } from './resolve';
import { EngineContext, majority, RoleSpec } from './types';
import { DocObject } from '../core/documents';

/** Every StatefulSet of the datastore and what selects or protects its pods. */
export function addStatefulSets(scope: Construct, r: ResolvedDatastore, roles: readonly RoleSpec[]): void {
  const ctx = r.ctx;
  const def = r.def;
  const config = def.config(ctx);
  const checksum = createHash('sha256').update(JSON.stringify(config)).digest('hex');
  new KubeConfigMap(scope, 'Config', { metadata: { name: ctx.configMap, namespace: ctx.namespace, labels: r.labels }, data: config });
  roles.forEach((role) => addStatefulSet(scope, r, role, checksum));

  const member = { ...selectorLabels(ctx.name), [DATASTORE_MEMBER_LABEL]: 'true' };
  const allPorts = uniquePorts(roles.flatMap((x) => x.ports));
  const servicePorts = (ports: readonly WorkloadPort[]): ServicePort[] =>
    ports.map((p) => ({ name: p.name, port: p.port, targetPort: IntOrString.fromString(p.name), protocol: p.protocol ?? 'TCP' }));
  const metadata = (name: string, labels: Record<string, string>, annotations?: Record<string, string>) => ({
    name,
    namespace: ctx.namespace,
    labels,
    annotations,
  });
  // Which of these ports the members use between themselves: the flow proof checks the policies admit them.
  const peerPortNames = def
    .peerPorts(ctx)
    .map((p) => p.name)
    .filter((n) => allPorts.some((p) => p.name === n));
  const headlessAnnotations = { ...r.protect, ...(peerPortNames.length > 0 ? { [PEER_PORTS_ANNOTATION]: peerPortNames.join(',') } : {}) };
  new KubeService(scope, 'HeadlessService', {
    metadata: metadata(ctx.headlessService, { ...r.labels, 'platform.io/service-role': 'headless' }, headlessAnnotations),
    spec: {
      clusterIp: 'None',
      // Peers must resolve each other before they are ready (cluster bootstrap, replica cloning).
      publishNotReadyAddresses: true,
      selector: member,
      ports: servicePorts(allPorts),
    },
  });
  const services = def.services?.(ctx) ?? [
    { name: ctx.name, component: def.clientComponent, ports: r.clientPorts },
    ...(def.readComponent && roles.some((x) => x.component === def.readComponent)
      ? [{ name: `${ctx.name}-read`, component: def.readComponent, ports: r.clientPorts }]
      : []),
  ];
  for (const s of services) {
    // Construct ids are API: the client and read Services keep theirs.
    const id = s.name === ctx.name ? 'Service' : s.name === `${ctx.name}-read` ? 'ReadService' : `Service${s.name.slice(ctx.name.length)}`;
    new KubeService(scope, id, {
      metadata: metadata(s.name, r.labels, r.protect),
      spec: { type: 'ClusterIP', selector: s.component ? { ...member, [LABEL_COMPONENT]: s.component } : member, ports: servicePorts(s.ports) },
    });
  }
  if (ctx.highAvailability) {
    for (const role of roles.filter((x) => x.replicas >= 2)) {
      new KubePodDisruptionBudget(scope, `Pdb${role.suffix}`, {
        metadata: metadata(`${ctx.name}${role.suffix}`, r.labels),
        spec: {
          selector: { matchLabels: roleSelector(ctx.name, role) },
          // Voting roles keep a majority; data replicas lose at most one pod at a time.
          ...(role.quorum ? { minAvailable: IntOrString.fromNumber(majority(role.replicas)) } : { maxUnavailable: IntOrString.fromNumber(1) }),
        },
      });
    }
  }
}

/** One role's StatefulSet `<name><suffix>` with retained volumes, its ServiceAccount and spread in HA. */
function addStatefulSet(scope: Construct, r: ResolvedDatastore, role: RoleSpec, checksum: string): void {
  const ctx: EngineContext = r.ctx;
  const selector = roleSelector(ctx.name, role);
  const podLabels = { ...r.labels, ...selector, [DATASTORE_MEMBER_LABEL]: 'true' };
  const annotations: Record<string, string> = { 'checksum/config': checksum };
  const metrics = r.def.metrics;
  if (role.metrics && metrics && !r.profile.monitoring.mode.usesOperator) {
    annotations['prometheus.io/scrape'] = 'true';
    annotations['prometheus.io/port'] = String(metrics.port.port);
    annotations['prometheus.io/path'] = metrics.path;
  }
  const spread = ctx.highAvailability && role.replicas > 1;
  const name = `${ctx.name}${role.suffix}`;
  const labels = { ...r.labels, [LABEL_COMPONENT]: role.component };
  addServiceAccount(scope, r, `ServiceAccount${role.suffix}`, name, labels);
  const podSpec: DocObject = {
    serviceAccountName: name,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext({ runAsUser: role.uid, fsGroup: role.uid }),
    terminationGracePeriodSeconds: role.terminationGracePeriodSeconds ?? 60,
    initContainers: role.initContainers?.map((c) => container(r, c)),
    containers: role.containers.map((c) => container(r, c)),
    volumes: role.volumes,
  };
  if (spread) {
    // Never two pods of a role on one node; spread over zones as far as the cluster allows.
    podSpec.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } }],
      },
    };
    podSpec.topologySpreadConstraints = [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
    ];
  }
  const claims =
    role.storageSize === undefined
      ? undefined
      : [
          {
            // Labels here are immutable: only the stable selector labels.
            metadata: { name: 'data', labels: selector, annotations: Object.keys(r.protect).length > 0 ? r.protect : undefined },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: ctx.storageClass,
              resources: { requests: { storage: role.storageSize } },
            },
          },
        ];
  // Untyped: the pod spec holds the engine's plain-JSON containers (see datastoreObject).
  datastoreObject(
    scope,
    r,
    `StatefulSet${role.suffix}`,
    'apps/v1',
    'StatefulSet',
    { name, labels, annotations: r.protect },
    {
      spec: {
        serviceName: ctx.headlessService,
        replicas: role.replicas,
        selector: { matchLabels: selector },
        podManagementPolicy: role.podManagementPolicy,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        // Volumes outlive the StatefulSet and scale-downs: data is only ever deleted by a human.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        revisionHistoryLimit: 5,
        minReadySeconds: 10,
        template: { metadata: { labels: podLabels, annotations }, spec: podSpec },
        volumeClaimTemplates: claims,
      },
    },
  );
}

/** Labels that select one role's pods: the StatefulSet selector (immutable, so never more than this). */
function roleSelector(name: string, role: RoleSpec): Record<string, string> {
  return { ...selectorLabels(name), [LABEL_COMPONENT]: role.component };
}

/** Ports by name, first occurrence wins. */
export function uniquePorts(ports: readonly WorkloadPort[]): WorkloadPort[] {
  const seen = new Map<string, WorkloadPort>();
  for (const p of ports) if (!seen.has(p.name)) seen.set(p.name, p);
  return [...seen.values()];
}
