import { describe, expect, it } from 'vitest';
import { checkNamespaceGuardrails, checkTenantIsolation } from '../../src';
import { buildTenants } from '../../scripts/bench-tenants';
import { production, synthEnv } from '../helpers';

function tenants(n: number) {
  return synthEnv((chart) => {
    buildTenants(chart, n);
  }, production);
}

describe('tenants at scale', () => {
  it('GIVEN 1,000 tenants in one environment WHEN synthesized THEN every document is valid and isolation holds (time: npm run bench)', () => {
    const large = { env: tenants(1000) };
    // A constant number of documents per tenant (every third one has a shared-services policy), plus the two
    // tenant ClusterRoles of the environment (AppProjects come with the Argo CD delivery, not counted here).
    expect(large.env.docs.length).toBe(1000 * 14 + Math.ceil(1000 / 3) + 2);
    expect(large.env.all('Namespace')).toHaveLength(1000);
    expect(checkTenantIsolation(large.env.docs)).toEqual([]);
    expect(checkNamespaceGuardrails(large.env.docs)).toEqual([]);
  });
});
