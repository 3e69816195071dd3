/**
 * The add-ons' part of an environment chart: the namespaces their controllers run in (PSS restricted, or
 * exempted with the reason), the cluster configuration they own (ClusterIssuers, ClusterSecretStores, Velero's
 * locations, ...) and the check of every chart's values.
 */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { IntOrString, KubeNetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../../imports/k8s';
import { apiServerOf, ClusterServiceWorkload } from '../core/cluster-services';
import { ConnectionGraph, IWorkload, WorkloadPort } from '../core/connections';
import { EnvironmentChart } from '../core/environment-chart';
import { fail } from '../core/errors';
import { trafficOf } from '../core/traffic-layer';
import type { EnvironmentOutput } from '../synth/synthesizer';
import { componentNetworkPolicy } from '../observability/common';
import { namespacePeer } from '../tenancy/guardrails';
import { QuotaOverrides } from '../tenancy/plan';
import { NamespaceTier } from '../gitops/delivery-group';
import { NamespaceTiers } from '../gitops/namespace-tiers';
import { PlatformNamespace } from '../tenancy/platform-namespace';
import { EnvironmentGateway } from '../traffic/environment-gateway';
import { AddOn } from './add-on';
import { CLUSTER_ADD_ONS_ID, environmentAddOns, ownsAddOns, ResolvedAddOns } from './resolution';
import { AddOnContext, AddOnControllerPods, AddOnNamespaceSpec, AddOnPeer, AddOnTraffic } from './definition';
import { checkChartValues, mergeValues, pruneUndefined } from './values-check';
import { ClusterAdminBinding, clusterAdminBindingOf, clusterAdminProblems } from './cluster-admin';

/** Label on the namespaces of add-ons (their delivery tier). */
export const LABEL_ADD_ON = 'platform.io/add-on';

const SYMBOL = Symbol.for('cdk8s-platform.ClusterAddOns');

/** Name of the NetworkPolicy every add-on namespace gets: API server egress, scraping by Prometheus. */
export const ADD_ON_BASELINE_POLICY = 'add-on-baseline';

/** One namespace of the add-ons with the add-ons running there. */
export interface AddOnNamespace {
  readonly name: string;
  readonly addOns: readonly string[];
  /** Reasons its pods cannot run PSS restricted; empty when restricted is enforced. */
  readonly exemptions: readonly string[];
  /** Quota entries over the platform plan's. */
  readonly quota: QuotaOverrides;
}

/** An add-on controller as a workload of the connection graph (its pods are not in dist/; its policy is). */
class AddOnControllerWorkload extends Construct implements IWorkload {
  public readonly workloadName: string;
  public readonly namespace: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  public readonly clientPorts: readonly WorkloadPort[];
  public constructor(scope: Construct, id: string, name: string, c: AddOnControllerPods) {
    super(scope, id);
    this.workloadName = name;
    this.namespace = c.namespace;
    this.podSelector = { ...c.podLabels };
    this.clientPorts = c.ports ?? [];
  }
}

function peerOf(p: AddOnPeer): NetworkPolicyPeer {
  if (p === 'anywhere') return { ipBlock: { cidr: '0.0.0.0/0' } };
  if (p === 'cluster') return { namespaceSelector: {} };
  return { ...namespacePeer(p.namespace), ...(p.podLabels && Object.keys(p.podLabels).length > 0 ? { podSelector: { matchLabels: { ...p.podLabels } } } : {}) };
}

function portsOf(t: AddOnTraffic): NetworkPolicyPort[] | undefined {
  if (t.ports.length === 0) return undefined;
  return t.ports.map((port) => ({ protocol: t.protocol ?? 'TCP', port: IntOrString.fromNumber(port) }));
}

/**
 * The environment's add-ons as constructs. Create it after the environment's other constructs (the GitOps
 * delivery does, with {@link ClusterAddOns.of}, when synth starts): the add-ons derived for a profile without
 * `addOns`, their values and their configuration read what the environment contains.
 */
export class ClusterAddOns extends Construct {
  /** The environment's ClusterAddOns, created on first use. */
  public static of(environment: EnvironmentChart): ClusterAddOns {
    const existing = environment.node.tryFindChild(CLUSTER_ADD_ONS_ID);
    if (existing && SYMBOL in existing) return existing as unknown as ClusterAddOns;
    return new ClusterAddOns(environment);
  }

  /** The environment's ClusterAddOns if they were created (the GitOps delivery creates them), else undefined. */
  public static tryOf(environment: EnvironmentChart): ClusterAddOns | undefined {
    const existing = environment.node.tryFindChild(CLUSTER_ADD_ONS_ID);
    return existing && SYMBOL in existing ? (existing as unknown as ClusterAddOns) : undefined;
  }

  public readonly resolved: ResolvedAddOns;
  public readonly namespaces: readonly AddOnNamespace[];
  /** Add-ons whose chart values bind the built-in ClusterRole cluster-admin (declared, or a synth error). */
  public readonly clusterAdminBindings: ClusterAdminBinding[] = [];
  private readonly values = new Map<string, Record<string, unknown>>();
  private readonly environment: EnvironmentChart;

  private constructor(environment: EnvironmentChart) {
    super(environment, CLUSTER_ADD_ONS_ID);
    Object.defineProperty(this, SYMBOL, { value: true });
    this.environment = environment;
    const profile = environment.profile;
    this.resolved = environmentAddOns(environment);
    const addOns = this.resolved.addOns;
    checkProfileAgreement(this, addOns);

    const existing = new Set<string>();
    for (const c of environment.node.findAll()) {
      if (c instanceof ApiObject && c.kind === 'Namespace' && c.apiVersion === 'v1' && c.metadata.name) existing.add(c.metadata.name);
    }
    this.namespaces = addOnNamespaces(addOns, profile);
    const monitoring = profile.monitoring.namespace;
    const apiServer = apiServerOf(profile);
    for (const ns of this.namespaces) {
      if (existing.has(ns.name)) {
        // Created by another construct (kube-prometheus-stack's namespace, when the stack creates it): only its tier.
        NamespaceTiers.of(this).suggest(ns.name, NamespaceTier.addOns());
      } else {
        const crds = ns.addOns.some((n) => addOns.find((a) => a.name === n)!.installsCrds);
        // The platform's guard rails (quota, limits, default deny, DNS) like every namespace of the environment.
        new PlatformNamespace(this, `Namespace-${ns.name}`, {
          name: ns.name,
          // Delivered right after the add-ons, with the cluster configuration (Velero's locations live here).
          tier: NamespaceTier.addOns(),
          concern: ns.addOns.join('.'),
          team: 'platform',
          quotaOverrides: Object.keys(ns.quota).length > 0 ? ns.quota : undefined,
          ...(ns.exemptions.length > 0 ? { exemptFromRestricted: { reason: ns.exemptions.join('; ') } } : {}),
          // A CRD-carrying controller's namespace is never pruned: without the controller its objects are stuck.
          protect: crds || profile.protectStatefulResources,
        });
      }
      // Every add-on pod is a Kubernetes client, and Prometheus may scrape it.
      new KubeNetworkPolicy(this, `Baseline-${ns.name}`, {
        metadata: { name: ADD_ON_BASELINE_POLICY, namespace: ns.name, labels: { [LABEL_ADD_ON]: ns.addOns.join('.') } },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress', 'Egress'],
          ingress:
            ns.name === monitoring
              ? []
              : [{ from: [{ ...namespacePeer(monitoring), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }] }],
          egress: [
            {
              to: apiServer.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
              ports: apiServer.ports.map((p) => ({ protocol: 'TCP', port: IntOrString.fromNumber(p) })),
            },
          ],
        },
      });
    }

    const graph = ConnectionGraph.of(this);
    for (const a of addOns) {
      const scope = new Construct(this, a.name);
      const ctx = this.context(a);
      a.definition.configure?.(scope, ctx);
      for (const c of a.definition.controllers?.(ctx) ?? []) {
        // A controller that is a cluster service is that graph node: the connections the platform declares to and
        // from it (analysis, scalers, ingress) land in its NetworkPolicy.
        const w: IWorkload =
          c.clusterService !== undefined
            ? ClusterServiceWorkload.of(this, c.clusterService)
            : new AddOnControllerWorkload(scope, `controller-${c.component}`, c.workloadName ?? `${a.name}-${c.component}`, c);
        graph.register(w);
        for (const ref of c.connectsTo ?? []) graph.connectIfRegistered(w, ref, undefined, `addOns.${a.name}.${c.component}.connectsTo`);
        componentNetworkPolicy(w, w, {
          ingress: (c.ingress ?? []).map((t) => ({ from: t.peers.map(peerOf), ports: portsOf(t) })),
          egress: (c.egress ?? []).map((t) => ({ to: t.peers.map(peerOf), ports: portsOf(t) })),
        });
      }
      const merged = pruneUndefined(mergeValues(a.definition.values(ctx), a.extraValues));
      this.values.set(a.name, merged);
      const admin = clusterAdminBindingOf(a, merged);
      if (admin) {
        this.clusterAdminBindings.push(admin);
        scope.node.addValidation({ validate: () => clusterAdminProblems(admin) });
      }
      const data = a.chart.data;
      if (!data) continue;
      scope.node.addValidation({
        validate: () =>
          checkChartValues(data, merged, a.definition.openValuePaths).map(
            (p) =>
              `add-on ${a.name}: values${p.path ? `.${p.path}` : ''}: ${p.message} (chart ${data.chart} ${data.version}${a.chart.version !== data.version ? `, installed as ${a.chart.version}` : ''})`,
          ),
      });
    }
  }

  /** The context add-on definitions see. */
  public context(a: AddOn): AddOnContext {
    return { profile: this.environment.profile, environment: this.environment, namespace: a.namespace, addOns: this.resolved.addOns };
  }

  /** The values passed to `a`'s chart: the platform's, merged with the add-on's extra values. */
  public valuesOf(a: AddOn): Record<string, unknown> {
    const v = this.values.get(a.name);
    if (!v) throw new Error(`${this.node.path}: no add-on ${a.name}`);
    return v;
  }

  /** Namespaces `a`'s chart writes to besides its own (Argo CD destinations). */
  public destinationsOf(a: AddOn): string[] {
    const own = (a.definition.namespaces?.(this.context(a)) ?? [{ name: a.namespace }]).map((n) => n.name);
    return [...new Set([...own, ...(a.definition.destinations?.(this.context(a)) ?? [])])].sort();
  }
}

