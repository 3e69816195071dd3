import { Construct } from 'constructs';
import { ConnectionGraph, ExternalEndpoint, IWorkload, WorkloadPort, WorkloadRef } from '../core/connections';
import { Endpoint, EndpointAuth, EndpointTls, IEndpointProvider, findEndpoint } from '../core/endpoint';
import { EnvironmentChart } from '../core/environment-chart';
import { NamespaceTiers } from '../gitops/namespace-tiers';
import { fail, uniqueId } from '../core/errors';
import { addBackupJob, addRestoreJob, addVeleroSchedule, withRestoreInit } from './backup-restore';
import { addBackupCredentials, addCredentials, addRestoreCredentials } from './credentials';
import { Engine } from './engine';
import { addManagedService } from './managed';
import { recordAddOnUse } from '../addons/resolution';
import { addMonitoring } from './monitoring';
import { addNetworkPolicy, clientPeers } from './network-policy';
import { StatefulDatastoreProps } from './props';
import { RecoveryRegistry } from '../core/recovery-registry';
import { recoveryEntry } from './recovery';
import { resolveDatastore } from './resolve';
import { addStatefulSets } from './statefulset';
import { EngineEndpoint, ExtraObjectContext, RestoreSource } from './types';

const STATEFUL_DATASTORE_SYMBOL = Symbol.for('cdk8s-platform.StatefulDatastore');

/**
 * A datastore that never loses data: StatefulSets with retained volumes, headless and client Services, HA
 * layouts from the profile, credentials only through an ExternalSecret, dump CronJob and Velero schedule,
 * exporter and alert rules, a NetworkPolicy built from the connection graph, a token-less ServiceAccount per
 * workload (never the namespace's `default`), and Argo CD guards. With
 * `managed`, the same construct points clients at a managed service instead.
 *
 * The props are resolved against the profile and the engine first (`resolve.ts`, no construct involved); each part
 * then lives in its own file: StatefulSets and Services, backup and restore, credentials, managed mode, network
 * policy, monitoring.
 */
export class StatefulDatastore extends Construct implements IEndpointProvider {
  /** Whether `x` is a StatefulDatastore, also one made by another copy of this package (`instanceof` is not). */
  public static isStatefulDatastore(x: unknown): x is StatefulDatastore {
    return x !== null && typeof x === 'object' && STATEFUL_DATASTORE_SYMBOL in x;
  }

  public readonly workloadName: string;
  public readonly namespace: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  public readonly clientPorts: readonly WorkloadPort[];
  public readonly external?: ExternalEndpoint;
  /** Client Service name (the same in-cluster and managed: applications never change). */
  public readonly serviceName: string;
  /** Secret holding the credentials (written by the ExternalSecret of the same name). */
  public readonly credentialsSecretName: string;
  /** Data pods (0 in managed mode). */
  public readonly replicas: number;
  public readonly highAvailability: boolean;
  public readonly backupEnabled: boolean;
  /** Where an empty datastore restores from; undefined when it does not restore. */
  public readonly restoreSource?: RestoreSource;
  public readonly engine: Engine;
  /** What clients connect to: host, port, protocol, TLS and authentication (the single source of a client's settings). */
  public readonly endpoints: readonly Endpoint[];

  private readonly pendingClients: Array<{ readonly ref: WorkloadRef; readonly index: number }> = [];

