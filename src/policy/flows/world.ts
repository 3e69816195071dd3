/**
 * Everything the flow proof knows about one environment, indexed once: the pods (templates in `dist/`, the pods
 * Strimzi creates from a Kafka resource and CloudNativePG from a Cluster or Pooler, the cluster services of the
 * profile), namespaces and their labels, Services (with the ones CloudNativePG creates), and how a host name (`svc.ns.svc`, `pod.svc.ns.svc`, `kubernetes.default.svc`, anything else)
 * resolves to endpoints and ports.
 */
import { ClusterServiceName, apiServerOf, clusterServicesOf, nodeCidrsOf } from '../../core/cluster-services';
import type { ConnectionRecord } from '../../core/connections';
import type { EnvironmentOutput, SynthDocument } from '../../synth/synthesizer';
import { PodView, PolicyIndex, labelsOf, nameOf, namespaceOf } from '../policy-index';
import { IpSet, PUBLIC_INTERNET } from './cidr';
import { AddressEndpoint, DeclaredPort, Endpoint, PodEndpoint, Protocol } from './model';
import { LabelSelector, Labels, NAMESPACE_NAME_LABEL, labelSelectorMatches } from './selector';
import { strimziPods } from './strimzi';
import { DocObject, DocValue } from '../../core/documents';

export { NAMESPACE_NAME_LABEL };

/** A connection target: an endpoint and the port the packets reach it on. */
export interface Target {
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol: Protocol;
}

/** A host name the proof could not map to an endpoint, with why. */
export interface Unresolved {
  readonly from: string;
  readonly address: string;
  readonly origin: string;
  readonly reason: string;
}

const API_HOSTS = new Set(['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']);
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DEFAULT_SCHEME_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, grpc: 80, grpcs: 443 };

function obj(v: unknown): DocObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : undefined;
}

function protocolOf(v: unknown): Protocol {
  return v === 'UDP' || v === 'SCTP' ? v : 'TCP';
}

/** Ports the pod's containers (and restartable init containers, i.e. sidecars) declare. */
export function declaredPorts(pod: PodView): DeclaredPort[] {
  const out: DeclaredPort[] = [];
  for (const c of pod.containers) {
    if (c.kind === 'ephemeralContainer' || (c.kind === 'initContainer' && c.container.restartPolicy !== 'Always')) continue;
    for (const p of Array.isArray(c.container.ports) ? c.container.ports : []) {
      if (typeof p?.containerPort !== 'number') continue;
      out.push({ ...(typeof p.name === 'string' ? { name: p.name } : {}), port: p.containerPort, protocol: protocolOf(p.protocol) });
    }
  }
  return out;
}

/** A Service as the proof needs it. */
export interface ServiceView {
  readonly doc: SynthDocument;
  readonly namespace: string;
  readonly name: string;
  readonly headless: boolean;
  readonly type: string;
  readonly externalName?: string;
  /** undefined when the Service has no selector (its Endpoints are managed by hand). */
  readonly selector?: Labels;
  readonly ports: readonly { readonly name?: string; readonly port: number; readonly targetPort: number | string; readonly protocol: Protocol }[];
}

export class FlowWorld {
  public readonly env: EnvironmentOutput;
  public readonly index: PolicyIndex;
  /** Every pod endpoint: templates in dist, Strimzi's pods, cluster services. */
  public readonly pods: readonly PodEndpoint[];
  /** Where pods get their addresses (every IPv4 address when the profile does not say). */
  public readonly podAddresses: IpSet;
  public readonly podCidrsKnown: boolean;
  public readonly apiServer: AddressEndpoint;
  public readonly apiServerPorts: readonly number[];
  public readonly kubelet: AddressEndpoint;
  public readonly clusterService: Readonly<Record<ClusterServiceName, PodEndpoint>>;
  public readonly connections: readonly ConnectionRecord[];
  /** Host names that could not be mapped (reported, not proved). */
  public readonly unresolved: Unresolved[] = [];

  private readonly namespaceLabels = new Map<string, Labels>();
  private readonly podsByNamespace = new Map<string, PodEndpoint[]>();
  private readonly podsByLabel = new Map<string, PodEndpoint[]>();
  private readonly podByView = new Map<PodView, PodEndpoint>();
  private readonly services = new Map<string, ServiceView>();
  private readonly externals = new Map<string, AddressEndpoint>();
  private readonly externalWorkloads = new Map<string, readonly string[]>();

