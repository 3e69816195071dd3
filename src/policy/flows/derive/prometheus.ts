/**
 * Who Prometheus scrapes: the scrape jobs of every prometheus.yml mounted into a pod (Kubernetes service discovery
 * of pods, endpoints and nodes, and static targets, with the jobs' relabelling applied the way Prometheus applies
 * it), its Alertmanagers and remote-write endpoints; and, for prometheus-operator, every ServiceMonitor and
 * PodMonitor.
 */
import { KUBELET_PORT } from '../../../core/cluster-services';
import { annotationsOf, labelsOf, nameOf, namespaceOf } from '../../policy-index';
import { Endpoint, PodEndpoint } from '../model';
import { LabelSelector, labelSelectorMatches } from '../selector';
import { resolvePodPort } from '../world';
import { MountedFile, Needs, mountedFiles, parseAddress, parsedConfigText } from './common';
import { DocObject, DocValue } from '../../../core/documents';

function obj(v: unknown): DocObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : {};
}

function arr(v: unknown): DocValue[] {
  return Array.isArray(v) ? v : [];
}

const sdNames = new Map<string, string>();

/** Prometheus's label name of a Kubernetes label or annotation name. */
function sd(name: string): string {
  let v = sdNames.get(name);
  if (v === undefined) sdNames.set(name, (v = name.replace(/[^a-zA-Z0-9_]/g, '_')));
  return v;
}

const regexCache = new Map<string, RegExp>();

/** A Go (RE2) regular expression of a relabel config as an anchored JavaScript one (compiled once). */
function compileRegex(re: unknown): RegExp {
  const key = typeof re === 'string' ? re : '(.*)';
  let cached = regexCache.get(key);
  if (!cached) regexCache.set(key, (cached = translateRegex(key)));
  return cached;
}

