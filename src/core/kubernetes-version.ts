/**
 * Kubernetes versions: the API the manifests are written and validated for, the cluster version a profile
 * declares, and Helm's `kubeVersion` constraints (Masterminds semver syntax) that charts put on it.
 */

/** The Kubernetes API every manifest is validated against (the vendored schemas). */
export const MANIFEST_KUBERNETES_VERSION = '1.27';

/**
 * The cluster version assumed when `profile.cluster.kubernetesVersion` is unset: the API the manifests are written
 * for, the one version synth knows they work on. A chart that needs a newer cluster (CloudNativePG needs 1.29) then
 * fails synth until the profile declares the version the cluster runs.
 */
export const DEFAULT_KUBERNETES_VERSION = MANIFEST_KUBERNETES_VERSION;

/** A release version: major, minor, patch and the pre-release part (`0` in `1.29.0-0`), '' for a release. */
export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: string;
}

const CLUSTER_VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/;

/** `1.30` or `1.30.2` (an optional leading `v`); a version without patch is its `.0`. Undefined when malformed. */
export function parseKubernetesVersion(text: string): SemVer | undefined {
  const m = CLUSTER_VERSION.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), prerelease: '' };
}

/** Order of two versions; a pre-release sorts before its release (`1.29.0-0` < `1.29.0`). */
export function compareVersions(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  return a.prerelease < b.prerelease ? -1 : 1;
}

type Bound = { readonly op: '=' | '!=' | '>' | '>=' | '<' | '<='; readonly version: SemVer };

const WILD = /^(x|X|\*)$/;
const TERM = /^(!=|>=|=>|<=|=<|>|<|=|~>|~|\^)?\s*v?(\d+|x|X|\*)(?:\.(\d+|x|X|\*))?(?:\.(\d+|x|X|\*))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** The bounds one term of a constraint stands for, or undefined when it is not Masterminds syntax. */
function boundsOf(term: string): Bound[] | undefined {
  const m = TERM.exec(term);
  if (!m) return undefined;
  const op = (m[1] === '=>' ? '>=' : m[1] === '=<' ? '<=' : (m[1] ?? '=')) as Bound['op'] | '~' | '~>' | '^';
  const parts = [m[2], m[3], m[4]];
  // Digits up to the first wildcard or missing part.
  const fixed: number[] = [];
  for (const p of parts) {
    if (p === undefined || WILD.test(p)) break;
    fixed.push(Number(p));
  }
  const pre = m[5] ?? '';
  const v = (major: number, minor = 0, patch = 0, prerelease = ''): SemVer => ({ major, minor, patch, prerelease });
  // Parts past fixed.length count as 0 in `low`; the bounds below read only the parts that are there.
  const [major = 0, minor = 0, patch = 0] = fixed;
  const low = v(major, minor, patch, fixed.length === 3 ? pre : '');
  // The first version past a partial one (`1.2` -> `1.3.0`), as a pre-release bound so `<` excludes all of it.
  const next = (n: number): SemVer | undefined => (n === 0 ? undefined : n === 1 ? v(major + 1, 0, 0, '0') : n === 2 ? v(major, minor + 1, 0, '0') : undefined);
  if (fixed.length === 0) return op === '!=' || op === '<' ? [{ op: '<', version: v(0, 0, 0, '0') }] : [];
  if (op === '~' || op === '~>') {
    const upper = fixed.length >= 2 ? v(major, minor + 1, 0, '0') : v(major + 1, 0, 0, '0');
    return [
      { op: '>=', version: low },
      { op: '<', version: upper },
    ];
  }
  if (op === '^') {
    const upper =
      major > 0 || fixed.length === 1 ? v(major + 1, 0, 0, '0') : minor > 0 || fixed.length === 2 ? v(0, minor + 1, 0, '0') : v(0, 0, patch + 1, '0');
    return [
      { op: '>=', version: low },
      { op: '<', version: upper },
    ];
  }
  const up = next(fixed.length);
  if (up && (op === '=' || op === '!=')) {
    // `1.2` or `1.2.x` is the range [1.2.0, 1.3.0).
    return op === '='
      ? [
          { op: '>=', version: low },
          { op: '<', version: up },
        ]
      : undefined;
  }
  if (up && op === '>') return [{ op: '>=', version: up }];
  if (up && op === '<=') return [{ op: '<', version: up }];
  return [{ op: op as Bound['op'], version: low }];
}

function holds(version: SemVer, b: Bound): boolean {
  const c = compareVersions(version, b.version);
  switch (b.op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
  }
}

/**
 * Whether `version` satisfies a Helm `kubeVersion` constraint: `||`-separated alternatives of terms separated by
 * commas or spaces (`>= 1.22.0-0`, `>=1.19.0-0 <1.33.0-0`, `~1.29`, `^1.2`, `1.2.x`). Undefined when the constraint
 * is not in that syntax.
 */
