/**
 * The built-in ClusterRole `cluster-admin` bound by an add-on's chart. Some charts bind it to their service account by
 * default (Velero). The binding is in the chart, not in dist/, so review would never see it: an add-on whose values
 * leave it in place must declare to whom and why (`AddOnDefinition.clusterAdmin`), the environment's README and
 * POLICY.md list it, and any other add-on doing so fails synth.
 */
import type { AddOn } from './add-on';

/** The built-in ClusterRole that grants everything. */
export const CLUSTER_ADMIN_ROLE = 'cluster-admin';

/** An add-on's declared binding of cluster-admin: to whom, and why it cannot work with less. */
export interface ClusterAdminDeclaration {
  /** The subject the chart binds, e.g. `ServiceAccount velero/velero-server`. */
  readonly subject: string;
  /** Why a narrower role would not do (one or two sentences, shown in README.md and POLICY.md). */
  readonly reason: string;
}

/** An add-on whose chart values bind cluster-admin. */
export interface ClusterAdminBinding {
  readonly addOn: string;
  /** Dotted value paths that name cluster-admin, with whether each is the chart's default. */
  readonly paths: readonly { readonly path: string; readonly chartDefault: boolean }[];
  /** What the add-on declared; undefined when it declared nothing (a synth error). */
  readonly declared?: ClusterAdminDeclaration;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at a dotted path; `found` is false when a key on the way is missing. */
function valueAt(values: Readonly<Record<string, unknown>>, path: string): { found: boolean; value?: unknown } {
  let v: unknown = values;
  for (const k of path.split('.')) {
    if (!isObject(v) || !(k in v)) return { found: false };
    v = v[k];
  }
  return { found: true, value: v };
}

/** Dotted paths (lists by index) of `values` whose value is exactly cluster-admin. */
function pathsNaming(v: unknown, prefix: string, out: string[]): void {
  if (v === CLUSTER_ADMIN_ROLE) out.push(prefix);
  else if (Array.isArray(v)) v.forEach((x, i) => pathsNaming(x, `${prefix}[${i}]`, out));
  else if (isObject(v)) for (const k of Object.keys(v)) pathsNaming(v[k], prefix === '' ? k : `${prefix}.${k}`, out);
}

/**
 * Whether the chart of `a`, given the values passed to it, binds cluster-admin: a path the chart defaults to
 * cluster-admin that `values` leave in place, or any value naming cluster-admin. Undefined when neither.
 */
export function clusterAdminBindingOf(a: AddOn, values: Readonly<Record<string, unknown>>): ClusterAdminBinding | undefined {
  const named: string[] = [];
  pathsNaming(values, '', named);
  const paths = new Map<string, boolean>(named.map((p) => [p, false]));
  for (const p of a.chart.data?.clusterAdminDefaults ?? []) {
    const v = valueAt(values, p);
    if (!v.found) paths.set(p, true);
  }
  if (paths.size === 0) return undefined;
  return {
    addOn: a.name,
    paths: [...paths].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([path, chartDefault]) => ({ path, chartDefault })),
    ...(a.definition.clusterAdmin ? { declared: a.definition.clusterAdmin } : {}),
  };
}

/** The synth errors of one binding: none when declared with a subject and a reason. */
export function clusterAdminProblems(b: ClusterAdminBinding): string[] {
  const d = b.declared;
  if (d && d.subject.trim() !== '' && d.reason.trim() !== '') return [];
  return b.paths.map(
    ({ path, chartDefault }) =>
      `add-on ${b.addOn}: values.${path}: binds the built-in ClusterRole ${CLUSTER_ADMIN_ROLE}${chartDefault ? " (the chart's default)" : ''} ` +
      `and the add-on declares no reason; set it to a ClusterRole that grants what the add-on needs, or declare the subject and why it needs ${CLUSTER_ADMIN_ROLE} ` +
      "(AddOnDefinition.clusterAdmin: listed in the environment's README.md and POLICY.md)",
  );
}
