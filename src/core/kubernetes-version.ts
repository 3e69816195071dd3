/**
 * Kubernetes versions: the API the manifests are written and validated for, the cluster version a profile
 * declares, and Helm's `kubeVersion` constraints (Masterminds semver syntax) that charts put on it.
 */

/** The Kubernetes API every manifest is validated against (the vendored schemas). */
export const MANIFEST_KUBERNETES_VERSION = '1.27';

/**
 * The cluster version assumed when `profile.cluster.kubernetesVersion` is unset. An assumption, not a fact about the
 * cluster: the oldest minor the major managed Kubernetes services still supported when the add-on catalog was
 * pinned, and one every chart of the catalog installs on. Declare the version the cluster runs.
 */
export const DEFAULT_KUBERNETES_VERSION = '1.30';

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
  const low = v(fixed[0] ?? 0, fixed[1] ?? 0, fixed[2] ?? 0, fixed.length === 3 ? pre : '');
  // The first version past a partial one (`1.2` -> `1.3.0`), as a pre-release bound so `<` excludes all of it.
  const next = (n: number): SemVer | undefined =>
    n === 0 ? undefined : n === 1 ? v(fixed[0] + 1, 0, 0, '0') : n === 2 ? v(fixed[0], fixed[1] + 1, 0, '0') : undefined;
  if (fixed.length === 0) return op === '!=' || op === '<' ? [{ op: '<', version: v(0, 0, 0, '0') }] : [];
  if (op === '~' || op === '~>') {
    const upper = fixed.length >= 2 ? v(fixed[0], fixed[1] + 1, 0, '0') : v(fixed[0] + 1, 0, 0, '0');
    return [{ op: '>=', version: low }, { op: '<', version: upper }];
  }
  if (op === '^') {
    const upper = fixed[0] > 0 || fixed.length === 1 ? v(fixed[0] + 1, 0, 0, '0') : fixed[1]! > 0 || fixed.length === 2 ? v(0, fixed[1]! + 1, 0, '0') : v(0, 0, fixed[2]! + 1, '0');
    return [{ op: '>=', version: low }, { op: '<', version: upper }];
  }
  const up = next(fixed.length);
  if (up && (op === '=' || op === '!=')) {
    // `1.2` or `1.2.x` is the range [1.2.0, 1.3.0).
    return op === '=' ? [{ op: '>=', version: low }, { op: '<', version: up }] : undefined;
  }
  if (up && op === '>') return [{ op: '>=', version: up }];
  if (up && op === '<=') return [{ op: '<', version: up }];
  return [{ op: op as Bound['op'], version: low }];
}

function holds(version: SemVer, b: Bound): boolean {
  const c = compareVersions(version, b.version);
  switch (b.op) {
    case '=': return c === 0;
    case '!=': return c !== 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
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
    const terms = alternative.replace(/(!=|>=|=>|<=|=<|~>|>|<|=|~|\^)\s+/g, '$1').split(/[\s,]+/).filter((t) => t !== '');
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

/** A built-in API version that a Kubernetes release after {@link MANIFEST_KUBERNETES_VERSION} stopped serving. */
export interface ApiRemoval {
  readonly apiVersion: string;
  readonly kinds: readonly string[];
  /** The minor version (1.x) that no longer serves it. */
  readonly removedIn: number;
  readonly replacement: string;
}

/**
 * Removals after 1.27 from the Kubernetes deprecated API migration guide (kubernetes.io/docs/reference/using-api/
 * deprecation-guide) of API versions the 1.27 schemas still hold. Alpha API versions are not listed: clusters
 * serve them only where enabled, and they may go in any release.
 */
export const API_REMOVALS_AFTER_1_27: readonly ApiRemoval[] = [
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: 29, replacement: 'flowcontrol.apiserver.k8s.io/v1 (served since 1.29) or v1beta3' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: 32, replacement: 'flowcontrol.apiserver.k8s.io/v1 (served since 1.29)' },
];
