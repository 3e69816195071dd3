/**
 * Plans: the quota and container limits a namespace gets, as data. Tenants pick a plan by name in tenants.yaml
 * and may override quota entries; platform namespaces use {@link Plan.platform}.
 */
import { fail } from '../core/errors';
import { isQuantity, parseQuantity } from '../core/quantity';
import { isDns1123Label } from '../synth/schema-validator';

/** A cpu and/or memory pair of quantities (`cpu: '500m'`, `memory: '512Mi'`). */
export interface ResourcePair {
  readonly cpu?: string;
  readonly memory?: string;
}

/** Quota on one StorageClass (`<class>.storageclass.storage.k8s.io/...`). */
export interface StorageClassQuota {
  /** Total storage requested from this class. @default - no limit beyond the namespace total */
  readonly requestsStorage?: string;
  /** Number of claims of this class. @default - no limit beyond the namespace total */
  readonly persistentVolumeClaims?: number;
}

/**
 * ResourceQuota entries. Every entry is optional: an entry left out is not limited. A quota on `limits.cpu`
 * forces every container to carry a cpu limit, so only set it together with a LimitRange `default.cpu`.
 * @see https://kubernetes.io/docs/concepts/policy/resource-quotas/
 */
export interface QuotaSpec {
  /** `requests.cpu` @default - not limited */
  readonly requestsCpu?: string;
  /** `requests.memory` @default - not limited */
  readonly requestsMemory?: string;
  /** `limits.cpu` @default - not limited */
  readonly limitsCpu?: string;
  /** `limits.memory` @default - not limited */
  readonly limitsMemory?: string;
  /** `pods` @default - not limited */
  readonly pods?: number;
  /** `services` @default - not limited */
  readonly services?: number;
  /** `services.loadbalancers` @default - not limited */
  readonly loadBalancers?: number;
  /** `services.nodeports` @default - not limited */
  readonly nodePorts?: number;
  /** `persistentvolumeclaims` @default - not limited */
  readonly persistentVolumeClaims?: number;
  /** `requests.storage` @default - not limited */
  readonly requestsStorage?: string;
  /** Per StorageClass quotas, keyed by class name. @default - none */
  readonly storageClasses?: Readonly<Record<string, StorageClassQuota>>;
}

/** Per-tenant changes to a plan's quota: the same entries, merged over the plan's (storage classes per class). */
export type QuotaOverrides = QuotaSpec;

/**
 * LimitRange for containers.
 * @see https://kubernetes.io/docs/concepts/policy/limit-range/
 */
export interface ContainerLimits {
  /** Limits given to a container that sets none. @default - none */
  readonly default?: ResourcePair;
  /** Requests given to a container that sets none. @default - the default limits (Kubernetes behaviour) */
  readonly defaultRequest?: ResourcePair;
  /** Smallest request/limit allowed. @default - none */
  readonly min?: ResourcePair;
  /** Largest limit allowed. @default - none */
  readonly max?: ResourcePair;
  /** Largest limit/request ratio, as a quantity (`'4'`). @default - none */
  readonly maxLimitRequestRatio?: ResourcePair;
}

/** LimitRange for PersistentVolumeClaims: smallest and largest claim. */
export interface ClaimLimits {
  /** @default - none */
  readonly min?: string;
  /** @default - none */
  readonly max?: string;
}

/** What a plan grants: the ResourceQuota and the LimitRange of the namespace. */
export interface PlanSpec {
  readonly quota: QuotaSpec;
  readonly container: ContainerLimits;
  /** @default - no PVC limits */
  readonly claims?: ClaimLimits;
}

/** One problem with an input value, relative to where the input started; the caller adds file or construct path. */
export interface InputProblem {
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;
}

/** The quota keys a tenant may override, in the order they are checked and documented. */
export const QUOTA_KEYS = [
  'requestsCpu',
  'requestsMemory',
  'limitsCpu',
  'limitsMemory',
  'pods',
  'services',
  'loadBalancers',
  'nodePorts',
  'persistentVolumeClaims',
  'requestsStorage',
  'storageClasses',
] as const;

const QUANTITY_KEYS = new Set<string>(['requestsCpu', 'requestsMemory', 'limitsCpu', 'limitsMemory', 'requestsStorage']);

