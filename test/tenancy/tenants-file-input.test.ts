import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { KubeConfigMap } from '../../imports/k8s';
import {
  addGitOpsDelivery,
  defaultPlans,
  DeliveryTool,
  EnvironmentChart,
  LoadTenantsOptions,
  loadTenants,
  loadTenantsFile,
  Plan,
  PlatformConfigError,
  synthesizeToJson,
  TenantNamespace,
} from '../../src';
import { inputOriginOf, traceInput } from '../../src/synth/provenance';
import { development } from '../helpers';

const OPTIONS: LoadTenantsOptions = { environments: ['development', 'staging', 'production', 'dr'], plans: defaultPlans() };

/** Four valid entries (tenants[0..3]); `last` replaces or adds fields of the fourth. */
function fileWith(last: Record<string, string>): string {
  const entry = (id: string, extra: Record<string, string> = {}) => {
    const fields: Record<string, string> = {
      id,
      plan: 'free',
      owners: '{ admin: [admins] }',
      environments: '[development]',
      sourceRepos: '[https://github.com/acme/deploy.git]',
      ...extra,
    };
    return Object.entries(fields)
      .map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${k}: ${v}`)
      .join('\n');
  };
  return `tenants:\n${[entry('a'), entry('b'), entry('c'), entry('d', last)].join('\n')}\n`;
}

const load =
  (text: string, options: LoadTenantsOptions = OPTIONS) =>
  () =>
    loadTenants(text, options);

describe('values YAML read as something other than text', () => {
  it('GIVEN costCenter: 0755 WHEN loaded THEN the message gives line and column, the number YAML read and says to quote it', () => {
    // Line 22 is the fourth entry's costCenter; column 17 is where 0755 starts.
    expect(load(fileWith({ costCenter: '0755' }))).toThrow(
      new PlatformConfigError('tenants.yaml:22:17', 'tenants[3].costCenter', 755, 'quote it: "0755"', 'the number 755 (YAML read 0755 as a number)'),
    );
    expect(load(fileWith({ costCenter: '0755' }))).toThrow(
      'tenants.yaml:22:17: tenants[3].costCenter: got the number 755 (YAML read 0755 as a number); quote it: "0755"',
    );
  });

  it('GIVEN an octal, a boolean and null where text is expected WHEN loaded THEN each names what YAML read', () => {
    expect(load(fileWith({ costCenter: '0o755' }))).toThrow(
      'tenants.yaml:22:17: tenants[3].costCenter: got the number 493 (YAML read 0o755 as an octal number); quote it: "0o755"',
    );
    expect(load(fileWith({ displayName: 'True' }))).toThrow(
      'tenants.yaml:22:18: tenants[3].displayName: got the boolean true (YAML read True as a boolean); quote it: "True"',
    );
    expect(load(fileWith({ owners: '{ admin: [admins, ~] }' }))).toThrow(
      'tenants.yaml:19:31: tenants[3].owners.admin[1]: got null (YAML read ~ as null); quote it: "~"',
    );
    expect(load(fileWith({ environments: '[development, 2024]' }))).toThrow(
      'tenants.yaml:20:33: tenants[3].environments[1]: got the number 2024; quote it: "2024"',
    );
  });

  it('GIVEN the same value quoted WHEN loaded THEN it is accepted as text', () => {
    const tenants = loadTenants(fileWith({ costCenter: '"0755"' }), OPTIONS);
    expect(tenants[3]!.costCenter).toBe('0755');
  });

  it("GIVEN a number in a shared service's podSelector WHEN loaded THEN it is located and quoted too", () => {
    expect(load('sharedServices:\n  pg: { namespace: db, podSelector: { tier: 1 }, ports: [{ port: 5432 }] }\ntenants: []\n')).toThrow(
      'tenants.yaml:2:45: sharedServices.pg.podSelector.tier: got the number 1; quote it: "1"',
    );
  });
});

describe("the reader's limits", () => {
  const bomb = [
    'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
    ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
    'tenants: [*i]',
  ].join('\n');

  it('GIVEN an alias bomb (9 levels of 9, ~387 million strings) WHEN loaded THEN it fails at once with a clear message and bounded memory', () => {
    const before = process.memoryUsage().heapUsed;
    expect(load(bomb)).toThrow(
      'tenants.yaml: (document): got aliases that expand to more than 100 copies; must not need more than 100 alias expansions: aliases that expand to aliases grow exponentially (a YAML "billion laughs" bomb); write the data out',
    );
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('GIVEN aliases within the limit WHEN loaded THEN they are resolved', () => {
    const text =
      'tenants:\n  - { id: a, plan: free, owners: &owners { admin: [acme-admins] }, environments: [development], sourceRepos: [https://github.com/a/b.git] }\n' +
      '  - { id: b, plan: free, owners: *owners, environments: [development], sourceRepos: [https://github.com/a/b.git] }\n';
    expect(loadTenants(text, OPTIONS).map((t) => t.owners)).toEqual([{ admin: ['acme-admins'] }, { admin: ['acme-admins'] }]);
  });

  it('GIVEN text over the size limit WHEN loaded THEN it fails before parsing', () => {
    expect(load(fileWith({ costCenter: 'cc-1' }), { ...OPTIONS, limits: { maxBytes: 100 } })).toThrow(
      /^tenants\.yaml: \(file\): got \d+ bytes; must be at most 100 bytes: input files are read whole$/,
    );
  });

  it('GIVEN a 5 MiB file WHEN loaded from disk THEN the size is refused without reading it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenants-size-'));
    try {
      const f = path.join(dir, 'tenants.yaml');
      fs.writeFileSync(f, '');
      fs.truncateSync(f, 5 * 1024 * 1024);
      expect(() => loadTenantsFile(f, OPTIONS)).toThrow('tenants.yaml: (file): got 5242880 bytes; must be at most 4194304 bytes: input files are read whole');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN a key twice WHEN loaded THEN it is invalid YAML with its place', () => {
    expect(load('tenants: []\ntenants: []\n')).toThrow('tenants.yaml:2:1: (document): got invalid YAML: Map keys must be unique; must be valid YAML');
  });
});

describe('problems found on generated objects point at the input field', () => {
  const long = 'A'.repeat(300);
  const allowed = "must be one line of text of 1 to 150 characters (it becomes an annotation and the Argo CD project's description, at most 255 characters)";

  it('GIVEN a 300-character displayName in the file WHEN loaded THEN tenants[i].displayName is blamed, not the AppProject', () => {
    expect(load(fileWith({ displayName: long }))).toThrow(new PlatformConfigError('tenants.yaml:22:18', 'tenants[3].displayName', long, allowed));
  });

  it('GIVEN a display name with a newline WHEN loaded THEN it is refused', () => {
    expect(load(fileWith({ displayName: '"Acme\\nCorp"' }))).toThrow(`tenants.yaml:22:18: tenants[3].displayName: got "Acme\\nCorp"; ${allowed}`);
  });

  it("GIVEN a definition from the file WHEN the construct finds a problem in a prop THEN it reports the file's line and field", () => {
    const t = loadTenants(fileWith({ displayName: 'Delta' }), OPTIONS)[3]!;
    const chart = new EnvironmentChart(new App(), { profile: development });
    expect(() => new TenantNamespace(chart, 'd', { ...t, displayName: long })).toThrow(
      new PlatformConfigError('tenants.yaml:22:18', 'tenants[3].displayName', long, allowed),
    );
    expect(() => new TenantNamespace(chart, 'd2', { ...t, tenant: 'Bad_Id' })).toThrow(
      'tenants.yaml:17:9: tenants[3].id: got "Bad_Id"; must be a DNS-1123 label',
    );
  });

  it('GIVEN the construct used directly WHEN displayName is 300 characters THEN the construct path is named', () => {
    const chart = new EnvironmentChart(new App(), { profile: development });
    expect(
      () =>
        new TenantNamespace(chart, 'acme', {
          tenant: 'acme',
          displayName: long,
          plan: Plan.free(),
          owners: { admin: ['a'] },
          sourceRepos: ['https://github.com/a/b.git'],
        }),
    ).toThrow(new PlatformConfigError('development/acme', 'displayName', long, allowed));
  });
});

describe('provenance of generated fields', () => {
  it('GIVEN a generated field traced to an input WHEN schema validation fails on it THEN the input location is named first, the object as context', () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: development });
    const cm = new KubeConfigMap(chart, 'cm', { metadata: { name: 'settings', namespace: 'apps', labels: { team: 'not a label value' } } });
    traceInput(cm, 'metadata.labels', 'teams.yaml:3:9: teams[0].name');
    expect(synthesizeToJson(app).problems).toEqual([
      'teams.yaml:3:9: teams[0].name: label value "not a label value" must be at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric (in development/apps/ConfigMap/settings metadata.labels.team)',
    ]);
  });

  it('GIVEN a tenant from the file WHEN built THEN its Namespace fields and AppProject description are traced to the entry', () => {
    const t = loadTenants(fileWith({ displayName: 'Delta', costCenter: 'cc-4' }), OPTIONS)[3]!;
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: development });
    const tenant = new TenantNamespace(chart, 'd', t);
    const ns = tenant.node.findChild('Resource');
    expect(inputOriginOf(ns, 'metadata.annotations["platform.io/display-name"]')).toBe('tenants.yaml:22:18: tenants[3].displayName');
    expect(inputOriginOf(ns, 'metadata.labels["platform.io/cost-center"]')).toBe('tenants.yaml:23:17: tenants[3].costCenter');
    expect(inputOriginOf(ns, 'metadata.name')).toBeUndefined();
    // The delivery is built when synth starts, or when a field of it is read.
    expect(
      addGitOpsDelivery(app, { environment: chart, source: { url: 'https://github.com/acme/platform.git' }, tools: [DeliveryTool.argoCd()] }).charts.length,
    ).toBeGreaterThan(0);
    const project = app.node.findAll().find((c) => c instanceof ApiObject && c.kind === 'AppProject' && c.metadata.name === 'tenant-d')!;
    expect(inputOriginOf(project, 'spec.description')).toBe('tenants.yaml:22:18: tenants[3].displayName');
    expect(inputOriginOf(project, 'spec.sourceRepos[0]')).toBe('tenants.yaml:21:18: tenants[3].sourceRepos');
  });

  it('GIVEN a tenant from the file WHEN built with its delivery THEN no field is located until a message asks (no positioned parse of the file)', () => {
    const t = loadTenants(fileWith({ displayName: 'Delta', costCenter: 'cc-4' }), OPTIONS)[3]!;
    const located: string[] = [];
    const source = { entry: t.source!.entry, locate: (field: string) => (located.push(field), t.source!.locate(field)) };
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: development });
    const tenant = new TenantNamespace(chart, 'd', { ...t, source });
    addGitOpsDelivery(app, { environment: chart, source: { url: 'https://github.com/acme/platform.git' }, tools: [DeliveryTool.argoCd()] });
    expect(located).toEqual([]);
    expect(inputOriginOf(tenant.node.findChild('Resource'), 'metadata.labels["platform.io/cost-center"]')).toBe('tenants.yaml:23:17: tenants[3].costCenter');
    expect(located).toEqual(['tenants[3].costCenter']);
  });
});