function translateRegex(re: string): RegExp {
  let src = re;
  let flags = '';
  const [inline, inlineFlags = ''] = /^\(\?([a-zA-Z]+)\)/.exec(src) ?? [];
  if (inline !== undefined) {
    if (inlineFlags.includes('i')) flags += 'i';
    if (inlineFlags.includes('s')) flags += 's';
    src = src.slice(inline.length);
  }
  src = src.replace(/\(\?P</g, '(?<');
  return new RegExp(`^(?:${src})$`, flags);
}

/** `$1`, `${1}`, `$name`, `${name}` of a replacement, from a match. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, a: string | undefined, b: string | undefined) => {
    const ref = a ?? b ?? '';
    const v = /^\d+$/.test(ref) ? m[Number(ref)] : m.groups?.[ref];
    return v ?? '';
  });
}

/** Applies relabel configs like Prometheus does; undefined when the target is dropped. */
export function relabel(input: ReadonlyMap<string, string>, configs: readonly unknown[]): ReadonlyMap<string, string> | undefined {
  // Copied on the first change: most targets are dropped by a `keep` before any label is written.
  let labels = input as Map<string, string>;
  let copied = false;
  const writable = (): Map<string, string> => {
    if (!copied) {
      labels = new Map(labels);
      copied = true;
    }
    return labels;
  };
  for (const raw of configs) {
    const rc = obj(raw);
    const action = String(rc.action ?? 'replace').toLowerCase();
    const sep = typeof rc.separator === 'string' ? rc.separator : ';';
    const value = arr(rc.source_labels)
      .map((l) => labels.get(String(l)) ?? '')
      .join(sep);
    const regex = compileRegex(rc.regex);
    const target = typeof rc.target_label === 'string' ? rc.target_label : undefined;
    const replacement = typeof rc.replacement === 'string' ? rc.replacement : '$1';
    switch (action) {
      case 'replace': {
        const m = regex.exec(value);
        if (!m || target === undefined) break;
        const name = expand(target, m);
        const v = expand(replacement, m);
        if (v === '') writable().delete(name);
        else writable().set(name, v);
        break;
      }
      case 'keep':
        if (!regex.test(value)) return undefined;
        break;
      case 'drop':
        if (regex.test(value)) return undefined;
        break;
      case 'keepequal':
        if (target === undefined || value !== (labels.get(target) ?? '')) return undefined;
        break;
      case 'dropequal':
        if (target !== undefined && value === (labels.get(target) ?? '')) return undefined;
        break;
      case 'lowercase':
        if (target !== undefined) writable().set(target, value.toLowerCase());
        break;
      case 'uppercase':
        if (target !== undefined) writable().set(target, value.toUpperCase());
        break;
      case 'hashmod':
        if (target !== undefined) writable().set(target, '0');
        break;
      case 'labelmap':
        for (const [k, v] of [...labels]) {
          const m = regex.exec(k);
          if (m) writable().set(expand(replacement, m), v);
        }
        break;
      case 'labeldrop':
        for (const k of [...labels.keys()]) if (regex.test(k)) writable().delete(k);
        break;
      case 'labelkeep':
        for (const k of [...labels.keys()]) if (!regex.test(k)) writable().delete(k);
        break;
      default:
        break;
    }
  }
  return labels;
}

function metaOf(prefix: string, values: Readonly<Record<string, string>>, out: Map<string, string>, present: string): void {
  for (const [k, v] of Object.entries(values)) {
    out.set(`${prefix}_${sd(k)}`, v);
    out.set(`${present}_${sd(k)}`, 'true');
  }
}

/** Discovered targets: their labels before relabelling and the endpoint each address token stands for. */
interface Discovery {
  readonly targets: Map<string, string>[];
  readonly tokens: Map<string, Endpoint>;
}

function podMeta(pod: PodEndpoint, token: string, out: Map<string, string>): void {
  out.set('__meta_kubernetes_namespace', pod.namespace);
  out.set('__meta_kubernetes_pod_name', `${pod.name}-0`);
  out.set('__meta_kubernetes_pod_ip', token);
  out.set('__meta_kubernetes_pod_phase', 'Running');
  out.set('__meta_kubernetes_pod_ready', 'true');
  out.set('__meta_kubernetes_pod_controller_kind', pod.pod?.kind ?? 'Pod');
  out.set('__meta_kubernetes_pod_controller_name', pod.name);
  metaOf('__meta_kubernetes_pod_label', pod.labels ?? {}, out, '__meta_kubernetes_pod_labelpresent');
  metaOf('__meta_kubernetes_pod_annotation', pod.pod?.annotations ?? {}, out, '__meta_kubernetes_pod_annotationpresent');
}

/** A discovered target before relabelling, with the namespace discovery scopes it by. */
interface Candidate {
  readonly namespace: string;
  readonly labels: Map<string, string>;
}

/**
 * Kubernetes service discovery over the environment: the targets of each role are built once (every job of every
 * Prometheus filters the same lists by namespace), with address tokens that stand for the endpoints.
 */
class Discoverer {
  private next = 0;
  private readonly tokens = new Map<string, Endpoint>();
  private readonly byRole = new Map<string, Candidate[]>();

  public constructor(private readonly needs: Needs) {}

  public discover(sdConfigs: readonly unknown[], ownNamespace: string): Discovery {
    const targets: Map<string, string>[] = [];
    for (const raw of sdConfigs) {
      const c = obj(raw);
      const names = arr(obj(c.namespaces).names).map(String);
      if (obj(c.namespaces).own_namespace === true) names.push(ownNamespace);
      const role = String(c.role ?? '');
      for (const t of this.candidates(role === 'endpointslice' ? 'endpoints' : role)) {
        if (role === 'node' || names.length === 0 || names.includes(t.namespace)) targets.push(t.labels);
      }
    }
    return { targets, tokens: this.tokens };
  }

  private token(e: Endpoint): string {
    const t = `target${this.next++}.invalid`;
    this.tokens.set(t, e);
    return t;
  }

  private candidates(role: string): Candidate[] {
    let list = this.byRole.get(role);
    if (list) return list;
    list = role === 'pod' ? this.podTargets() : role === 'endpoints' ? this.endpointTargets() : role === 'node' ? this.nodeTargets() : [];
    this.byRole.set(role, list);
    return list;
  }

  private podTargets(): Candidate[] {
    const out: Candidate[] = [];
    for (const pod of this.needs.world.pods) {
      if (!pod.inDist) continue;
      const t = this.token(pod);
      const containers = pod.pod
        ? pod.pod.containers.filter((x) => x.kind === 'container')
        : [{ container: { name: pod.name, ports: (pod.ports ?? []).map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })) } }];
      for (const { container } of containers) {
        const ports = arr(container.ports).filter((p) => typeof p?.containerPort === 'number');
        const base = new Map<string, string>();
        podMeta(pod, t, base);
        base.set('__meta_kubernetes_pod_container_name', String(container.name ?? ''));
        base.set('__meta_kubernetes_pod_container_init', 'false');
        if (ports.length === 0) {
          base.set('__address__', t);
          out.push({ namespace: pod.namespace, labels: base });
        }
        for (const p of ports) {
          const m = new Map(base);
          m.set('__address__', `${t}:${p.containerPort}`);
          m.set('__meta_kubernetes_pod_container_port_name', String(p.name ?? ''));
          m.set('__meta_kubernetes_pod_container_port_number', String(p.containerPort));
          m.set('__meta_kubernetes_pod_container_port_protocol', String(p.protocol ?? 'TCP'));
          out.push({ namespace: pod.namespace, labels: m });
        }
      }
    }
    return out;
  }

  private endpointTargets(): Candidate[] {
    const world = this.needs.world;
    const out: Candidate[] = [];
    // The API server's endpoints, behind the `default/kubernetes` Service every cluster has.
    const api = this.token(world.apiServer);
    for (const port of world.apiServerPorts) {
      const m = new Map<string, string>([
        ['__address__', `${api}:${port}`],
        ['__meta_kubernetes_namespace', 'default'],
        ['__meta_kubernetes_service_name', 'kubernetes'],
      ]);
      for (const k of ['endpoint', 'endpointslice']) {
        m.set(`__meta_kubernetes_${k}_port_name`, 'https');
        m.set(`__meta_kubernetes_${k}_port_protocol`, 'TCP');
      }
      out.push({ namespace: 'default', labels: m });
    }
    const podTokens = new Map<PodEndpoint, string>();
    for (const svc of world.allServices()) {
      if (!svc.selector) continue;
      const labels = labelsOf(svc.doc);
      const annotations = annotationsOf(svc.doc);
      for (const pod of world.backends(svc)) {
        let t = podTokens.get(pod);
        if (t === undefined) podTokens.set(pod, (t = this.token(pod)));
        for (const sp of svc.ports) {
          const port = resolvePodPort(pod, sp.targetPort, sp.protocol);
          if (port === undefined) continue;
          const m = new Map<string, string>();
          podMeta(pod, t, m);
          m.set('__address__', `${t}:${port}`);
          m.set('__meta_kubernetes_service_name', svc.name);
          metaOf('__meta_kubernetes_service_label', labels, m, '__meta_kubernetes_service_labelpresent');
          metaOf('__meta_kubernetes_service_annotation', annotations, m, '__meta_kubernetes_service_annotationpresent');
          for (const k of ['endpoint', 'endpointslice']) {
            m.set(`__meta_kubernetes_${k}_port_name`, sp.name ?? '');
            m.set(`__meta_kubernetes_${k}_port_protocol`, sp.protocol);
          }
          m.set('__meta_kubernetes_endpoint_ready', 'true');
          const cp = (pod.ports ?? []).find((x) => x.port === port && x.protocol === sp.protocol);
          if (cp) {
            m.set('__meta_kubernetes_pod_container_port_name', cp.name ?? '');
            m.set('__meta_kubernetes_pod_container_port_number', String(cp.port));
            m.set('__meta_kubernetes_pod_container_port_protocol', cp.protocol);
          }
          out.push({ namespace: svc.namespace, labels: m });
        }
      }
    }
    return out;
  }

  private nodeTargets(): Candidate[] {
    const t = this.token(this.needs.world.kubelet);
    // Nodes are cluster-scoped: no namespace filter applies.
    return [
      {
        namespace: '',
        labels: new Map([
          ['__address__', `${t}:${KUBELET_PORT}`],
          ['__meta_kubernetes_node_name', 'node'],
          ['__meta_kubernetes_node_address_InternalIP', t],
        ]),
      },
    ];
  }
}