  public constructor(env: EnvironmentOutput, index: PolicyIndex) {
    this.env = env;
    this.index = index;
    this.connections = env.connections ?? [];
    const podCidrs = env.profile.cluster.podCidrs;
    this.podCidrsKnown = podCidrs !== undefined && podCidrs.length > 0;
    this.podAddresses = this.podCidrsKnown ? IpSet.of(podCidrs!) : IpSet.ALL;

    for (const ns of index.ofKind('Namespace')) this.namespaceLabels.set(nameOf(ns), { ...labelsOf(ns), [NAMESPACE_NAME_LABEL]: nameOf(ns) });

    const pods: PodEndpoint[] = [];
    for (const view of index.pods) {
      const e: PodEndpoint = {
        kind: 'pods',
        key: `${view.namespace}/${view.kind}/${view.name}`,
        namespace: view.namespace,
        name: view.name,
        labels: view.labels,
        ports: declaredPorts(view),
        source: view.kind,
        pod: view,
        inDist: true,
      };
      pods.push(e);
      this.podByView.set(view, e);
    }
    pods.push(...strimziPods(index));
    // Pods other operators create (CloudNativePG instances and poolers), as the policy index models them.
    for (const view of index.operatorPods) {
      const e: PodEndpoint = {
        kind: 'pods',
        key: `${view.namespace}/${view.kind}/${view.name}`,
        namespace: view.namespace,
        name: view.name,
        labels: view.labels,
        ports: declaredPorts(view),
        source: `${view.kind} ${view.namespace}/${nameOf(view.doc)}`,
        pod: view,
        inDist: true,
      };
      pods.push(e);
      this.podByView.set(view, e);
    }
    const services = clusterServicesOf(env.profile);
    const clusterService = {} as Record<ClusterServiceName, PodEndpoint>;
    for (const name of Object.keys(services).sort() as ClusterServiceName[]) {
      const ref = services[name];
      const e: PodEndpoint = {
        kind: 'pods',
        key: `${ref.namespace}/ClusterService/${name}`,
        namespace: ref.namespace,
        name: name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
        labels: { ...ref.podLabels },
        ports: (ref.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: protocolOf(p.protocol) })),
        source: `profile.clusterServices.${name}`,
        inDist: false,
      };
      clusterService[name] = e;
      // The operator-mode Prometheus is only a cluster service where no Prometheus runs from dist/.
      if (
        name !== 'prometheus' ||
        !pods.some((p) => p.inDist && p.namespace === ref.namespace && labelSelectorMatches({ matchLabels: ref.podLabels }, p.labels ?? {}))
      )
        pods.push(e);
    }
    this.clusterService = clusterService;
    this.pods = pods;
    for (const p of pods) {
      push(this.podsByNamespace, p.namespace, p);
      for (const [k, v] of Object.entries(p.labels ?? {})) push(this.podsByLabel, `${p.namespace}\u0000${k}\u0000${v}`, p);
    }

    for (const svc of index.ofKind('Service')) {
      const spec = obj(svc.object.spec) ?? {};
      const selector = obj(spec.selector);
      const view: ServiceView = {
        doc: svc,
        namespace: namespaceOf(svc),
        name: nameOf(svc),
        headless: spec.clusterIP === 'None',
        type: typeof spec.type === 'string' ? spec.type : 'ClusterIP',
        ...(typeof spec.externalName === 'string' ? { externalName: spec.externalName } : {}),
        ...(selector && Object.keys(selector).length > 0 ? { selector: selector as Labels } : {}),
        ports: (Array.isArray(spec.ports) ? spec.ports : [])
          .filter((p: DocValue) => typeof p?.port === 'number')
          .map((p: DocValue) => ({
            ...(typeof p.name === 'string' ? { name: p.name } : {}),
            port: p.port,
            targetPort: typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : p.port,
            protocol: protocolOf(p.protocol),
          })),
      };
      this.services.set(`${view.namespace}/${view.name}`, view);
    }

    // The Services CloudNativePG creates for a Cluster: `<name>-rw` always, `-ro` and `-r` unless disabled.
    for (const c of index.ofKind('Cluster')) {
      if (!String(c.object.apiVersion ?? '').startsWith('postgresql.cnpg.io/')) continue;
      const name = nameOf(c);
      const disabled: unknown = obj(obj(obj(c.object.spec)?.managed)?.services)?.disabledDefaultServices;
      const roles: Array<[string, Labels]> = [
        ['rw', { 'cnpg.io/cluster': name, 'cnpg.io/instanceRole': 'primary' }],
        ['ro', { 'cnpg.io/cluster': name, 'cnpg.io/instanceRole': 'replica' }],
        ['r', { 'cnpg.io/cluster': name, 'cnpg.io/podRole': 'instance' }],
      ];
      for (const [suffix, selector] of roles) {
        if (suffix !== 'rw' && Array.isArray(disabled) && disabled.includes(suffix)) continue;
        const view: ServiceView = {
          doc: c,
          namespace: namespaceOf(c),
          name: `${name}-${suffix}`,
          headless: false,
          type: 'ClusterIP',
          selector,
          ports: [{ name: 'postgres', port: 5432, targetPort: 5432, protocol: 'TCP' }],
        };
        if (!this.services.has(`${view.namespace}/${view.name}`)) this.services.set(`${view.namespace}/${view.name}`, view);
      }
    }

    for (const c of this.connections) {
      for (const w of [c.from, c.to]) if (w.external) this.externalWorkloads.set(`${w.namespace}/${w.name}`, w.external.cidrs);
    }

    const api = apiServerOf(env.profile);
    this.apiServer = { kind: 'address', key: 'address/default/kubernetes', name: 'default/kubernetes', addresses: this.outsidePods(IpSet.of(api.cidrs)) };
    this.apiServerPorts = api.ports;
    this.kubelet = { kind: 'address', key: 'address/nodes/kubelet', name: 'nodes/kubelet', addresses: this.outsidePods(IpSet.of(nodeCidrsOf(env.profile))) };
  }

  /** Labels of a namespace: its Namespace's labels plus `kubernetes.io/metadata.name`; only that label for namespaces outside dist/. */
  public labelsOfNamespace(namespace: string): Labels {
    return this.namespaceLabels.get(namespace) ?? { [NAMESPACE_NAME_LABEL]: namespace };
  }

  /** Namespaces of the environment (those with a Namespace document). */
  public namespaces(): string[] {
    return [...this.namespaceLabels.keys()];
  }

  /** The endpoint of a pod template of dist/. */
  public endpointOf(view: PodView): PodEndpoint | undefined {
    return this.podByView.get(view);
  }

  /** Pod endpoints of `namespace` whose (known) labels `selector` matches. */
  public selectPods(namespace: string, selector: LabelSelector): PodEndpoint[] {
    let candidates = this.podsByNamespace.get(namespace) ?? [];
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
      const c = this.podsByLabel.get(`${namespace}\u0000${k}\u0000${v}`) ?? [];
      if (c.length < candidates.length) candidates = c;
      if (c.length === 0) break;
    }
    return candidates.filter((p) => p.labels !== undefined && labelSelectorMatches(selector, p.labels));
  }

  public podsIn(namespace: string): readonly PodEndpoint[] {
    return this.podsByNamespace.get(namespace) ?? [];
  }

  public service(namespace: string, name: string): ServiceView | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  public allServices(): ServiceView[] {
    return [...this.services.values()];
  }

  /** Pods a Service selects. */
  public backends(svc: ServiceView): PodEndpoint[] {
    return svc.selector ? this.selectPods(svc.namespace, { matchLabels: svc.selector }) : [];
  }

  /** Where connections to `svc` on its port `servicePort` land: each backend with the resolved target port. */
  public serviceTargets(svc: ServiceView, servicePort: ServiceView['ports'][number]): Target[] {
    const out: Target[] = [];
    for (const pod of this.backends(svc)) {
      const port = resolvePodPort(pod, servicePort.targetPort, servicePort.protocol);
      if (port !== undefined) out.push({ to: pod, port, protocol: servicePort.protocol });
    }
    return out;
  }

  /** An endpoint outside the cluster by host name: anywhere on the public internet (or its IP when it is one). */
  public external(host: string): AddressEndpoint {
    let e = this.externals.get(host);
    if (!e) {
      const ip = IPV4.test(host) ? IpSet.of([`${host}/32`]) : undefined;
      e = { kind: 'address', key: `address/external/${host}`, name: `external/${host}`, addresses: ip ?? this.outsidePods(PUBLIC_INTERNET) };
      this.externals.set(host, e);
    }
    return e;
  }

  /** A managed (external) workload of the connection graph: its declared CIDRs. */
  public externalWorkload(namespace: string, name: string, cidrs: readonly string[]): AddressEndpoint {
    const key = `address/${namespace}/${name}`;
    let e = this.externals.get(key);
    if (!e) {
      e = { kind: 'address', key, name: `${namespace}/${name}`, addresses: this.outsidePods(IpSet.of(cidrs.length > 0 ? cidrs : ['0.0.0.0/0'])) };
      this.externals.set(key, e);
    }
    return e;
  }

  /**
   * Where a connection to `host[:port]` from `sourceNamespace` lands. `scheme` gives the port when none is written.
   * In-cluster names resolve through the Services of dist/ (ClusterIP: to the target ports of the selected pods;
   * headless: to the pods on the port as written); `kubernetes.default.svc` is the API server; other names are
   * outside the cluster. Returns a reason string when the name cannot be mapped.
   */
  public resolve(host: string, port: number | undefined, sourceNamespace: string, scheme?: string): Target[] | string {
    const h = host.toLowerCase().replace(/\.$/, '');
    const p = port ?? (scheme !== undefined ? DEFAULT_SCHEME_PORTS[scheme.toLowerCase()] : undefined);
    if (API_HOSTS.has(h)) return this.apiServerPorts.map((x) => ({ to: this.apiServer, port: x, protocol: 'TCP' as Protocol }));
    if (h === 'localhost' || h.startsWith('127.') || h === '0.0.0.0' || h === '::1') return [];
    const labels = h.split('.');
    let svcLabels: string[] | undefined;
    const svcAt = labels.indexOf('svc');
    if (svcAt >= 0) {
      if (labels.slice(svcAt + 1).join('.') !== '' && labels.slice(svcAt + 1).join('.') !== 'cluster.local') return `${host}: unknown cluster domain`;
      svcLabels = labels.slice(0, svcAt);
    } else if (labels.length <= 2 && labels.every((l) => DNS_LABEL.test(l))) {
      // `svc` or `svc.ns`: a Service when dist/ has one by that name, else a host outside the cluster.
      const [name = '', ns = sourceNamespace] = labels;
      if (this.service(ns, name)) svcLabels = labels.length === 1 ? [name, sourceNamespace] : labels;
    }
    if (svcLabels === undefined) {
      if (p === undefined) return `${host}: no port`;
      return [{ to: this.external(h), port: p, protocol: 'TCP' }];
    }
    if (svcLabels.length < 2 || svcLabels.length > 3) return `${host}: not a Service or pod name`;
    const podName: string | undefined = svcLabels.length === 3 ? svcLabels[0] : undefined;
    const [svcName = '', ns = ''] = svcLabels.slice(-2);
    const svc = this.service(ns, svcName);
    if (!svc) return `${host}: no Service ${ns}/${svcName} in dist/`;
    if (svc.type === 'ExternalName') {
      const cidrs = this.externalWorkloads.get(`${ns}/${svcName}`);
      const to = cidrs ? this.externalWorkload(ns, svcName, cidrs) : this.external(svc.externalName ?? h);
      const ports = p !== undefined ? [p] : svc.ports.map((x) => x.port);
      return ports.map((x) => ({ to, port: x, protocol: 'TCP' as Protocol }));
    }
    if (podName !== undefined || svc.headless) {
      // Headless: DNS answers with pod addresses, the port is used as written.
      let pods = this.backends(svc);
      if (podName !== undefined)
        pods = pods.filter((x) => (x.pod?.kind === 'StatefulSet' ? new RegExp(`^${escapeRegex(x.name)}-\\d+$`).test(podName) : x.name === podName));
      if (pods.length === 0) return `${host}: no pod of Service ${ns}/${svcName} is named so`;
      if (p === undefined) return [];
      return pods.map((to) => ({ to, port: p, protocol: 'TCP' as Protocol }));
    }
    const servicePorts = p !== undefined ? svc.ports.filter((x) => x.port === p) : svc.ports;
    if (servicePorts.length === 0) return `${host}: Service ${ns}/${svcName} has no port ${p} (ports: ${svc.ports.map((x) => x.port).join(', ') || 'none'})`;
    const out = servicePorts.flatMap((sp) => this.serviceTargets(svc, sp));
    return out.length > 0 ? out : `${host}: Service ${ns}/${svcName} selects no pod declaring that port`;
  }

  private outsidePods(set: IpSet): IpSet {
    return this.podCidrsKnown ? set.minus(this.podAddresses) : set;
  }
}

/** The number a Service targetPort (or a named NetworkPolicy port) means on `pod`; undefined when the pod has no such named port. */
export function resolvePodPort(pod: PodEndpoint, port: number | string, protocol: Protocol): number | undefined {
  if (typeof port === 'number') return port;
  const found = (pod.ports ?? []).find((p) => p.name === port && p.protocol === protocol);
  return found?.port;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
