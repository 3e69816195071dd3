import { describe, expect, it } from 'vitest';
import { ENTERPRISE_PLAN, FREE_PLAN, Plan, PlanSpec, STANDARD_PLAN, defaultPlans } from '../../src';
import { quotaHard } from '../../src/tenancy/guardrails';

describe('Plan', () => {
  it('GIVEN the built-in plans WHEN checked THEN each is consistent', () => {
    for (const plan of [Plan.free(), Plan.standard(), Plan.enterprise(), Plan.platform()]) {
      expect(plan.specProblems()).toEqual([]);
    }
  });

  it('GIVEN the plans WHEN compared THEN each grants more than the one below it', () => {
    const plans = [FREE_PLAN, STANDARD_PLAN, ENTERPRISE_PLAN];
    for (let i = 1; i < plans.length; i++) {
      expect(plans[i]!.quota.pods!).toBeGreaterThan(plans[i - 1]!.quota.pods!);
      expect(plans[i]!.quota.persistentVolumeClaims!).toBeGreaterThan(plans[i - 1]!.quota.persistentVolumeClaims!);
    }
  });

  it('GIVEN the platform plan WHEN inspected THEN it sets no cpu limit anywhere (platform workloads run without cpu limits)', () => {
    const p = Plan.platform();
    expect(p.quota.limitsCpu).toBeUndefined();
    expect(p.spec.container.default?.cpu).toBeUndefined();
    expect(quotaHard(p.quota)['limits.cpu']).toBeUndefined();
  });

  it('GIVEN defaultPlans WHEN listed THEN they are free, standard and enterprise', () => {
    expect(Object.keys(defaultPlans()).sort()).toEqual(['enterprise', 'free', 'standard']);
  });

  describe('withQuota', () => {
    it('GIVEN overrides WHEN applied THEN entries are replaced, others kept and storage classes merged', () => {
      const base = Plan.custom('p', { ...STANDARD_PLAN, quota: { ...STANDARD_PLAN.quota, storageClasses: { gp3: { requestsStorage: '10Gi' } } } });
      const q = base.withQuota({ pods: 99, requestsCpu: undefined, storageClasses: { premium: { persistentVolumeClaims: 0 } } }).quota;
      expect(q.pods).toBe(99);
      expect(q.requestsCpu).toBe('4');
      expect(q.storageClasses).toEqual({ gp3: { requestsStorage: '10Gi' }, premium: { persistentVolumeClaims: 0 } });
      expect(base.quota.pods).toBe(50);
    });

    it('GIVEN no overrides WHEN applied THEN the same plan is returned', () => {
      const p = Plan.free();
      expect(p.withQuota(undefined)).toBe(p);
      expect(p.withQuota({})).toBe(p);
    });
  });

  describe('quotaProblems', () => {
    it('GIVEN a limits.memory below the LimitRange default limit WHEN checked THEN the default is named', () => {
      expect(Plan.free().quotaProblems({ ...FREE_PLAN.quota, limitsMemory: '256Mi' })).toEqual([
        {
          field: 'limitsMemory',
          value: '256Mi',
          allowed: 'must be at least 512Mi, the plan "free" LimitRange\'s default.memory (one container with default resources must fit in the quota)',
        },
      ]);
    });

    it('GIVEN requests.storage below the smallest claim WHEN checked THEN claims.min is named', () => {
      expect(Plan.free().quotaProblems({ requestsStorage: '500Mi' })[0]!.allowed).toBe(
        'must be at least 1Gi, the plan "free" LimitRange\'s claims.min (one claim of the minimum size must fit in the quota)',
      );
    });

    it('GIVEN a storage class closed with 0 WHEN checked THEN it is accepted', () => {
      expect(Plan.free().quotaProblems({ storageClasses: { premium: { requestsStorage: '0', persistentVolumeClaims: 0 } } })).toEqual([]);
    });

    it('GIVEN a negative or fractional count WHEN checked THEN it is rejected', () => {
      expect(Plan.free().quotaProblems({ pods: -1, services: 1.5 })).toEqual([
        { field: 'pods', value: -1, allowed: 'must be a non-negative integer' },
        { field: 'services', value: 1.5, allowed: 'must be a non-negative integer' },
      ]);
    });
  });

  describe('custom plan errors', () => {
    const spec = (over: Partial<PlanSpec['container']>): PlanSpec => ({ ...STANDARD_PLAN, container: { ...STANDARD_PLAN.container, ...over } });

    it('rejects a name that is not a DNS-1123 label', () => {
      expect(() => Plan.custom('Gold', STANDARD_PLAN)).toThrow(
        'plans: name: got "Gold"; must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters); it is the platform.io/plan label',
      );
    });

    it('rejects a default above max', () => {
      expect(() => Plan.custom('gold', spec({ default: { cpu: '4', memory: '512Mi' } }))).toThrow(
        'plans.gold: container.max.cpu: got "2"; must be at least container.default.cpu (4)',
      );
    });

    it('rejects a ratio the defaults exceed', () => {
      expect(() => Plan.custom('gold', spec({ maxLimitRequestRatio: { memory: '2' } }))).toThrow(
        'plans.gold: container.maxLimitRequestRatio.memory: got "2"; must be at least default/defaultRequest (512Mi/128Mi), or containers with default resources are rejected',
      );
    });

    it('rejects a quota that cannot hold one default container', () => {
      expect(() => Plan.custom('gold', { ...STANDARD_PLAN, quota: { ...STANDARD_PLAN.quota, requestsCpu: '50m' } })).toThrow(
        'plans.gold: quota.requestsCpu: got "50m"; must be at least 100m, the plan "gold" LimitRange\'s defaultRequest.cpu (one container with default resources must fit in the quota)',
      );
    });

    it('rejects a malformed quantity', () => {
      expect(() => Plan.custom('gold', spec({ min: { cpu: 'ten' } }))).toThrow('plans.gold: container.min.cpu: got "ten"; must be a Kubernetes quantity');
    });
  });
});
