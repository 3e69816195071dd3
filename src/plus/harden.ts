/**
 * What the library does to the JSON of a cdk8s-plus workload before it is validated and written: the pod spec made
 * PSS restricted (seccomp RuntimeDefault, non-root, no privilege escalation, every capability dropped, read-only root
 * filesystem with a writable /tmp), the environment's resources where cdk8s-plus would write its own defaults, and
 * stable selector labels in place of cdk8s-plus's construct-path-derived `cdk8s.io/metadata.addr`. Pure functions
 * over plain JSON: the constructs decide, these only rewrite.
 */
import { ResourceDefaults } from '../core/environment-profile';
import { fail } from '../core/errors';
import { compareQuantities } from '../core/quantity';
import { DocObject } from '../core/documents';

/** The pod label cdk8s-plus derives from the construct path (it changes when code moves; selectors are immutable). */
export const PLUS_ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

/** What cdk8s-plus-27 writes when a container sets no resources (1000m/1500m CPU, 512Mi/2048Mi memory). */
export const PLUS_DEFAULT_RESOURCES = { requests: { cpu: '1000m', memory: '512Mi' }, limits: { cpu: '1500m', memory: '2048Mi' } };

/** Name and mount path of the writable /tmp the hardening adds where the root filesystem is read-only. */
export const PLUS_TMP_VOLUME = 'tmp';
export const PLUS_TMP_PATH = '/tmp';

type Obj = DocObject;

/** Where the pod spec sits in a document of `kind`, as keys from the root; undefined for kinds without pods. */
export function podSpecKeys(kind: string): readonly string[] | undefined {
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return ['spec', 'template', 'spec'];
    case 'CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
    case 'Pod':
      return ['spec'];
    default:
      return undefined;
  }
}

/**
 * Replaces, anywhere in `node`, a label map holding `cdk8s.io/metadata.addr: <addr>` of a known workload by that
 * workload's stable labels (selectors, pod labels, Service selectors, NetworkPolicy peers).
 */
export function replaceAddressLabels(node: unknown, stable: ReadonlyMap<string, Readonly<Record<string, string>>>): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const v of node) replaceAddressLabels(v, stable);
    return;
  }
  const o = node as Obj;
  const addr = o[PLUS_ADDRESS_LABEL];
  if (typeof addr === 'string' && stable.has(addr)) {
    delete o[PLUS_ADDRESS_LABEL];
    Object.assign(o, stable.get(addr));
  }
  for (const v of Object.values(o)) if (v && typeof v === 'object') replaceAddressLabels(v, stable);
}

/** What {@link hardenPodSpec} needs from the workload and its environment. */
export interface HardeningOptions {
  /** Construct path of the workload, for messages. */
  readonly path: string;
  /** Field path of the pod spec in the document (`spec.template.spec`), for messages. */
  readonly field: string;
  /** The environment's default container resources. */
  readonly resources: ResourceDefaults;
  /** The workload's stable pod labels (for topology spread). */
  readonly selector: Readonly<Record<string, string>>;
  /** Add zone and node topology spread constraints (several replicas, none set by the user). */
  readonly spread: boolean;
  /** The ServiceAccount to run as when the pod names none. */
  readonly serviceAccountName?: string;
}

const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);

function refuse(o: HardeningOptions, field: string, value: unknown, why: string): never {
  return fail(
    o.path,
    `${o.field}.${field}`,
    value,
    `${why}; PSS restricted forbids it, and the environment chart hardens every cdk8s-plus workload to restricted: remove it from the cdk8s-plus props`,
  );
}

function sameResources(r: Obj | undefined, d: typeof PLUS_DEFAULT_RESOURCES): boolean {
  return (
    r !== undefined &&
    JSON.stringify({ limits: r.limits, requests: r.requests }) === JSON.stringify({ limits: d.limits, requests: d.requests }) &&
    Object.keys(r).every((k) => k === 'limits' || k === 'requests')
  );
}

function profileResources(r: ResourceDefaults): Obj {
  return {
    requests: { cpu: r.requests.cpu, memory: r.requests.memory },
    limits: { ...(r.limits.cpu !== undefined ? { cpu: r.limits.cpu } : {}), memory: r.limits.memory },
  };
}

