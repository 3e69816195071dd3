import { describe, expect, it } from 'vitest';
import { checkNamespaceGuardrails, checkTenantIsolation } from '../../src';
import { buildTenants } from '../../scripts/bench-tenants';
import { production, synthEnv } from '../helpers';

function timed(n: number) {
  const start = process.hrtime.bigint();
  const env = synthEnv((chart) => {
    buildTenants(chart, n);
  }, production);
  return { env, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

describe('tenants at scale', () => {
  it('GIVEN 1,000 tenants in one environment WHEN synthesized THEN every document is valid, isolation holds and the cost is linear', () => {
    timed(50); // warm-up: module loading and JIT
    const small = timed(250);
    const large = timed(1000);
    // A constant number of documents per tenant (every third one has a shared-services policy), plus the two
    // tenant ClusterRoles of the environment (AppProjects come with the Argo CD delivery, not counted here).
    expect(large.env.docs.length).toBe(1000 * 14 + Math.ceil(1000 / 3) + 2);
    expect(large.env.all('Namespace')).toHaveLength(1000);
    const t = process.hrtime.bigint();
    expect(checkTenantIsolation(large.env.docs)).toEqual([]);
    expect(checkNamespaceGuardrails(large.env.docs)).toEqual([]);
    const checkMs = Number(process.hrtime.bigint() - t) / 1e6;
    console.log(`tenants: 250 in ${small.ms.toFixed(0)} ms, 1000 in ${large.ms.toFixed(0)} ms (${large.env.docs.length} docs); isolation + guard-rail checks ${checkMs.toFixed(0)} ms`);
    // 4x the tenants: linear is ~4x; quadratic would be ~16x. Generous bound for noisy machines.
    expect(large.ms).toBeLessThan(small.ms * 8);
  });
});
