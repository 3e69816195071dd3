/**
 * The one label-selector matcher of the policy gate (NetworkPolicy podSelector and namespaceSelector, Service and
 * PDB selectors, tenant isolation), with Kubernetes semantics.
 */

export type Labels = Readonly<Record<string, string>>;

/** The label every namespace carries (set by the API server): namespace selectors by name use it. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** One `matchExpressions` entry. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

/** A Kubernetes LabelSelector (matchLabels and matchExpressions, ANDed). */
export interface LabelSelector {
  readonly matchLabels?: Labels | null;
  readonly matchExpressions?: readonly LabelSelectorRequirement[] | null;
}

/**
 * True when `labels` satisfy `selector`: every matchLabels entry equal and every expression true (`In`: the key
 * exists with one of the values; `NotIn`: the key is absent or has none of them; `Exists`; `DoesNotExist`). An
 * empty selector (`{}`) matches everything. An unknown operator, or `In` without values, matches nothing (the API
 * server rejects such selectors).
 */
export function labelSelectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = has ? labels[e.key] : undefined;
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** True for `{}`: a selector that selects every object. */
export function isEmptySelector(selector: LabelSelector | null | undefined): boolean {
  return selector !== null && selector !== undefined && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/**
 * True when some label set satisfies `selector` (pods whose labels nobody knows yet, such as a tenant's, may have
 * them). False only for contradictions (`a=1` with `a NotIn [1]`, `Exists` with `DoesNotExist`, `In []`).
 */
export function selectorSatisfiable(selector: LabelSelector): boolean {
  const required = new Map<string, Set<string> | 'any'>();
  const forbidden = new Map<string, Set<string> | 'all'>();
  const require = (k: string, values: Set<string> | 'any'): void => {
    const have = required.get(k);
    if (have === undefined || have === 'any') required.set(k, values === 'any' ? (have ?? 'any') : values);
    else if (values !== 'any') required.set(k, new Set([...have].filter((v) => values.has(v))));
  };
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) require(k, new Set([v]));
  for (const e of selector.matchExpressions ?? []) {
    const values = new Set(e.values ?? []);
    switch (e.operator) {
      case 'In':
        require(e.key, values);
        break;
      case 'Exists':
        require(e.key, 'any');
        break;
      case 'NotIn': {
        const f = forbidden.get(e.key);
        if (f !== 'all') forbidden.set(e.key, new Set([...(f ?? []), ...values]));
        break;
      }
      case 'DoesNotExist':
        forbidden.set(e.key, 'all');
        break;
      default:
        return false;
    }
  }
  for (const [k, values] of required) {
    const f = forbidden.get(k);
    if (f === 'all') return false;
    if (values !== 'any' && [...values].every((v) => f?.has(v))) return false;
  }
  return true;
}

/** Short text of a selector for messages: `app=api,tier In (a,b),!legacy`; `{}` for the empty selector. */
export function selectorText(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    switch (e.operator) {
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
      default:
        parts.push(`${e.key} ${e.operator} (${values})`);
    }
  }
  return parts.length > 0 ? parts.join(',') : '{}';
}