function hardenContainer(o: HardeningOptions, c: Obj, field: string, tmp: boolean): void {
  const sc: Obj = c.securityContext ?? {};
  if (sc.privileged === true) refuse(o, `${field}.securityContext.privileged`, true, 'a privileged container');
  if (sc.allowPrivilegeEscalation === true) refuse(o, `${field}.securityContext.allowPrivilegeEscalation`, true, 'privilege escalation');
  if (sc.runAsNonRoot === false) refuse(o, `${field}.securityContext.runAsNonRoot`, false, 'running as root');
  if (sc.runAsUser === 0) refuse(o, `${field}.securityContext.runAsUser`, 0, 'running as root (uid 0)');
  const added: string[] = sc.capabilities?.add ?? [];
  const extra = added.filter((a) => a !== 'NET_BIND_SERVICE');
  if (extra.length > 0) refuse(o, `${field}.securityContext.capabilities.add`, added, `capabilities other than NET_BIND_SERVICE (${extra.join(', ')})`);
  if (sc.seccompProfile?.type !== undefined && !SECCOMP_OK.has(sc.seccompProfile.type))
    refuse(o, `${field}.securityContext.seccompProfile.type`, sc.seccompProfile.type, 'a seccomp profile other than RuntimeDefault or Localhost');
  const drop: string[] = sc.capabilities?.drop ?? [];
  c.securityContext = {
    ...sc,
    allowPrivilegeEscalation: false,
    privileged: false,
    runAsNonRoot: true,
    // An explicit `false` is the user's choice (the policy gate reports it); cdk8s-plus's default is true.
    readOnlyRootFilesystem: sc.readOnlyRootFilesystem ?? true,
    capabilities: { ...(added.length > 0 ? { add: [...added] } : {}), drop: drop.includes('ALL') ? [...drop] : ['ALL', ...drop] },
    seccompProfile: sc.seccompProfile ?? { type: 'RuntimeDefault' },
  };
  if (c.resources === undefined || sameResources(c.resources, PLUS_DEFAULT_RESOURCES)) {
    c.resources = profileResources(o.resources);
  } else {
    // What the team set stays; what it left out comes from the profile, a request never above the team's limit.
    const limits: Obj = { ...c.resources.limits };
    if (limits.memory === undefined) limits.memory = o.resources.limits.memory;
    const requests: Obj = { ...c.resources.requests };
    for (const k of ['cpu', 'memory'] as const) {
      if (requests[k] !== undefined) continue;
      const fallback = o.resources.requests[k];
      requests[k] = limits[k] !== undefined && (compareQuantities(fallback, String(limits[k])) ?? 0) > 0 ? limits[k] : fallback;
    }
    c.resources = { ...c.resources, limits, requests };
  }
  const mounts: Obj[] = c.volumeMounts ?? [];
  if (tmp && c.securityContext.readOnlyRootFilesystem === true && !mounts.some((m) => m.mountPath === PLUS_TMP_PATH)) {
    c.volumeMounts = [...mounts, { name: PLUS_TMP_VOLUME, mountPath: PLUS_TMP_PATH }];
  }
}

/**
 * Makes `spec` (a pod spec) PSS restricted in place: refuses what restricted forbids and the user set explicitly
 * (privileged, host namespaces, hostPath volumes, root, extra capabilities), adds what cdk8s-plus leaves out
 * (seccomp RuntimeDefault, dropping ALL capabilities, a writable /tmp for a read-only root filesystem), and puts the
 * environment's resources where cdk8s-plus wrote its defaults.
 */
export function hardenPodSpec(spec: Obj, o: HardeningOptions): void {
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[k] === true) refuse(o, k, true, 'a host namespace');
  (spec.volumes ?? []).forEach((v: Obj, i: number) => {
    if (v.hostPath !== undefined) refuse(o, `volumes[${i}].hostPath`, v.hostPath, 'a hostPath volume');
  });
  const psc: Obj = spec.securityContext ?? {};
  if (psc.runAsNonRoot === false) refuse(o, 'securityContext.runAsNonRoot', false, 'running as root');
  if (psc.runAsUser === 0) refuse(o, 'securityContext.runAsUser', 0, 'running as root (uid 0)');
  if (psc.seccompProfile?.type !== undefined && !SECCOMP_OK.has(psc.seccompProfile.type))
    refuse(o, 'securityContext.seccompProfile.type', psc.seccompProfile.type, 'a seccomp profile other than RuntimeDefault or Localhost');
  spec.securityContext = { ...psc, runAsNonRoot: true, seccompProfile: psc.seccompProfile ?? { type: 'RuntimeDefault' } };

  const volumes: Obj[] = spec.volumes ?? [];
  const tmpTaken = volumes.some((v) => v.name === PLUS_TMP_VOLUME);
  const containers: Obj[] = spec.containers ?? [];
  const inits: Obj[] = spec.initContainers ?? [];
  // The /tmp volume is added only when its name is free (a user volume called "tmp" is theirs to mount).
  containers.forEach((c, i) => hardenContainer(o, c, `containers[${i}]`, !tmpTaken));
  inits.forEach((c, i) => hardenContainer(o, c, `initContainers[${i}]`, !tmpTaken));
  const mountsTmp = [...containers, ...inits].some((c) => (c.volumeMounts ?? []).some((m: Obj) => m.name === PLUS_TMP_VOLUME && m.mountPath === PLUS_TMP_PATH));
  if (!tmpTaken && mountsTmp) spec.volumes = [...volumes, { name: PLUS_TMP_VOLUME, emptyDir: {} }];

  if (spec.serviceAccountName === undefined && o.serviceAccountName !== undefined) spec.serviceAccountName = o.serviceAccountName;
  if (spec.automountServiceAccountToken === undefined) spec.automountServiceAccountToken = false;
  const spreads = (spec.topologySpreadConstraints ?? []).length > 0 || spec.affinity?.podAntiAffinity !== undefined;
  if (o.spread && !spreads) {
    spec.topologySpreadConstraints = ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
      maxSkew: 1,
      topologyKey,
      // Soft: a lost zone or a small node pool must not leave pods unschedulable.
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { ...o.selector } },
    }));
  }
}

/** The object at `keys` below `root`, or undefined. */
export function at(root: Obj, keys: readonly string[]): Obj | undefined {
  let node: unknown = root;
  for (const k of keys) node = node !== null && typeof node === 'object' ? (node as Obj)[k] : undefined;
  return node && typeof node === 'object' ? (node as Obj) : undefined;
}