/** The namespaces of the add-ons, merged (add-ons may share one), sorted by name. */
export function addOnNamespaces(addOns: readonly AddOn[], profile: EnvironmentChart['profile']): AddOnNamespace[] {
  const by = new Map<string, { addOns: string[]; exemptions: string[]; quota: QuotaOverrides }>();
  for (const a of addOns) {
    const specs: readonly AddOnNamespaceSpec[] = a.definition.namespaces?.({ profile, namespace: a.namespace }) ?? [{ name: a.namespace }];
    for (const s of specs) {
      const e = by.get(s.name) ?? { addOns: [], exemptions: [], quota: {} };
      e.addOns.push(a.name);
      if (s.exemption !== undefined && !e.exemptions.includes(s.exemption)) e.exemptions.push(s.exemption);
      e.quota = { ...e.quota, ...s.quota };
      by.set(s.name, e);
    }
  }
  return [...by.entries()].sort(([x], [y]) => (x < y ? -1 : 1)).map(([name, e]) => ({ name, addOns: e.addOns, exemptions: e.exemptions, quota: e.quota }));
}

/** The profile's own settings must agree with the add-ons that serve them. */
function checkProfileAgreement(scope: IConstruct, addOns: readonly AddOn[]): void {
  const profile = EnvironmentChart.of(scope).profile;
  const traffic = trafficOf(profile);
  for (const a of addOns) {
    const provides = a.definition.provides?.({ profile, namespace: a.namespace }) ?? {};
    if (traffic.kind === 'ingress' && (provides.ingressClasses ?? []).includes(traffic.className) && a.namespace !== traffic.controllerNamespace) {
      fail(
        scope,
        'profile.traffic.controllerNamespace',
        traffic.controllerNamespace,
        `must be "${a.namespace}", the namespace of the ${a.name} add-on serving ingress class "${traffic.className}" (exposed services admit that namespace)`,
      );
    }
  }
  const served = (kind: 'ingressClasses' | 'gatewayClasses', name: string) =>
    addOns.some((a) => (a.definition.provides?.({ profile, namespace: a.namespace })[kind] ?? []).includes(name));
  const provided = traffic.kind === 'gatewayApi' ? profile.clusterProvides?.gatewayClasses : profile.clusterProvides?.ingressClasses;
  // Only where the environment routes through the layer: an environment exposing nothing needs no implementation.
  const chart = EnvironmentChart.of(scope);
  const usesGateway = traffic.kind === 'gatewayApi' && EnvironmentGateway.exists(chart);
  const usesIngress = traffic.kind === 'ingress' && chart.node.findAll().some((c) => c instanceof ApiObject && c.kind === 'Ingress');
  if (usesGateway && !served('gatewayClasses', traffic.className) && !(provided ?? []).includes(traffic.className)) {
    fail(
      scope,
      'profile.traffic',
      `Gateway API, class "${traffic.className}"`,
      `no add-on serves GatewayClass "${traffic.className}": add AddOn.envoyGateway() to profile.addOns (it replaces AddOn.ingressNginx()), declare the class in profile.clusterProvides.gatewayClasses, or keep Ingress with traffic: TrafficLayer.ingress({ className, controllerNamespace })`,
    );
  }
  if (usesIngress && !served('ingressClasses', traffic.className) && !(provided ?? []).includes(traffic.className)) {
    fail(
      scope,
      'profile.traffic',
      `Ingress, class "${traffic.className}"`,
      `no add-on serves IngressClass "${traffic.className}": add AddOn.ingressNginx() to profile.addOns, or declare the class in profile.clusterProvides.ingressClasses`,
    );
  }
  const kps = addOns.find((a) => a.name === 'kube-prometheus-stack');
  if (kps && !profile.monitoring.mode.usesOperator) {
    fail(
      scope,
      'profile.addOns',
      kps.name,
      'runs prometheus-operator, which only operator monitoring mode uses; set profile.monitoring.mode to MonitoringMode.operator() or remove the add-on',
    );
  }
  if (kps && kps.namespace !== profile.monitoring.namespace) {
    fail(scope, 'profile.monitoring.namespace', profile.monitoring.namespace, `must be "${kps.namespace}", the namespace of the kube-prometheus-stack add-on`);
  }
}

/**
 * The add-ons of a synthesized environment whose charts bind cluster-admin, for its own output (its delivery charts
 * share its add-ons and list nothing); empty when no add-on is emitted.
 */
export function clusterAdminBindingsOfOutput(env: EnvironmentOutput): readonly ClusterAdminBinding[] {
  if (!env.chart || !ownsAddOns(env)) return [];
  return ClusterAddOns.tryOf(env.chart)?.clusterAdminBindings ?? [];
}
