/** Recommended labels (app.kubernetes.io/*) and the platform's own, plus the small stable subset used in selectors. */

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_VERSION = 'app.kubernetes.io/version';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_TEAM = 'platform.io/team';
export const LABEL_COST_CENTER = 'platform.io/cost-center';
export const LABEL_TENANT = 'platform.io/tenant';

export interface WorkloadLabelOptions {
  /** The workload name (app.kubernetes.io/name and instance). */
  readonly name: string;
  readonly component?: string;
  readonly partOf?: string;
  readonly version?: string;
  readonly team?: string;
  readonly costCenter?: string;
}

/**
 * Selector labels: name and instance only. They never include the version, because selectors are immutable
 * and a version bump must not orphan pods.
 */
export function selectorLabels(name: string): Record<string, string> {
  return { [LABEL_NAME]: name, [LABEL_INSTANCE]: name };
}

/** All recommended labels for a workload's objects and pods. Undefined entries are left out. */
export function workloadLabels(o: WorkloadLabelOptions): Record<string, string> {
  const labels: Record<string, string> = { ...selectorLabels(o.name) };
  if (o.component) labels[LABEL_COMPONENT] = o.component;
  if (o.partOf) labels[LABEL_PART_OF] = o.partOf;
  if (o.version) labels[LABEL_VERSION] = o.version;
  if (o.team) labels[LABEL_TEAM] = o.team;
  if (o.costCenter) labels[LABEL_COST_CENTER] = o.costCenter;
  return labels;
}