export function satisfiesConstraint(version: SemVer, constraint: string): boolean | undefined {
  let any = false;
  for (const alternative of constraint.split('||')) {
    // Operators may stand apart from their version (`>= 1.22.0-0`): join them before splitting on spaces.
    const terms = alternative
      .replace(/(!=|>=|=>|<=|=<|~>|>|<|=|~|\^)\s+/g, '$1')
      .split(/[\s,]+/)
      .filter((t) => t !== '');
    if (terms.length === 0) return undefined;
    let all = true;
    for (const t of terms) {
      const bounds = boundsOf(t);
      if (bounds === undefined) return undefined;
      if (!bounds.every((b) => holds(version, b))) all = false;
    }
    if (all) any = true;
  }
  return any;
}

/** A built-in API version of some kinds that a Kubernetes release stopped serving. */
export interface ApiRemoval {
  readonly apiVersion: string;
  readonly kinds: readonly string[];
  /** The minor version (1.x) that no longer serves it. */
  readonly removedIn: number;
  /** What to use instead. */
  readonly replacement: string;
}

const removal = (apiVersion: string, kinds: readonly string[], removedIn: number, replacement: string): ApiRemoval => ({
  apiVersion,
  kinds,
  removedIn,
  replacement,
});
const WORKLOADS = ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet'];
const RBAC = ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
const FLOW = ['FlowSchema', 'PriorityLevelConfiguration'];

/**
 * Beta API versions Kubernetes stopped serving, from the deprecated API migration guide
 * (https://kubernetes.io/docs/reference/using-api/deprecation-guide/), 1.16 to 1.32. Those removed up to 1.27 are
 * not in the 1.27 schemas (schema validation names the removal); those removed later are, and synth refuses them
 * when `profile.cluster.kubernetesVersion` is at or past the removal. Alpha versions are not listed: clusters serve
 * them only where enabled, and they may go in any release.
 */
export const API_REMOVALS: readonly ApiRemoval[] = [
  removal('extensions/v1beta1', [...WORKLOADS, 'NetworkPolicy', 'PodSecurityPolicy'], 16, 'apps/v1 (workloads), networking.k8s.io/v1 (NetworkPolicy)'),
  removal('apps/v1beta1', WORKLOADS, 16, 'apps/v1'),
  removal('apps/v1beta2', WORKLOADS, 16, 'apps/v1'),
  removal('extensions/v1beta1', ['Ingress'], 22, 'networking.k8s.io/v1'),
  removal('networking.k8s.io/v1beta1', ['Ingress', 'IngressClass'], 22, 'networking.k8s.io/v1'),
  removal('admissionregistration.k8s.io/v1beta1', ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], 22, 'admissionregistration.k8s.io/v1'),
  removal('apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], 22, 'apiextensions.k8s.io/v1'),
  removal('apiregistration.k8s.io/v1beta1', ['APIService'], 22, 'apiregistration.k8s.io/v1'),
  removal('certificates.k8s.io/v1beta1', ['CertificateSigningRequest'], 22, 'certificates.k8s.io/v1'),
  removal('coordination.k8s.io/v1beta1', ['Lease'], 22, 'coordination.k8s.io/v1'),
  removal('rbac.authorization.k8s.io/v1beta1', RBAC, 22, 'rbac.authorization.k8s.io/v1'),
  removal('scheduling.k8s.io/v1beta1', ['PriorityClass'], 22, 'scheduling.k8s.io/v1'),
  removal('storage.k8s.io/v1beta1', ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], 22, 'storage.k8s.io/v1'),
  removal('batch/v1beta1', ['CronJob'], 25, 'batch/v1'),
  removal('discovery.k8s.io/v1beta1', ['EndpointSlice'], 25, 'discovery.k8s.io/v1'),
  removal('events.k8s.io/v1beta1', ['Event'], 25, 'events.k8s.io/v1'),
  removal('autoscaling/v2beta1', ['HorizontalPodAutoscaler'], 25, 'autoscaling/v2'),
  removal('policy/v1beta1', ['PodDisruptionBudget'], 25, 'policy/v1'),
  removal('policy/v1beta1', ['PodSecurityPolicy'], 25, 'Pod Security Admission (namespace labels pod-security.kubernetes.io/*)'),
  removal('node.k8s.io/v1beta1', ['RuntimeClass'], 25, 'node.k8s.io/v1'),
  removal('autoscaling/v2beta2', ['HorizontalPodAutoscaler'], 26, 'autoscaling/v2'),
  removal('flowcontrol.apiserver.k8s.io/v1beta1', FLOW, 26, 'flowcontrol.apiserver.k8s.io/v1beta3 (v1 from 1.29)'),
  removal('storage.k8s.io/v1beta1', ['CSIStorageCapacity'], 27, 'storage.k8s.io/v1'),
  removal('flowcontrol.apiserver.k8s.io/v1beta2', FLOW, 29, 'flowcontrol.apiserver.k8s.io/v1 (served since 1.29) or v1beta3'),
  removal('flowcontrol.apiserver.k8s.io/v1beta3', FLOW, 32, 'flowcontrol.apiserver.k8s.io/v1 (served since 1.29)'),
];

/** The removal of `kind` in `apiVersion`, or undefined when Kubernetes (up to 1.32) still serves it or never did. */
export function apiRemovalOf(apiVersion: string, kind: string): ApiRemoval | undefined {
  return API_REMOVALS.find((r) => r.apiVersion === apiVersion && r.kinds.includes(kind));
}
