import { Construct } from 'constructs';
import { KubeConfigMap, KubeServiceAccount } from '../../imports/k8s';
import { ConnectionGraph, IWorkload, WorkloadPort, WorkloadRef } from '../core/connections';
import { EnvironmentChart } from '../core/environment-chart';
import { addExternalSecret } from '../core/external-secret';
import { uniqueId } from '../core/errors';
import { addAutoscaler, addPdb, addVpa } from './autoscaling';
import { addExposure, addServices } from './exposure';
import { addMonitoring } from './monitoring';
import { addNetworkPolicy } from './network-policy';
import { podTemplate } from './pod-template';
import { MicroserviceDeploymentProps } from './props';
import { addRbac } from './rbac';
import { resolveMicroservice } from './resolve';
import { addWorkload } from './rollout';
import { addConnections, resolveConnections } from './connections';

const MICROSERVICE_DEPLOYMENT_SYMBOL = Symbol.for('cdk8s-platform.MicroserviceDeployment');

/**
 * A production-grade stateless service: Deployment (or Argo Rollout), ServiceAccount, Service, HTTPRoute or Ingress,
 * ExternalSecret, ConfigMap, HPA, PDB, VPA, NetworkPolicy and monitoring, all from one props object and the
 * environment profile.
 *
 * The props are resolved against the profile first (`resolve.ts`, no construct involved); each part then lives in
 * its own file: pod template, rollout, exposure, autoscaling, RBAC, network policy, monitoring.
 */
export class MicroserviceDeployment extends Construct implements IWorkload {
  /** Whether `x` is a MicroserviceDeployment, also one made by another copy of this package (`instanceof` is not). */
  public static isMicroserviceDeployment(x: unknown): x is MicroserviceDeployment {
    return x !== null && typeof x === 'object' && MICROSERVICE_DEPLOYMENT_SYMBOL in x;
  }

  public readonly workloadName: string;
  public readonly namespace: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  public readonly clientPorts: readonly WorkloadPort[];
  /** Labels on every object of the service. */
  public readonly labels: Readonly<Record<string, string>>;
  /** Name of the Secret the ExternalSecret maintains (`<name>-secrets`). */
  public readonly secretName: string;
  /** Whether the workload is an Argo Rollout rather than a Deployment. */
  public readonly isRollout: boolean;
  /** Whether an HPA owns the replica count. */
  public readonly autoscaled: boolean;

  private connectionCount = 0;

  public constructor(scope: Construct, id: string, props: MicroserviceDeploymentProps) {
    super(scope, uniqueId(scope, id));
    Object.defineProperty(this, MICROSERVICE_DEPLOYMENT_SYMBOL, { value: true });
    const profile = EnvironmentChart.of(this).profile;
    const r = resolveMicroservice(this, props, profile);
    this.workloadName = r.name;
    this.namespace = r.namespace;
    this.podSelector = r.podSelector;
    this.secretName = r.secretName;
    this.isRollout = r.isRollout;
    this.labels = r.labels;
    this.clientPorts = r.clientPorts;
    this.autoscaled = r.autoscaling !== undefined;

    const connections = resolveConnections(this, r.name, props.connections ?? [], props.env ?? {});
    const template = podTemplate(this, r, Object.keys(connections.env).length > 0 ? { ...props, env: { ...props.env, ...connections.env } } : props);

    const meta = (name: string) => ({ name, namespace: r.namespace, labels: { ...r.labels } });
    new KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(props.name), automountServiceAccountToken: false });
    if (props.apiAccess) addRbac(this, props.apiAccess, meta(props.name));
    if (r.secrets.length > 0) {
      addExternalSecret(this, 'ExternalSecret', {
        name: r.secretName,
        namespace: r.namespace,
        labels: r.labels,
        data: r.secrets.map(([secretKey, ref]) => ({ secretKey, remoteKey: ref.key, property: ref.property, version: ref.version })),
      });
    }
    if (r.config) {
      new KubeConfigMap(this, 'ConfigMap', { metadata: meta(`${props.name}-config`), data: { ...r.config.files } });
    }
    addWorkload(this, r, template);
    if (r.ports.length > 0) addServices(this, r, props.service);
    if (r.exposure) addExposure(this, r, r.exposure);
    if (r.autoscaling) addAutoscaler(this, r, r.autoscaling);
    if (r.maxReplicas > 1) addPdb(this, r);
    if (r.verticalAutoscaling) addVpa(this, r, r.verticalAutoscaling);
    addNetworkPolicy(this, r, props);
    if (r.metrics) addMonitoring(this, r, props, r.metrics);

    ConnectionGraph.of(this).register(this);
    addConnections(this, r.labels, connections.resolved);
    for (const d of props.connectsTo ?? []) {
      if ('to' in d) this.connectsTo(d.to, d.ports);
      else this.connectsTo(d);
    }
  }

  /**
   * Declares that this service opens connections to `target` (all its client ports, or the named ones): egress
   * here and ingress there. `target` may be any workload, or a `{ name, namespace? }` reference resolved at synth.
   */
  public connectsTo(target: IWorkload | WorkloadRef, ports?: readonly string[]): this {
    ConnectionGraph.of(this).connect(this, target, ports, `connectsTo[${this.connectionCount++}]`);
    return this;
  }
}