/** Free: a sandbox. No load balancers, no node ports, two small volumes. */
export const FREE_PLAN: PlanSpec = {
  quota: {
    requestsCpu: '1',
    requestsMemory: '2Gi',
    limitsCpu: '2',
    limitsMemory: '4Gi',
    pods: 10,
    services: 5,
    loadBalancers: 0,
    nodePorts: 0,
    persistentVolumeClaims: 2,
    requestsStorage: '5Gi',
  },
  container: {
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    default: { cpu: '500m', memory: '512Mi' },
    min: { cpu: '10m', memory: '16Mi' },
    max: { cpu: '1', memory: '2Gi' },
    maxLimitRequestRatio: { cpu: '10', memory: '4' },
  },
  claims: { min: '1Gi', max: '5Gi' },
};

/** Standard: a production team. One load balancer, 100Gi of volumes. */
export const STANDARD_PLAN: PlanSpec = {
  quota: {
    requestsCpu: '4',
    requestsMemory: '8Gi',
    limitsCpu: '8',
    limitsMemory: '16Gi',
    pods: 50,
    services: 20,
    loadBalancers: 1,
    nodePorts: 0,
    persistentVolumeClaims: 10,
    requestsStorage: '100Gi',
  },
  container: {
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    default: { cpu: '1', memory: '512Mi' },
    min: { cpu: '10m', memory: '16Mi' },
    max: { cpu: '2', memory: '4Gi' },
    maxLimitRequestRatio: { cpu: '10', memory: '4' },
  },
  claims: { min: '1Gi', max: '50Gi' },
};

/** Enterprise: large workloads and datastores. */
export const ENTERPRISE_PLAN: PlanSpec = {
  quota: {
    requestsCpu: '16',
    requestsMemory: '64Gi',
    limitsCpu: '32',
    limitsMemory: '128Gi',
    pods: 200,
    services: 100,
    loadBalancers: 5,
    nodePorts: 0,
    persistentVolumeClaims: 50,
    requestsStorage: '1Ti',
  },
  container: {
    defaultRequest: { cpu: '250m', memory: '256Mi' },
    default: { cpu: '1', memory: '1Gi' },
    min: { cpu: '10m', memory: '16Mi' },
    max: { cpu: '8', memory: '32Gi' },
    maxLimitRequestRatio: { cpu: '10', memory: '4' },
  },
  claims: { min: '1Gi', max: '500Gi' },
};

/**
 * The platform's own namespaces. Generous, and without `limits.cpu`, a cpu `default` or a `max`: platform
 * workloads deliberately run without cpu limits (throttling hurts latency) and datastores need large pods.
 */
export const PLATFORM_PLAN: PlanSpec = {
  quota: {
    requestsCpu: '32',
    requestsMemory: '128Gi',
    limitsMemory: '256Gi',
    pods: 500,
    services: 200,
    loadBalancers: 5,
    nodePorts: 0,
    persistentVolumeClaims: 100,
    requestsStorage: '5Ti',
  },
  container: {
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    default: { memory: '512Mi' },
  },
};

/** A named plan: quota and LimitRange of a namespace. Create with the static factories; plans are immutable. */
export class Plan {
  /** {@link FREE_PLAN} */
  public static free(): Plan {
    return new Plan('free', FREE_PLAN);
  }
  /** {@link STANDARD_PLAN} */
  public static standard(): Plan {
    return new Plan('standard', STANDARD_PLAN);
  }
  /** {@link ENTERPRISE_PLAN} */
  public static enterprise(): Plan {
    return new Plan('enterprise', ENTERPRISE_PLAN);
  }
  /** {@link PLATFORM_PLAN}, for the platform's own namespaces. */
  public static platform(): Plan {
    return new Plan('platform', PLATFORM_PLAN);
  }
  /**
   * A plan of your own. Checked at once: quantities parse, min <= defaultRequest <= default <= max, default/defaultRequest
   * within maxLimitRequestRatio, and the quota admits at least one container with default resources.
   */
  public static custom(name: string, spec: PlanSpec): Plan {
    if (!isDns1123Label(name))
      fail('plans', 'name', name, 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters); it is the platform.io/plan label');
    const plan = new Plan(name, spec);
    const p = plan.specProblems()[0];
    if (p) fail(`plans.${name}`, p.field, p.value, p.allowed);
    return plan;
  }