  public constructor(scope: Construct, id: string, props: StatefulDatastoreProps) {
    super(scope, uniqueId(scope, id));
    Object.defineProperty(this, STATEFUL_DATASTORE_SYMBOL, { value: true });
    this.engine = props.engine;
    const r = resolveDatastore(this, props, EnvironmentChart.of(this).profile);
    const ctx = r.ctx;
    const def = r.def;
    this.workloadName = props.name;
    this.namespace = props.namespace;
    this.serviceName = props.name;
    this.credentialsSecretName = ctx.credentialsSecret;
    this.replicas = props.managed ? 0 : ctx.replicas;
    this.highAvailability = ctx.highAvailability;
    this.backupEnabled = !props.managed && ctx.backup !== undefined;
    this.restoreSource = r.restoreSource;
    this.clientPorts = r.clientPorts;
    this.external = r.external;
    this.podSelector = r.podSelector;
    this.endpoints = datastoreEndpoints(this, r, props.credentialsRemoteKey ?? `${props.namespace}/${props.name}`);

    // Its namespace is delivered in a stateful tier (never pruned, no cascade delete), managed or not.
    NamespaceTiers.of(this).holdsData(props.namespace, this);
    const graph = ConnectionGraph.of(this);
    graph.register(this);
    (props.clients ?? []).forEach((c, i) => {
      if ('node' in c) graph.connect(c as IWorkload, this, undefined, `clients[${i}]`);
      else this.pendingClients.push({ ref: c as WorkloadRef, index: i });
    });
    // Client references resolve at synth, after every workload is declared, but before any NetworkPolicy renders.
    this.node.addValidation({ validate: () => this.resolveClientRefs() });

    RecoveryRegistry.of(this).register(recoveryEntry(this, props, r));
    addCredentials(this, r, props);
    if (props.managed) {
      addManagedService(this, r, props.managed);
      return;
    }
    // The engine's operators: an environment without profile.addOns derives them (the kinds check covers listed ones).
    for (const name of def.requires ?? []) recordAddOnUse(this, name);
    if (ctx.backup && (def.backup || def.objectStoreBackups)) addBackupCredentials(this, r, props, ctx.backup);
    if (r.restoreSource) addRestoreCredentials(this, r, props, r.restoreSource);
    const common: ExtraObjectContext = {
      labels: r.labels,
      protectAnnotations: r.protect,
      pullPolicy: r.profile.imagePolicy.pullPolicy,
      clientPeers: () => clientPeers(this),
      clients: () =>
        ConnectionGraph.of(this)
          .ingressOf(this)
          .map((c) => c.from),
      credentialRemoteKey: props.credentialsRemoteKey ?? `${props.namespace}/${props.name}`,
    };
    if (!def.operatorManaged) {
      const [first, ...others] = def.roles(ctx);
      if (!first) fail(this, 'engine', def.id, 'declares no role; an engine the library runs itself needs at least one StatefulSet');
      const restore = r.restoreSource ? def.restore!(ctx, r.restoreSource) : undefined;
      const primary = restore?.mode === 'init' ? withRestoreInit(r, props, first, r.restoreSource!, restore) : first;
      addStatefulSets(this, r, [primary, ...others]);
      addNetworkPolicy(this, r);
      if (ctx.backup && def.backup) addBackupJob(this, r, props, ctx.backup, primary.uid);
      if (restore?.mode === 'job') addRestoreJob(this, r, props, r.restoreSource!, restore, primary.uid);
    }
    def.extraObjects?.(this, ctx, common);
    if (ctx.backup) addVeleroSchedule(this, r, props, ctx.backup);
    addMonitoring(this, r, props);
  }

  /** The endpoint `name` (e.g. `rw`); a PlatformConfigError lists the endpoints when there is none. */
  public endpoint(name: string): Endpoint {
    return findEndpoint(this, name, this.node.path, 'endpoint');
  }

  private resolveClientRefs(): string[] {
    const graph = ConnectionGraph.of(this);
    const known = graph.allWorkloads();
    // Validation may run more than once; each reference is connected once.
    for (const { ref, index } of this.pendingClients.splice(0)) {
      const ns = ref.namespace ?? this.namespace;
      const w = known.find((k) => k.namespace === ns && k.workloadName === ref.name);
      if (!w) {
        const names =
          known
            .filter((k) => k !== this)
            .map((k) => `${k.namespace}/${k.workloadName}`)
            .join(', ') || 'none';
        fail(this, `clients[${index}]`, `${ns}/${ref.name}`, `no workload named "${ref.name}" in namespace "${ns}"; known workloads: ${names}`);
      }
      graph.connect(w, this, undefined, `clients[${index}]`);
    }
    return [];
  }
}

/**
 * The engine's endpoints (or its default: one plain endpoint per client port), hosts resolved to Service FQDNs. A
 * managed datastore offers only the endpoints of its client Service on the managed port (no Sentinel, no replicas).
 */
function datastoreEndpoints(server: StatefulDatastore, r: ReturnType<typeof resolveDatastore>, credentialRemoteKey: string): Endpoint[] {
  let specs: EngineEndpoint[] =
    r.def.endpoints?.(r.ctx, credentialRemoteKey) ??
    r.def.clientPorts(r.ctx).map((port) => ({
      name: port.name,
      service: r.ctx.name,
      port,
      protocol: port.name,
      tls: EndpointTls.disabled(),
      auth:
        r.def.credentialKeys.length > 0
          ? EndpointAuth.password('', { remoteKey: credentialRemoteKey, passwordProperty: r.def.credentialKeys[0]! })
          : EndpointAuth.none(),
    }));
  // A managed service has one name (the ExternalName alias `<name>`) for every endpoint, and only its own port: the
  // endpoints on other ports (Sentinel, ...) do not exist there.
  if (r.external) specs = specs.filter((s) => r.clientPorts.some((p) => p.name === s.port.name));
  return specs.map((s) => {
    const port = r.clientPorts.find((p) => p.name === s.port.name) ?? s.port;
    return new Endpoint(server, {
      name: s.name,
      host: r.ctx.serviceFqdn(r.external ? r.ctx.name : s.service),
      port,
      protocol: s.protocol,
      // The provider's certificate, not one the engine's CA signed.
      tls: r.external && s.tls.enabled ? EndpointTls.required() : s.tls,
      auth: s.auth,
      clientCredential: s.clientCredential,
      clientPorts: (s.clientPorts ?? [s.port]).map((p) => r.clientPorts.find((c) => c.name === p.name) ?? p),
      attributes: s.attributes,
    });
  });
}
