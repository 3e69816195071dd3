import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../charts';
import { LoadTenantsOptions, PlatformConfigError, defaultPlans, loadTenants, loadTenantsFile } from '../../src';

const OPTIONS: LoadTenantsOptions = { environments: ['development', 'staging', 'production', 'dr'], plans: defaultPlans() };
const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A valid tenant entry as YAML lines (indented for a list item), with fields replaced or added. */
function entry(fields: Record<string, string> = {}): string {
  const base: Record<string, string> = {
    id: 'acme',
    plan: 'standard',
    owners: '{ admin: [acme-admins] }',
    environments: '[production]',
    sourceRepos: '[https://github.com/acme/deploy.git]',
    ...fields,
  };
  return Object.entries(base)
    .filter(([, v]) => v !== '')
    .map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${k}: ${v}`)
    .join('\n');
}

function file(...entries: string[]): string {
  return `sharedServices:\n  postgres: { namespace: db-postgres, ports: [{ port: 5432 }] }\ntenants:\n${entries.join('\n')}\n`;
}

const load = (text: string) => () => loadTenants(text, OPTIONS);

describe('loadTenants', () => {
  it('GIVEN the repository tenants.yaml WHEN loaded with the real environments THEN it is valid and every tenant has at least one environment', () => {
    const tenants = loadTenantsFile(path.join(REPO_ROOT, 'tenants.yaml'), { environments: ENVIRONMENTS.map((e) => e.name), plans: defaultPlans() });
    expect(tenants.length).toBeGreaterThanOrEqual(3);
    expect(new Set(tenants.map((t) => t.plan.name))).toEqual(new Set(['free', 'standard', 'enterprise']));
    for (const t of tenants) expect(t.environments.length).toBeGreaterThan(0);
  });

  it('GIVEN a full entry WHEN loaded THEN every field is carried over and shared services are resolved', () => {
    const t = loadTenants(
      file(
        entry({
          displayName: 'Acme Corp',
          owners: '{ admin: [a], edit: [e], view: [v] }',
          environments: '[staging, production]',
          costCenter: 'cc-1',
          sharedServices: '[postgres]',
          overrides: '{ quota: { requestsCpu: 6, pods: 80, storageClasses: { gp3: { requestsStorage: 200Gi } } } }',
        }),
      ),
      OPTIONS,
    )[0]!;
    expect(t.tenant).toBe('acme');
    expect(t.displayName).toBe('Acme Corp');
    expect(t.plan.name).toBe('standard');
    expect(t.owners).toEqual({ admin: ['a'], edit: ['e'], view: ['v'] });
    expect(t.environments).toEqual(['staging', 'production']);
    expect(t.costCenter).toBe('cc-1');
    expect(t.sharedServices).toEqual([{ name: 'postgres', namespace: 'db-postgres', ports: [{ port: 5432 }] }]);
    // A YAML number for a quantity becomes its string.
    expect(t.quotaOverrides).toEqual({ requestsCpu: '6', pods: 80, storageClasses: { gp3: { requestsStorage: '200Gi' } } });
  });

  it('GIVEN a minimal entry WHEN loaded THEN optional fields are absent', () => {
    const t = loadTenants(file(entry()), OPTIONS)[0]!;
    expect(t.displayName).toBeUndefined();
    expect(t.costCenter).toBeUndefined();
    expect(t.quotaOverrides).toBeUndefined();
    expect(t.sharedServices).toEqual([]);
  });

  it('GIVEN a file path WHEN loaded THEN messages name the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenants-'));
    const f = path.join(dir, 'customers.yaml');
    fs.writeFileSync(f, file(entry({ plan: 'gold' })));
    try {
      expect(() => loadTenantsFile(f, OPTIONS)).toThrow('customers.yaml:5:11: tenants[0].plan: got "gold"; must be one of: enterprise, free, standard');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('errors', () => {
    it('rejects a duplicate id', () => {
      expect(load(file(entry(), entry({ id: 'globex' }), entry()))).toThrow(
        'tenants.yaml:14:9: tenants[2].id: got "acme"; duplicate of tenants[0].id; tenant ids must be unique',
      );
    });

    it('rejects an id that is not a DNS-1123 label', () => {
      expect(load(file(entry(), entry({ id: 'globex' }), entry({ id: 'Acme_Corp' })))).toThrow(
        'tenants.yaml:14:9: tenants[2].id: got "Acme_Corp"; must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit) of at most 56 characters, because the namespace is "tenant-<id>"',
      );
    });

    it('rejects a missing id', () => {
      expect(load(file(entry({ id: '' })))).toThrow(
        'tenants.yaml:4:5: tenants[0].id: got undefined; must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit) of at most 56 characters, because the namespace is "tenant-<id>"',
      );
    });

    it('rejects an unknown plan', () => {
      expect(load(file(entry({ plan: 'gold' })))).toThrow('tenants.yaml:5:11: tenants[0].plan: got "gold"; must be one of: enterprise, free, standard');
    });

    it("rejects a quota override below what the plan's LimitRange requires", () => {
      expect(load(file(entry({ overrides: '{ quota: { limitsMemory: 256Mi } }' })))).toThrow(
        'tenants.yaml:9:41: tenants[0].overrides.quota.limitsMemory: got "256Mi"; must be at least 512Mi, the plan "standard" LimitRange\'s default.memory (one container with default resources must fit in the quota)',
      );
    });

    it('rejects a storage-class override below the smallest claim', () => {
      expect(load(file(entry({ overrides: '{ quota: { storageClasses: { gp3: { requestsStorage: 100Mi } } } }' })))).toThrow(
        'tenants.yaml:9:69: tenants[0].overrides.quota.storageClasses.gp3.requestsStorage: got "100Mi"; must be at least 1Gi, the plan "standard" LimitRange\'s claims.min (one claim of the minimum size must fit in the quota)',
      );
    });

    it('rejects an unknown quota key', () => {
      expect(load(file(entry({ overrides: '{ quota: { cpu: 4 } }' })))).toThrow(
        'tenants.yaml:9:32: tenants[0].overrides.quota.cpu: got 4; unknown key "cpu"; allowed keys: requestsCpu, requestsMemory, limitsCpu, limitsMemory, pods, services, loadBalancers, nodePorts, persistentVolumeClaims, requestsStorage, storageClasses',
      );
    });

    it('rejects a malformed quota value', () => {
      expect(load(file(entry({ overrides: '{ quota: { pods: many } }' })))).toThrow(
        'tenants.yaml:9:33: tenants[0].overrides.quota.pods: got "many"; must be a non-negative integer',
      );
    });

    it('rejects an unknown environment', () => {
      expect(load(file(entry({ environments: '[production, prod]' })))).toThrow(
        'tenants.yaml:7:32: tenants[0].environments[1]: got "prod"; must be one of: development, staging, production, dr',
      );
    });

    it('rejects an empty environment list', () => {
      expect(load(file(entry({ environments: '[]' })))).toThrow(
        'tenants.yaml:7:19: tenants[0].environments: got []; must list at least one of: development, staging, production, dr',
      );
    });

    it('rejects an environment listed twice', () => {
      expect(load(file(entry({ environments: '[production, production]' })))).toThrow(
        'tenants.yaml:7:32: tenants[0].environments[1]: got "production"; is listed twice (also environments[0])',
      );
    });

    it('rejects an unknown key in an entry (a typo)', () => {
      expect(load(file(entry({ enviroments: '[production]' })))).toThrow(
        'tenants.yaml:9:18: tenants[0].enviroments: got ["production"]; unknown key "enviroments"; allowed keys: id, displayName, plan, owners, environments, sourceRepos, costCenter, sharedServices, hostnames, overrides',
      );
    });

    it('GIVEN hostnames WHEN loaded THEN they are carried over in order', () => {
      const [t] = loadTenants(file(entry({ hostnames: '[shop.acme.com, "*.acme.io"]' })), OPTIONS);
      expect(t?.hostnames).toEqual(['shop.acme.com', '*.acme.io']);
    });

    it('rejects a host name claimed by two tenants, naming both entries', () => {
      const text = file(entry({ hostnames: '[shop.acme.com]' }), entry({ id: 'globex', hostnames: '[www.globex.com, shop.acme.com]' }));
      expect(load(text)).toThrow(
        'tenants.yaml:15:33: tenants[1].hostnames[1]: got "shop.acme.com"; is already claimed by tenant acme (tenants[0].hostnames[0]); a host name belongs to one tenant',
      );
    });

    it("rejects a wildcard overlapping another tenant's name", () => {
      const text = file(entry({ hostnames: '[shop.acme.com]' }), entry({ id: 'globex', hostnames: '["*.acme.com"]' }));
      expect(load(text)).toThrow(
        'tenants.yaml:15:17: tenants[1].hostnames[0]: got "*.acme.com"; overlaps "shop.acme.com", which is already claimed by tenant acme (tenants[0].hostnames[0]); a host name belongs to one tenant',
      );
    });

    it('rejects a host name that is no DNS name', () => {
      expect(load(file(entry({ hostnames: '[Shop_Acme.com]' })))).toThrow(
        'tenants.yaml:9:17: tenants[0].hostnames[0]: got "Shop_Acme.com"; must be a DNS name: lowercase labels of [a-z0-9-] separated by dots, at most 253 characters, optionally starting with one "*." wildcard label',
      );
    });

    it('rejects a tenant without admin groups', () => {
      expect(load(file(entry({ owners: '{ edit: [devs] }' })))).toThrow(
        'tenants.yaml:6:13: tenants[0].owners.admin: got undefined; must list at least one group: a tenant without an owner cannot be operated',
      );
    });

    it('rejects a system group', () => {
      expect(load(file(entry({ owners: '{ admin: ["system:masters"] }' })))).toThrow(
        'tenants.yaml:6:23: tenants[0].owners.admin[0]: got "system:masters"; must not be a "system:" group: it would grant the namespace to every user or service account of the cluster',
      );
    });

    it('rejects a wildcard repository', () => {
      expect(load(file(entry({ sourceRepos: '["https://github.com/acme/*"]' })))).toThrow(
        'tenants.yaml:8:19: tenants[0].sourceRepos[0]: got "https://github.com/acme/*"; must be a Git repository URL (https://, ssh:// or git@) without wildcards: Argo CD would otherwise deploy from any repository',
      );
    });

    it('rejects an unknown shared service', () => {
      expect(load(file(entry({ sharedServices: '[postgres, kafka]' })))).toThrow(
        'tenants.yaml:9:32: tenants[0].sharedServices[1]: got "kafka"; must be one of the sharedServices defined in the file: postgres',
      );
    });

    it('rejects a shared service pointing into a tenant namespace', () => {
      expect(load('sharedServices:\n  evil: { namespace: tenant-globex, ports: [{ port: 80 }] }\ntenants: []\n')).toThrow(
        'tenants.yaml:2:22: sharedServices.evil.namespace: got "tenant-globex"; must be a platform namespace: egress into another tenant\'s namespace ("tenant-*") would break tenant isolation',
      );
    });

    it('rejects a shared service port out of range', () => {
      expect(load('sharedServices:\n  db: { namespace: db, ports: [{ port: 0 }] }\ntenants: []\n')).toThrow(
        'tenants.yaml:2:40: sharedServices.db.ports[0].port: got 0; must be an integer from 1 to 65535',
      );
    });

    it('rejects a cost center that is not a label value', () => {
      expect(load(file(entry({ costCenter: '"cost center"' })))).toThrow(
        'tenants.yaml:9:17: tenants[0].costCenter: got "cost center"; must be a label value: at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric',
      );
    });

    it('rejects a file without a tenants list', () => {
      expect(load('tenant:\n  - id: a\n')).toThrow('tenants.yaml:2:3: tenant: got [{"id":"a"}]; unknown key "tenant"; allowed keys: sharedServices, tenants');
      expect(load('sharedServices: {}\n')).toThrow('tenants.yaml:1:1: tenants: got undefined; must be a list');
    });

    it('rejects invalid YAML', () => {
      expect(load('tenants: [\n')).toThrow(PlatformConfigError);
      expect(load('tenants: [\n')).toThrow(/^tenants\.yaml:2:1: \(document\): got invalid YAML: .*; must be valid YAML$/);
    });
  });
});