  private constructor(
    /** Plan name: the `platform.io/plan` label. */
    public readonly name: string,
    public readonly spec: PlanSpec,
  ) {}

  public get quota(): QuotaSpec {
    return this.spec.quota;
  }

  /** This plan with quota entries replaced by `overrides` (storage classes merged per class). Not validated: see {@link quotaProblems}. */
  public withQuota(overrides: QuotaOverrides | undefined): Plan {
    if (!overrides || Object.keys(overrides).length === 0) return this;
    // Entries set to undefined must not erase the plan's value.
    const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
    const storageClasses =
      overrides.storageClasses !== undefined && this.spec.quota.storageClasses !== undefined
        ? { ...this.spec.quota.storageClasses, ...overrides.storageClasses }
        : (overrides.storageClasses ?? this.spec.quota.storageClasses);
    const quota: QuotaSpec = { ...this.spec.quota, ...set, ...(storageClasses ? { storageClasses } : {}) };
    return new Plan(this.name, { ...this.spec, quota });
  }

  /**
   * Problems of `quota` (default: this plan's) measured against this plan's LimitRange: formats, and that one
   * container with the LimitRange's defaults (and one claim of the minimum size) still fits. A quota below that
   * makes every pod that relies on the defaults fail admission. Fields are the quota keys (`requestsCpu`).
   */
  public quotaProblems(quota: QuotaSpec = this.spec.quota): InputProblem[] {
    const out: InputProblem[] = [];
    const c = this.spec.container;
    const bound = (field: keyof ResourcePair, kind: 'request' | 'limit'): { value: string; source: string } | undefined => {
      const candidates: Array<[string | undefined, string]> =
        kind === 'request'
          ? [
              [c.min?.[field], `min.${field}`],
              [c.defaultRequest?.[field] ?? c.default?.[field], c.defaultRequest?.[field] !== undefined ? `defaultRequest.${field}` : `default.${field}`],
            ]
          : [
              [c.min?.[field], `min.${field}`],
              [c.default?.[field], `default.${field}`],
            ];
      let best: { value: string; source: string } | undefined;
      for (const [v, source] of candidates) {
        if (v === undefined) continue;
        if (!best || (parseQuantity(v) ?? 0) > (parseQuantity(best.value) ?? 0)) best = { value: v, source };
      }
      return best;
    };
    const atLeast = (field: string, value: string | undefined, min: { value: string; source: string } | undefined, what: string): void => {
      if (value === undefined || min === undefined) return;
      if ((parseQuantity(value) ?? 0) < (parseQuantity(min.value) ?? 0)) {
        out.push({
          field,
          value,
          allowed: `must be at least ${min.value}, the plan "${this.name}" LimitRange's ${min.source} (${what} must fit in the quota)`,
        });
      }
    };
    for (const key of QUOTA_KEYS) {
      const v = (quota as Record<string, unknown>)[key];
      if (v === undefined || key === 'storageClasses') continue;
      if (QUANTITY_KEYS.has(key)) {
        if (!isQuantity(v) || (parseQuantity(v) ?? -1) < 0)
          out.push({ field: key, value: v, allowed: 'must be a non-negative Kubernetes quantity (e.g. "500m", "4", "8Gi")' });
      } else if (!Number.isInteger(v) || (v as number) < 0) {
        out.push({ field: key, value: v, allowed: 'must be a non-negative integer' });
      }
    }
    if (out.length > 0) return out;
    const container = 'one container with default resources';
    atLeast('requestsCpu', quota.requestsCpu, bound('cpu', 'request'), container);
    atLeast('requestsMemory', quota.requestsMemory, bound('memory', 'request'), container);
    atLeast('limitsCpu', quota.limitsCpu, bound('cpu', 'limit'), container);
    atLeast('limitsMemory', quota.limitsMemory, bound('memory', 'limit'), container);
    const claimMin = this.spec.claims?.min !== undefined ? { value: this.spec.claims.min, source: 'claims.min' } : undefined;
    atLeast('requestsStorage', quota.requestsStorage, claimMin, 'one claim of the minimum size');
    for (const [cls, q] of Object.entries(quota.storageClasses ?? {})) {
      const field = `storageClasses.${cls}`;
      if (!isDns1123Subdomain(cls)) {
        out.push({ field: 'storageClasses', value: cls, allowed: 'StorageClass names must be DNS-1123 subdomains' });
        continue;
      }
      if (q.requestsStorage !== undefined && !isQuantity(q.requestsStorage)) {
        out.push({ field: `${field}.requestsStorage`, value: q.requestsStorage, allowed: 'must be a non-negative Kubernetes quantity (e.g. "100Gi")' });
        continue;
      }
      if (q.persistentVolumeClaims !== undefined && (!Number.isInteger(q.persistentVolumeClaims) || q.persistentVolumeClaims < 0)) {
        out.push({ field: `${field}.persistentVolumeClaims`, value: q.persistentVolumeClaims, allowed: 'must be a non-negative integer' });
        continue;
      }
      // 0 closes a class on purpose (e.g. no premium storage on the free plan), so only positive values are bounded.
      if (q.requestsStorage !== undefined && (parseQuantity(q.requestsStorage) ?? 0) > 0) {
        atLeast(`${field}.requestsStorage`, q.requestsStorage, claimMin, 'one claim of the minimum size');
      }
    }
    return out;
  }

