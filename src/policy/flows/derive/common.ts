/** Shared by the derivations: collecting needs, resolving addresses and URLs, reading a pod's mounted ConfigMaps. */
import * as yaml from 'js-yaml';
import type { SynthDocument } from '../../../synth/synthesizer';
import { nameOf } from '../../policy-index';
import { Endpoint, FlowNeed, PodEndpoint, Protocol, endpointName } from '../model';
import { FlowWorld } from '../world';
import { DocObject, DocValue } from '../../../core/documents';
import { configYamlData } from '../../../core/encoders/yaml';

/** The needs found so far, plus the addresses that could not be mapped. */
export class Needs {
  public readonly list: FlowNeed[] = [];

  public constructor(public readonly world: FlowWorld) {}

  public add(from: Endpoint, to: Endpoint, port: number, protocol: Protocol, origin: string): void {
    this.list.push({ from, to, port, protocol, origin });
  }

  /** Connections of `from` to `host[:port]` (a Service, pod, API server or outside host). */
  public toAddress(from: PodEndpoint, host: string, port: number | undefined, origin: string, scheme?: string, protocols: readonly Protocol[] = ['TCP']): void {
    const r = this.world.resolve(host, port, from.namespace, scheme);
    if (typeof r === 'string') {
      this.world.unresolved.push({ from: endpointName(from), address: port !== undefined ? `${host}:${port}` : host, origin, reason: r });
      return;
    }
    for (const t of r) for (const protocol of protocols) this.add(from, t.to, t.port, protocols.length > 1 ? protocol : t.protocol, origin);
  }

  /** Connections of `from` to a URL (`scheme://[user@]host[:port][/path]`) or a bare `host:port`. */
  public toUrl(from: PodEndpoint, url: string, origin: string, defaultScheme?: string): void {
    const a = parseAddress(url, defaultScheme);
    if (!a) {
      this.world.unresolved.push({ from: endpointName(from), address: url, origin, reason: 'not a URL or host:port' });
      return;
    }
    this.toAddress(from, a.host, a.port, origin, a.scheme);
  }
}

/** Host, port and scheme of `scheme://host:port/...`, `host:port` or `host`; undefined for anything else. */
export function parseAddress(s: string, defaultScheme?: string): { host: string; port?: number; scheme?: string } | undefined {
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(?:[^@/\s]*@)?(\[[^\]]+\]|[^:/\s?#]+)(?::(\d{1,5}))?(?:[/?#].*)?$/i.exec(s.trim());
  const [, schemeText, host, port] = m ?? [];
  if (host === undefined || host.includes('$') || host.includes('{')) return undefined;
  const scheme = schemeText ?? defaultScheme;
  return { host, ...(port !== undefined ? { port: Number(port) } : {}), ...(scheme !== undefined ? { scheme: scheme.toLowerCase() } : {}) };
}

/** A file of a ConfigMap as a pod sees it. */
export interface MountedFile {
  readonly configMap: SynthDocument;
  /** The ConfigMap key. */
  readonly key: string;
  readonly text: string;
  /** `ConfigMap <namespace>/<name>` for origins. */
  readonly label: string;
}

function obj(v: unknown): DocObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : {};
}

/** Every ConfigMap file the pod's volumes (plain or projected) carry, in volume order. */
/**
 * A mounted configuration file read as YAML (js-yaml's default schema), or undefined when it is not YAML. Environments
 * and replicas mount the same files: each distinct text is parsed once per process, and the result is frozen because
 * every reader shares it.
 */
export function parsedConfigText(text: string): unknown {
  if (PARSED.has(text)) return PARSED.get(text);
  // Most mounted files were written by configYaml in this very process: their data is known.
  const written = configYamlData(text);
  if (written !== undefined) return written.data;
  let value: unknown;
  try {
    value = deepFreeze(yaml.load(text));
  } catch {
    value = undefined;
  }
  if (PARSED.size >= MAX_PARSED) PARSED.clear();
  PARSED.set(text, value);
  return value;
}

const PARSED = new Map<string, unknown>();
const MAX_PARSED = 2_000;

function deepFreeze(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export function mountedFiles(world: FlowWorld, pod: PodEndpoint): MountedFile[] {
  if (!pod.pod) return [];
  const out: MountedFile[] = [];
  const add = (source: DocObject) => {
    const cm = world.index.find(pod.namespace, 'ConfigMap', String(source.name ?? ''));
    if (!cm) return;
    const data = obj(cm.object.data);
    const items: DocValue[] = Array.isArray(source.items) ? source.items : [];
    const keys = items.length > 0 ? items.map((i) => String(i?.key)) : Object.keys(data).sort();
    for (const key of keys) {
      if (typeof data[key] === 'string') out.push({ configMap: cm, key, text: data[key], label: `ConfigMap ${pod.namespace}/${nameOf(cm)}` });
    }
  };
  for (const v of Array.isArray(pod.pod.spec.volumes) ? pod.pod.spec.volumes : []) {
    if (v?.configMap) add(v.configMap);
    for (const s of Array.isArray(v?.projected?.sources) ? v.projected.sources : []) if (s?.configMap) add(s.configMap);
  }
  return out;
}

/** `<Kind> <namespace>/<name>` of a pod endpoint's template, for origins. */
export function podLabel(pod: PodEndpoint): string {
  return `${pod.source} ${pod.namespace}/${pod.name}`;
}