const SCHEME_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

/** Turns relabelled targets into flows. */
function targetsToNeeds(needs: Needs, from: PodEndpoint, d: Discovery, relabels: readonly unknown[], scheme: string, origin: string): void {
  const seen = new Set<string>();
  for (const t of d.targets) {
    const out = relabel(t, relabels);
    const address = out?.get('__address__');
    if (address === undefined || seen.has(address)) continue;
    seen.add(address);
    const a = parseAddress(address);
    if (!a) continue;
    const port = a.port ?? SCHEME_PORTS[scheme] ?? 80;
    const to = d.tokens.get(a.host);
    if (to) needs.add(from, to, port, 'TCP', origin);
    else needs.toAddress(from, a.host, port, origin, scheme);
  }
}

function staticTargets(configs: readonly unknown[]): Discovery {
  const targets: Map<string, string>[] = [];
  for (const c of configs) for (const t of arr(obj(c).targets)) if (typeof t === 'string') targets.push(new Map([['__address__', t]]));
  return { targets, tokens: new Map() };
}

/** A parsed prometheus.yml as found in a pod's ConfigMaps. */
function prometheusConfigs(needs: Needs, pod: PodEndpoint): { file: MountedFile; config: DocObject }[] {
  const out: { file: MountedFile; config: DocObject }[] = [];
  for (const file of mountedFiles(needs.world, pod)) {
    if (!file.text.includes('scrape_configs') && !file.text.includes('alertmanagers')) continue;
    const config = parsedConfigText(file.text);
    if (config === undefined) continue;
    const c = obj(config);
    if (Array.isArray(c.scrape_configs) || obj(c.alerting).alertmanagers !== undefined) out.push({ file, config: c });
  }
  return out;
}

