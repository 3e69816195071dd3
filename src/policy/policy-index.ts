import type { EnvironmentOutput, SynthDocument } from '../synth/synthesizer';
import { LabelSelector as Selector, labelSelectorMatches as matches } from './flows/selector';
import { operatorPodsOf } from './operator-pods';
import { DocObject, DocValue } from '../core/documents';

/** Kinds whose objects carry a pod template (or are pods). */
export const POD_BEARING_KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Rollout', 'ReplicaSet', 'Pod'];

/** Kinds that keep pods running (probes apply) as opposed to run-to-completion Jobs. */
export const LONG_RUNNING_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout', 'ReplicaSet', 'Pod']);

/** Kinds with a `spec.replicas` that an HPA may own. */
export const SCALABLE_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'Rollout', 'ReplicaSet']);

export type Labels = Readonly<Record<string, string>>;

/** A Kubernetes LabelSelector (matchLabels and matchExpressions). */
export type LabelSelector = Selector;

/** One container of a pod spec, with the field path used in messages. */
export interface ContainerView {
  readonly container: DocObject;
  readonly path: string;
  readonly kind: 'container' | 'initContainer' | 'ephemeralContainer';
}

/** The pod spec of a pod-bearing resource. */
export interface PodView {
  readonly doc: SynthDocument;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** The pod spec. */
  readonly spec: DocObject;
  /** Path of the pod spec inside the resource (`spec.template.spec`). */
  readonly specPath: string;
  /** Labels the pods get. */
  readonly labels: Labels;
  /** Annotations the pods get (AppArmor lives there in Kubernetes 1.27). */
  readonly annotations: Labels;
  readonly containers: readonly ContainerView[];
}

function obj(v: unknown): DocObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : undefined;
}

function arr(v: unknown): DocValue[] {
  return Array.isArray(v) ? v : [];
}

