/**
 * Where the cluster's own services run: the platform components that live outside `dist/` (cluster DNS, the Argo
 * Rollouts controller, the Strimzi and CloudNativePG operators, the ingress controller, the operator-mode Prometheus) and the
 * Kubernetes API server. One small lookup over the environment profile, so NetworkPolicies and the flow proof
 * agree on them: the enabled add-ons (`profile.addOns`) say where their controllers run, the profile's
 * `clusterServices` override that, and documented defaults fill the rest (cluster DNS, components outside dist/).
 */
import { Construct, IConstruct } from 'constructs';
import { ConnectionGraph, IWorkload, WorkloadPort, WorkloadRef } from './connections';
import { EnvironmentChart } from './environment-chart';
import type { EnvironmentProfile } from './environment-profile';
import type { AddOn } from '../addons/add-on';
import { ENVOY_GATEWAY_NAMESPACE, envoyProxyLabels, trafficOf } from './traffic-layer';

/** A component running in the cluster but not defined by this library. */
export interface ClusterServiceRef {
  readonly namespace: string;
  /** Labels of its pods (NetworkPolicies select it with these). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Ports it accepts connections on (only DNS is connected to). @default [] */
  readonly ports?: readonly WorkloadPort[];
}

/** The cluster services the platform talks to or hears from. */
export interface ClusterServices {
  /** Cluster DNS (CoreDNS / kube-dns): every pod resolves names there. */
  readonly dns: ClusterServiceRef;
  /** The Argo Rollouts controller: runs AnalysisRuns, so it queries Prometheus. */
  readonly argoRollouts: ClusterServiceRef;
  /** The KEDA operator: evaluates ScaledObject triggers, so it queries Prometheus. */
  readonly kedaOperator: ClusterServiceRef;
  /** The Strimzi cluster operator: manages Kafka clusters, so it reaches the brokers and controllers. */
  readonly strimziOperator: ClusterServiceRef;
  /** The CloudNativePG operator: manages PostgreSQL clusters, so it reaches each instance manager's status port. */
  readonly cloudnativePg: ClusterServiceRef;
  /**
   * What forwards outside traffic to exposed ports: the ingress controller, or the Gateway's proxies (Envoy Gateway's
   * Envoy pods, not its controller).
   */
  readonly ingressController: ClusterServiceRef;
  /** The Prometheus of prometheus-operator (operator monitoring mode): scrapes ServiceMonitors and PodMonitors. */
  readonly prometheus: ClusterServiceRef;
}

export type ClusterServiceName = keyof ClusterServices;

/** Overrides of the documented defaults, per service (`profile.clusterServices`). */
export type ClusterServicesOverrides = Partial<ClusterServices>;

/** Where pods reach the Kubernetes API server (after the `kubernetes` Service's DNAT: the endpoints' addresses). */
export interface ApiServerAddress {
  /** @default ['0.0.0.0/0'] - unknown: anywhere */
  readonly cidrs?: readonly string[];
  /** Ports of the API server endpoints: 443 on EKS/GKE/AKS, 6443 on kubeadm. @default [443, 6443] - both, when unknown */
  readonly ports?: readonly number[];
}

/** Resolved {@link ApiServerAddress}. */
export interface ResolvedApiServer {
  readonly cidrs: readonly string[];
  readonly ports: readonly number[];
}

/** CIDRs of the API server when the profile does not say. */
export const DEFAULT_API_SERVER_CIDRS: readonly string[] = ['0.0.0.0/0'];
/** Ports of the API server endpoints when the profile does not say. */
export const DEFAULT_API_SERVER_PORTS: readonly number[] = [443, 6443];
/** CIDRs of the nodes (kubelet metrics on 10250) when the profile does not say. */
export const DEFAULT_NODE_CIDRS: readonly string[] = ['0.0.0.0/0'];
/** Port of the kubelet's HTTPS endpoint (metrics, cAdvisor). */
export const KUBELET_PORT = 10250;

/**
 * The documented defaults; `ingressController` and `prometheus` follow the traffic layer and `profile.monitoring`.
 * Without an add-on saying where they run, a Gateway's proxies are taken to be Envoy Gateway's (the reference
 * implementation: the proxies of the environment's Gateway in `envoy-gateway-system`; another implementation says
 * where its proxies run in `profile.clusterServices.ingressController`), and an ingress controller ingress-nginx's
 * pods in its namespace.
 */
