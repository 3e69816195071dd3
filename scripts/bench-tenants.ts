/**
 * The tenants dimension of the benchmark: `buildTenants(chart, n)` adds n tenants to an environment chart through
 * the same path as the real charts (tenants file text -> loadTenants -> TenantNamespace.forEnvironment).
 */
import { dump } from 'js-yaml';
import { EnvironmentChart, TenantNamespace, defaultPlans, loadTenants } from '../src';

const PLANS = ['free', 'standard', 'enterprise'];

/** The text of a tenants file with n tenants across the three plans, every third one entitled to postgres. */
export function tenantsFileText(n: number, environment: string): string {
  const tenants = Array.from({ length: n }, (_, i) => ({
    id: `bench-${i}`,
    displayName: `Bench tenant ${i}`,
    plan: PLANS[i % PLANS.length],
    owners: { admin: [`bench-${i}-admins`], edit: [`bench-${i}-developers`], view: [`bench-${i}-auditors`] },
    environments: [environment],
    sourceRepos: [`https://git.example.com/bench-${i}/deploy.git`],
    ...(i % 3 === 0 ? { sharedServices: ['postgres'] } : {}),
    ...(i % 10 === 0 ? { overrides: { quota: { pods: 500 } } } : {}),
  }));
  return dump({
    sharedServices: { postgres: { namespace: 'db-postgres', podSelector: { 'app.kubernetes.io/name': 'postgres' }, ports: [{ port: 5432 }] } },
    tenants,
  });
}

/** Adds n tenants to `chart` (15 objects each, 16 with shared services) and returns them. */
export function buildTenants(chart: EnvironmentChart, n: number): TenantNamespace[] {
  const env = chart.profile.name;
  const tenants = loadTenants(tenantsFileText(n, env), { environments: [env], plans: defaultPlans(), file: 'bench-tenants.yaml' });
  return TenantNamespace.forEnvironment(chart, tenants);
}