function stringMap(v: unknown): Labels {
  const o = obj(v);
  if (!o) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** True when `labels` satisfy `selector` (the gate's one matcher); an empty selector selects everything, an absent one nothing. */
export function labelSelectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  return selector !== undefined && selector !== null && matches(selector, labels);
}

/** The pod spec, labels and path of a pod-bearing document; undefined for other kinds (and Rollouts with workloadRef). */
export function podViewOf(doc: SynthDocument): PodView | undefined {
  const o = doc.object;
  const spec = obj(o.spec);
  let template: DocObject | undefined;
  let templatePath: string;
  switch (o.kind) {
    case 'Pod':
      template = { metadata: o.metadata, spec };
      templatePath = '';
      break;
    case 'CronJob':
      template = obj(obj(obj(spec?.jobTemplate)?.spec)?.template);
      templatePath = 'spec.jobTemplate.spec.template';
      break;
    default:
      if (!POD_BEARING_KINDS.includes(o.kind)) return undefined;
      template = obj(spec?.template);
      templatePath = 'spec.template';
  }
  const podSpec = obj(template?.spec);
  if (!template || !podSpec) return undefined;
  const specPath = templatePath ? `${templatePath}.spec` : 'spec';
  const containers: ContainerView[] = [];
  const add = (field: string, kind: ContainerView['kind']): void => {
    arr(podSpec[field]).forEach((c, i) => {
      const container = obj(c);
      if (container) containers.push({ container, path: `${specPath}.${field}[${i}]`, kind });
    });
  };
  add('initContainers', 'initContainer');
  add('containers', 'container');
  add('ephemeralContainers', 'ephemeralContainer');
  const md = obj(template.metadata) ?? {};
  return {
    doc,
    kind: o.kind,
    name: String(obj(o.metadata)?.name ?? ''),
    namespace: namespaceOf(doc),
    spec: podSpec,
    specPath,
    labels: stringMap(md.labels),
    annotations: stringMap(md.annotations),
    containers,
  };
}

/** Namespace of a document ('' for cluster-scoped ones). */
export function namespaceOf(doc: SynthDocument): string {
  const ns = obj(doc.object.metadata)?.namespace;
  return typeof ns === 'string' ? ns : '';
}

/** Name of a document. */
export function nameOf(doc: SynthDocument): string {
  const n = obj(doc.object.metadata)?.name;
  return typeof n === 'string' ? n : '';
}

/** Annotations of a document. */
export function annotationsOf(doc: SynthDocument): Labels {
  return stringMap(obj(doc.object.metadata)?.annotations);
}

/** Labels of a document. */
export function labelsOf(doc: SynthDocument): Labels {
  return stringMap(obj(doc.object.metadata)?.labels);
}

/**
 * The documents of one environment indexed once: by kind, by namespace and kind, pods by namespace and by label
 * pair. Selector lookups use the label-pair index, so matching N selectors against M pods costs about N + M, not N × M.
 */
export class PolicyIndex {
  private static readonly cache = new WeakMap<EnvironmentOutput, PolicyIndex>();

  /** The index of an environment's documents, built once and shared by the checks that read it. */
  public static of(env: EnvironmentOutput): PolicyIndex {
    let index = PolicyIndex.cache.get(env);
    if (!index) PolicyIndex.cache.set(env, (index = new PolicyIndex(env.documents)));
    return index;
  }

  public readonly documents: readonly SynthDocument[];
  /** Pod templates in dist/ (every per-pod check runs on these). */
  public readonly pods: readonly PodView[];
  /** Pods operators create from custom resources (labels and ports only): selector lookups find them too. */
  public readonly operatorPods: readonly PodView[];
  private readonly byKind = new Map<string, SynthDocument[]>();
  private readonly byNamespaceKind = new Map<string, SynthDocument[]>();
  private readonly byNamespaceKindName = new Map<string, SynthDocument>();
  private readonly podsByNamespace = new Map<string, PodView[]>();
  private readonly podsByLabel = new Map<string, PodView[]>();
  private readonly podByDoc = new Map<SynthDocument, PodView>();

  public constructor(documents: readonly SynthDocument[]) {
    this.documents = documents;
    const pods: PodView[] = [];
    for (const doc of documents) {
      const kind = String(doc.object.kind);
      const ns = namespaceOf(doc);
      push(this.byKind, kind, doc);
      push(this.byNamespaceKind, `${ns}\u0000${kind}`, doc);
      this.byNamespaceKindName.set(`${ns}\u0000${kind}\u0000${nameOf(doc)}`, doc);
      const pod = podViewOf(doc);
      if (pod) {
        pods.push(pod);
        this.podByDoc.set(doc, pod);
        push(this.podsByNamespace, ns, pod);
        for (const [k, v] of Object.entries(pod.labels)) push(this.podsByLabel, `${ns}\u0000${k}\u0000${v}`, pod);
      }
    }
    this.pods = pods;
    const operatorPods: PodView[] = [];
    for (const doc of documents) {
      for (const pod of operatorPodsOf(doc)) {
        operatorPods.push(pod);
        push(this.podsByNamespace, pod.namespace, pod);
        for (const [k, v] of Object.entries(pod.labels)) push(this.podsByLabel, `${pod.namespace}\u0000${k}\u0000${v}`, pod);
      }
    }
    this.operatorPods = operatorPods;
  }

  /** All documents of a kind, in output order. */
  public ofKind(kind: string): readonly SynthDocument[] {
    return this.byKind.get(kind) ?? [];
  }

  /** Documents of a kind in one namespace. */
  public inNamespace(namespace: string, kind: string): readonly SynthDocument[] {
    return this.byNamespaceKind.get(`${namespace}\u0000${kind}`) ?? [];
  }

  /** One document by namespace, kind and name. */
  public find(namespace: string, kind: string, name: string): SynthDocument | undefined {
    return this.byNamespaceKindName.get(`${namespace}\u0000${kind}\u0000${name}`);
  }

  /** The pod view of a pod-bearing document. */
  public podOf(doc: SynthDocument): PodView | undefined {
    return this.podByDoc.get(doc);
  }

  /** Pods (templates, and the pods operators create) in `namespace` that `selector` selects. */
  public selectPods(namespace: string, selector: LabelSelector | undefined): PodView[] {
    if (!selector) return [];
    let candidates = this.podsByNamespace.get(namespace) ?? [];
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
      const c = this.podsByLabel.get(`${namespace}\u0000${k}\u0000${v}`) ?? [];
      if (c.length < candidates.length) candidates = c;
      if (c.length === 0) break;
    }
    return candidates.filter((p) => labelSelectorMatches(selector, p.labels));
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