export function defaultClusterServices(profile: Pick<EnvironmentProfile, 'name' | 'traffic' | 'ingress' | 'monitoring'>): ClusterServices {
  const traffic = trafficOf(profile);
  return {
    dns: {
      namespace: 'kube-system',
      podLabels: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
    },
    argoRollouts: { namespace: 'argo-rollouts', podLabels: { 'app.kubernetes.io/name': 'argo-rollouts' } },
    kedaOperator: { namespace: 'keda', podLabels: { 'app.kubernetes.io/name': 'keda-operator' } },
    strimziOperator: { namespace: 'strimzi', podLabels: { 'strimzi.io/kind': 'cluster-operator' } },
    cloudnativePg: { namespace: 'cnpg-system', podLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
    ingressController:
      traffic.kind === 'gatewayApi'
        ? { namespace: ENVOY_GATEWAY_NAMESPACE, podLabels: envoyProxyLabels(traffic) }
        : { namespace: traffic.controllerNamespace, podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } },
    prometheus: { namespace: profile.monitoring.namespace, podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
  };
}

/**
 * The environment's cluster services: the profile's overrides over what its add-ons say (`profile.addOns`; the
 * default add-ons agree with the defaults) over the defaults.
 */
export function clusterServicesOf(profile: EnvironmentProfile): ClusterServices {
  return { ...defaultClusterServices(profile), ...addOnClusterServices(profile, profile.addOns ?? []), ...profile.clusterServices };
}

/** Where the add-ons' controllers run, by cluster service (read from the add-on objects: no import of the catalog). */
function addOnClusterServices(profile: EnvironmentProfile, addOns: readonly AddOn[]): ClusterServicesOverrides {
  let out: ClusterServicesOverrides = {};
  for (const a of addOns) out = { ...out, ...a.definition.clusterServices?.({ profile, namespace: a.namespace }) };
  return out;
}

/** The environment's API server address, defaulted. */
export function apiServerOf(profile: EnvironmentProfile): ResolvedApiServer {
  return {
    cidrs: profile.cluster.apiServer?.cidrs ?? DEFAULT_API_SERVER_CIDRS,
    ports: profile.cluster.apiServer?.ports ?? DEFAULT_API_SERVER_PORTS,
  };
}

/** The environment's node CIDRs, defaulted. */
export function nodeCidrsOf(profile: EnvironmentProfile): readonly string[] {
  return profile.cluster.nodeCidrs ?? DEFAULT_NODE_CIDRS;
}

/**
 * A cluster service as a peer of the connection graph, so a construct can declare that it is reached by (or
 * reaches) it and both NetworkPolicies follow. One per environment and service; it emits nothing.
 */
export class ClusterServiceWorkload extends Construct implements IWorkload {
  private static readonly byChart = new WeakMap<EnvironmentChart, Map<ClusterServiceName, ClusterServiceWorkload>>();

  /** The cluster service `name` of the environment that contains `scope`. */
  public static of(scope: IConstruct, name: ClusterServiceName): ClusterServiceWorkload {
    const chart = EnvironmentChart.of(scope);
    let byName = ClusterServiceWorkload.byChart.get(chart);
    if (!byName) ClusterServiceWorkload.byChart.set(chart, (byName = new Map()));
    let w = byName.get(name);
    if (!w) byName.set(name, (w = new ClusterServiceWorkload(chart, `ClusterService-${name}`, name, clusterServicesOf(chart.profile)[name])));
    return w;
  }

  public readonly workloadName: string;
  public readonly namespace: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  public readonly clientPorts: readonly WorkloadPort[];

  private constructor(scope: Construct, id: string, name: ClusterServiceName, ref: ClusterServiceRef) {
    super(scope, id);
    this.workloadName = kebab(name);
    this.namespace = ref.namespace;
    this.podSelector = { ...ref.podLabels };
    this.clientPorts = ref.ports ?? [];
  }
}

const declared = new WeakMap<ConnectionGraph, Set<string>>();

/**
 * Declares, once per environment, that the cluster service `name` connects to the workload `to` (when one by that
 * name is registered): the workload's NetworkPolicy then admits it. `field` names the declaration in the graph.
 */
export function clusterServiceConnects(scope: IConstruct, name: ClusterServiceName, to: WorkloadRef, field: string): void {
  const graph = ConnectionGraph.of(scope);
  let seen = declared.get(graph);
  if (!seen) declared.set(graph, (seen = new Set()));
  const key = `${name}>${to.namespace ?? ''}/${to.name}`;
  if (seen.has(key)) return;
  seen.add(key);
  graph.connectIfRegistered(ClusterServiceWorkload.of(scope, name), to, undefined, field);
}

/** The Service a URL names inside the cluster (`http://<service>.<namespace>.svc[.cluster.local][:port][/...]`), if it does. */
export function serviceOfUrl(url: string): WorkloadRef | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?(:\d+)?(\/.*)?$/.exec(url);
  const [, name, , namespace] = m ?? [];
  return name !== undefined && namespace !== undefined ? { name, namespace } : undefined;
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