  /** Problems of the plan itself (LimitRange consistency and its own quota). */
  public specProblems(): InputProblem[] {
    const out: InputProblem[] = [];
    const c = this.spec.container;
    const groups: Array<[string, ResourcePair | undefined]> = [
      ['container.min', c.min],
      ['container.defaultRequest', c.defaultRequest],
      ['container.default', c.default],
      ['container.max', c.max],
      ['container.maxLimitRequestRatio', c.maxLimitRequestRatio],
    ];
    for (const [name, pair] of groups) {
      for (const r of ['cpu', 'memory'] as const) {
        const v = pair?.[r];
        if (v !== undefined && !isQuantity(v)) out.push({ field: `${name}.${r}`, value: v, allowed: 'must be a Kubernetes quantity' });
      }
    }
    for (const [name, v] of [
      ['claims.min', this.spec.claims?.min],
      ['claims.max', this.spec.claims?.max],
    ] as const) {
      if (v !== undefined && !isQuantity(v)) out.push({ field: name, value: v, allowed: 'must be a Kubernetes quantity' });
    }
    if (out.length > 0) return out;
    const q = (s: string | undefined): number | undefined => (s === undefined ? undefined : parseQuantity(s));
    const order: Array<[keyof ContainerLimits, keyof ContainerLimits]> = [
      ['min', 'defaultRequest'],
      ['defaultRequest', 'default'],
      ['default', 'max'],
      ['min', 'max'],
    ];
    for (const r of ['cpu', 'memory'] as const) {
      for (const [lo, hi] of order) {
        const a = q((c[lo] as ResourcePair | undefined)?.[r]);
        const b = q((c[hi] as ResourcePair | undefined)?.[r]);
        if (a !== undefined && b !== undefined && a > b) {
          out.push({
            field: `container.${hi}.${r}`,
            value: (c[hi] as ResourcePair)[r],
            allowed: `must be at least container.${lo}.${r} (${(c[lo] as ResourcePair)[r]})`,
          });
        }
      }
      const ratio = q(c.maxLimitRequestRatio?.[r]);
      const lim = q(c.default?.[r]);
      const req = q(c.defaultRequest?.[r]);
      if (ratio !== undefined && lim !== undefined && req !== undefined && req > 0 && lim / req > ratio) {
        out.push({
          field: `container.maxLimitRequestRatio.${r}`,
          value: c.maxLimitRequestRatio![r],
          allowed: `must be at least default/defaultRequest (${c.default![r]}/${c.defaultRequest![r]}), or containers with default resources are rejected`,
        });
      }
    }
    const cmin = q(this.spec.claims?.min);
    const cmax = q(this.spec.claims?.max);
    if (cmin !== undefined && cmax !== undefined && cmin > cmax)
      out.push({ field: 'claims.max', value: this.spec.claims!.max, allowed: `must be at least claims.min (${this.spec.claims!.min})` });
    return [...out, ...this.quotaProblems().map((p) => ({ ...p, field: `quota.${p.field}` }))];
  }
}

/** The plans tenants.yaml may name: free, standard and enterprise. */
export function defaultPlans(): Readonly<Record<string, Plan>> {
  return { free: Plan.free(), standard: Plan.standard(), enterprise: Plan.enterprise() };
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}