/** Scrape jobs, Alertmanagers and remote-write endpoints of every Prometheus configuration in dist/. */
export function prometheusNeeds(needs: Needs): void {
  const discoverer = new Discoverer(needs);
  for (const pod of needs.world.pods) {
    if (!pod.pod) continue;
    for (const { file, config } of prometheusConfigs(needs, pod)) {
      for (const job of arr(config.scrape_configs)) {
        const j = obj(job);
        const origin = `${file.label} job ${String(j.job_name ?? '?')}`;
        const scheme = String(j.scheme ?? 'http');
        const d = discoverer.discover(arr(j.kubernetes_sd_configs), pod.namespace);
        const s = staticTargets(arr(j.static_configs));
        for (const x of [d, s]) targetsToNeeds(needs, pod, x, arr(j.relabel_configs), scheme, origin);
      }
      for (const am of arr(obj(config.alerting).alertmanagers)) {
        const a = obj(am);
        const scheme = String(a.scheme ?? 'http');
        const origin = `${file.label} alerting`;
        const d = discoverer.discover(arr(a.kubernetes_sd_configs), pod.namespace);
        for (const x of [d, staticTargets(arr(a.static_configs))]) targetsToNeeds(needs, pod, x, arr(a.relabel_configs), scheme, origin);
      }
      for (const key of ['remote_write', 'remote_read'] as const) {
        for (const r of arr(config[key])) if (typeof obj(r).url === 'string') needs.toUrl(pod, obj(r).url, `${file.label} ${key}`);
      }
    }
  }
}

/** Namespaces a monitor's `namespaceSelector` covers: `any`, `matchNames`, or its own namespace. */
function monitorNamespaces(spec: DocObject, own: string, all: readonly string[]): string[] {
  const sel = obj(spec.namespaceSelector);
  if (sel.any === true) return [...all];
  const names = arr(sel.matchNames).map(String);
  return names.length > 0 ? names : [own];
}

/** ServiceMonitors and PodMonitors (prometheus-operator): the operator's Prometheus scrapes what they select. */
export function monitorNeeds(needs: Needs): void {
  const world = needs.world;
  const ref = world.clusterService.prometheus;
  const sources = world.selectPods(ref.namespace, { matchLabels: ref.labels });
  const scrapers = sources.length > 0 ? sources : [ref];
  const namespaces = [...new Set([...world.namespaces(), ...world.pods.map((p) => p.namespace)])].sort();
  for (const sm of world.index.ofKind('ServiceMonitor')) {
    if (!String(sm.object.apiVersion ?? '').startsWith('monitoring.coreos.com/')) continue;
    const spec = obj(sm.object.spec);
    const origin = `ServiceMonitor ${namespaceOf(sm)}/${nameOf(sm)}`;
    const selector = obj(spec.selector) as LabelSelector;
    for (const ns of monitorNamespaces(spec, namespaceOf(sm), namespaces)) {
      for (const svc of world.allServices().filter((s) => s.namespace === ns && labelSelectorMatches(selector, labelsOf(s.doc)))) {
        for (const ep of arr(spec.endpoints)) {
          const e = obj(ep);
          const targets =
            typeof e.port === 'string'
              ? svc.ports.filter((p) => p.name === e.port).flatMap((sp) => world.serviceTargets(svc, sp))
              : e.targetPort !== undefined
                ? world.backends(svc).flatMap((pod) => {
                    const port = resolvePodPort(pod, e.targetPort, 'TCP');
                    return port === undefined ? [] : [{ to: pod, port, protocol: 'TCP' as const }];
                  })
                : [];
          for (const t of targets) for (const s of scrapers) needs.add(s, t.to, t.port, t.protocol, origin);
        }
      }
    }
  }
  for (const pm of world.index.ofKind('PodMonitor')) {
    if (!String(pm.object.apiVersion ?? '').startsWith('monitoring.coreos.com/')) continue;
    const spec = obj(pm.object.spec);
    const origin = `PodMonitor ${namespaceOf(pm)}/${nameOf(pm)}`;
    for (const ns of monitorNamespaces(spec, namespaceOf(pm), namespaces)) {
      for (const pod of world.selectPods(ns, obj(spec.selector) as LabelSelector)) {
        for (const ep of arr(spec.podMetricsEndpoints)) {
          const e = obj(ep);
          const wanted = e.port ?? e.portNumber ?? e.targetPort;
          if (wanted === undefined) continue;
          const port = resolvePodPort(pod, wanted, 'TCP');
          if (port !== undefined) for (const s of scrapers) needs.add(s, pod, port, 'TCP', origin);
        }
      }
    }
  }
}
