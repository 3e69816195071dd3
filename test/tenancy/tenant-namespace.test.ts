import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  addGitOpsDelivery,
  DeliveryTool,
  EnvironmentChart,
  synthesizeToJson,
  TENANT_ADMIN_EXTRA_RULES,
  TENANT_EDIT_RULES,
  TENANT_RESOURCE_BLACKLIST,
  checkTenantIsolation,
  defaultPlans,
  Engine,
  EnvironmentProfile,
  loadTenants,
  MonitoringMode,
  Plan,
  SharedService,
  StatefulDatastore,
  TenantDefinition,
  TenantNamespace,
  TenantNamespaceProps,
  TrafficLayer,
} from '../../src';
import { peerOf } from '../../src/core/connections';
import { GATEWAY_PROXY_PEER, development, production, synthEnv, testProfile } from '../helpers';

const BASE: TenantNamespaceProps = {
  tenant: 'acme',
  displayName: 'Acme Corporation',
  plan: Plan.standard(),
  owners: { admin: ['acme-admins'], edit: ['acme-devs'], view: ['acme-auditors'] },
  sourceRepos: ['https://github.com/acme/deploy.git'],
};

function tenant(props: Partial<TenantNamespaceProps> = {}, profile: EnvironmentProfile = development) {
  return synthEnv((chart) => {
    new TenantNamespace(chart, 'acme', { ...BASE, ...props });
  }, profile);
}

/** GIVEN a tenant WHEN delivered with Argo CD THEN its AppProject, from the bootstrap folder of the environment. */
function tenantProject(props: Partial<TenantNamespaceProps> = {}, profile: EnvironmentProfile = development): Record<string, any> {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile });
  new TenantNamespace(chart, 'acme', { ...BASE, ...props });
  addGitOpsDelivery(app, { environment: chart, source: { url: 'https://github.com/acme/platform.git' }, tools: [DeliveryTool.argoCd()] });
  const { envs } = synthesizeToJson(app);
  expect(envs.find((e) => e.directory === profile.name)!.documents.filter((d) => d.object.kind === 'AppProject')).toEqual([]);
  const docs = envs.find((e) => e.directory === `argocd/${profile.name}/apps`)!.documents;
  return docs.find((d) => d.object.kind === 'AppProject' && d.object.metadata.name === 'tenant-acme')!.object;
}

describe('TenantNamespace', () => {
  describe('Namespace', () => {
    it('GIVEN a tenant WHEN synthesized THEN the namespace enforces PSS restricted with pinned versions', () => {
      const ns = tenant().find('Namespace', 'tenant-acme');
      for (const mode of ['enforce', 'audit', 'warn']) {
        expect(ns.metadata.labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
        expect(ns.metadata.labels[`pod-security.kubernetes.io/${mode}-version`]).toBe('v1.27');
      }
    });

    it('GIVEN a tenant WHEN synthesized THEN the namespace carries tenant, plan, environment and cost labels and display annotations', () => {
      const ns = tenant({ costCenter: 'cc-1001' }).find('Namespace', 'tenant-acme');
      expect(ns.metadata.labels).toMatchObject({
        'platform.io/tenant': 'acme',
        'platform.io/plan': 'standard',
        'platform.io/environment': 'development',
        'platform.io/cost-center': 'cc-1001',
      });
      expect(ns.metadata.annotations).toEqual({ 'platform.io/display-name': 'Acme Corporation', 'platform.io/owners': 'acme-admins' });
    });

    it('GIVEN no costCenter and no displayName WHEN synthesized THEN both default to the tenant id', () => {
      const ns = tenant({ displayName: undefined }).find('Namespace', 'tenant-acme');
      expect(ns.metadata.labels['platform.io/cost-center']).toBe('acme');
      expect(ns.metadata.annotations['platform.io/display-name']).toBe('acme');
    });

    it('GIVEN a profile protecting stateful resources WHEN synthesized THEN Argo CD may neither prune nor delete the namespace', () => {
      expect(tenant({}, production).find('Namespace', 'tenant-acme').metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
      expect(tenant({}, development).find('Namespace', 'tenant-acme').metadata.annotations['argocd.argoproj.io/sync-options']).toBeUndefined();
    });
  });

  describe('ResourceQuota and LimitRange', () => {
    it('GIVEN the standard plan WHEN synthesized THEN the quota limits compute, objects and storage', () => {
      const q = tenant().find('ResourceQuota', 'resource-quota', 'tenant-acme');
      expect(q.spec.hard).toEqual({
        'requests.cpu': '4',
        'requests.memory': '8Gi',
        'limits.cpu': '8',
        'limits.memory': '16Gi',
        pods: 50,
        services: 20,
        'services.loadbalancers': 1,
        'services.nodeports': 0,
        persistentvolumeclaims: 10,
        'requests.storage': '100Gi',
      });
    });

    it('GIVEN quota overrides with a storage class WHEN synthesized THEN they replace the plan entries and add per-class quotas', () => {
      const q = tenant({
        quotaOverrides: { pods: 80, requestsCpu: '6', storageClasses: { gp3: { requestsStorage: '50Gi', persistentVolumeClaims: 5 } } },
      }).find('ResourceQuota', 'resource-quota', 'tenant-acme');
      expect(q.spec.hard.pods).toBe(80);
      expect(q.spec.hard['requests.cpu']).toBe('6');
      expect(q.spec.hard['limits.cpu']).toBe('8');
      expect(q.spec.hard['gp3.storageclass.storage.k8s.io/requests.storage']).toBe('50Gi');
      expect(q.spec.hard['gp3.storageclass.storage.k8s.io/persistentvolumeclaims']).toBe(5);
    });

    it('GIVEN the standard plan WHEN synthesized THEN the LimitRange sets default, defaultRequest, min, max, ratio and PVC bounds', () => {
      const lr = tenant().find('LimitRange', 'limit-range', 'tenant-acme');
      expect(lr.spec.limits).toEqual([
        {
          type: 'Container',
          default: { cpu: '1', memory: '512Mi' },
          defaultRequest: { cpu: '100m', memory: '128Mi' },
          min: { cpu: '10m', memory: '16Mi' },
          max: { cpu: '2', memory: '4Gi' },
          maxLimitRequestRatio: { cpu: '10', memory: '4' },
        },
        { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '50Gi' } },
      ]);
    });
  });

  describe('NetworkPolicies', () => {
    it('GIVEN a tenant WHEN synthesized THEN every pod is denied in and out by default', () => {
      const np = tenant().find('NetworkPolicy', 'default-deny-all', 'tenant-acme');
      expect(np.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    });

    it('GIVEN a tenant WHEN synthesized THEN DNS egress goes to kube-dns on port 53 only', () => {
      const np = tenant().find('NetworkPolicy', 'allow-dns', 'tenant-acme');
      expect(np.spec.policyTypes).toEqual(['Egress']);
      expect(np.spec.egress[0].to[0].podSelector.matchLabels).toEqual({ 'k8s-app': 'kube-dns' });
      expect(np.spec.egress[0].ports).toEqual([
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ]);
    });

    it('GIVEN a tenant WHEN synthesized THEN pods of the namespace reach each other and nothing else through that policy', () => {
      const np = tenant().find('NetworkPolicy', 'allow-same-namespace', 'tenant-acme');
      expect(np.spec.ingress).toEqual([{ from: [{ podSelector: {} }] }]);
      expect(np.spec.egress).toEqual([{ to: [{ podSelector: {} }] }]);
    });

    it("GIVEN a profile that keeps Ingress WHEN synthesized THEN ingress is admitted from its ingress controller's pods", () => {
      const np = tenant({}, testProfile({ traffic: TrafficLayer.ingress({ className: 'nginx', controllerNamespace: 'edge' }) })).find(
        'NetworkPolicy',
        'allow-from-ingress-controller',
        'tenant-acme',
      );
      expect(np.spec.ingress).toEqual([
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } },
            },
          ],
        },
      ]);
    });

    it("GIVEN Gateway API (the default) WHEN synthesized THEN ingress is admitted from the Envoy proxies of the environment's Gateway only", () => {
      const np = tenant().find('NetworkPolicy', 'allow-from-ingress-controller', 'tenant-acme');
      expect(np.spec.ingress).toEqual([
        {
          from: [GATEWAY_PROXY_PEER],
        },
      ]);
    });

    it('GIVEN metrics ports WHEN synthesized THEN the monitoring namespace may scrape only those ports', () => {
      const np = tenant({ metricsPorts: ['metrics', 9102] }).find('NetworkPolicy', 'allow-monitoring-scrape', 'tenant-acme');
      expect(np.spec.ingress).toEqual([
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [
            { protocol: 'TCP', port: 'metrics' },
            { protocol: 'TCP', port: 9102 },
          ],
        },
      ]);
    });

    it('GIVEN entitled shared services WHEN synthesized THEN egress goes to their pods on their ports only', () => {
      const np = tenant({
        sharedServices: [
          { name: 'postgres', namespace: 'db-postgres', podSelector: { 'app.kubernetes.io/name': 'postgres' }, ports: [{ port: 5432 }] },
          { name: 'dns-cache', namespace: 'system', ports: [{ port: 5353, protocol: 'UDP' }] },
        ],
      }).find('NetworkPolicy', 'allow-shared-services', 'tenant-acme');
      expect(np.spec.policyTypes).toEqual(['Egress']);
      expect(np.spec.egress).toEqual([
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db-postgres' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 5432 }],
        },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'system' } } }], ports: [{ protocol: 'UDP', port: 5353 }] },
      ]);
    });

    it('GIVEN no shared services WHEN synthesized THEN no shared-services policy exists', () => {
      expect(
        tenant()
          .all('NetworkPolicy')
          .map((n) => n.metadata.name)
          .sort(),
      ).toEqual(['allow-dns', 'allow-from-ingress-controller', 'allow-monitoring-scrape', 'allow-same-namespace', 'default-deny-all']);
    });
  });

  describe('shared services through the connection graph', () => {
    const POSTGRES: SharedService = {
      name: 'postgres',
      namespace: 'db-postgres',
      podSelector: { 'app.kubernetes.io/name': 'postgres' },
      ports: [{ port: 5432 }],
    };
    const tenantPeer = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, podSelector: { matchLabels: {} } });
    /** Tenants entitled to `service`, then (declared after them: order must not matter) a PostgreSQL named postgres. */
    const withPostgres = (service: SharedService, ids: readonly string[] = ['acme'], managed?: { host: string; cidrs: string[] }) => {
      const tenants: TenantNamespace[] = [];
      const env = synthEnv((chart) => {
        for (const id of ids) tenants.push(new TenantNamespace(chart, id, { ...BASE, tenant: id, sharedServices: [service] }));
        new StatefulDatastore(chart, 'postgres', { name: 'postgres', namespace: 'db-postgres', engine: Engine.postgres(), managed });
      });
      return { env, tenants };
    };

    it('GIVEN a tenant THEN it is a graph peer selecting every pod of its namespace and accepting no connections', () => {
      // GIVEN
      let t!: TenantNamespace;
      synthEnv((chart) => {
        t = new TenantNamespace(chart, 'acme', BASE);
      });
      // THEN
      expect([t.workloadName, t.namespace, t.podSelector, t.clientPorts]).toEqual(['tenant-acme', 'tenant-acme', {}, []]);
      expect(peerOf(t)).toEqual(tenantPeer('tenant-acme'));
    });

    it('GIVEN a StatefulDatastore postgres and an entitled tenant WHEN synthesized THEN the postgres NetworkPolicy admits the tenant namespace on 5432 and the tenant egresses to its pods', () => {
      // GIVEN / WHEN
      const { env } = withPostgres(POSTGRES);
      // THEN
      const ds = env.find('NetworkPolicy', 'postgres', 'db-postgres');
      expect(ds.spec.ingress).toContainEqual({ from: [tenantPeer('tenant-acme')], ports: [{ protocol: 'TCP', port: 5432 }] });
      // The datastore's pods by its selector labels (CloudNativePG gives them to instances and the pooler).
      const podSelector = { matchLabels: { 'app.kubernetes.io/instance': 'postgres', 'app.kubernetes.io/name': 'postgres' } };
      expect(env.find('NetworkPolicy', 'allow-shared-services', 'tenant-acme').spec.egress).toEqual([
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db-postgres' } }, podSelector }],
          ports: [{ protocol: 'TCP', port: 5432 }],
        },
      ]);
    });

    it('GIVEN two tenants entitled to the same datastore WHEN synthesized THEN it admits both and tenant isolation still holds', () => {
      const { env } = withPostgres(POSTGRES, ['acme', 'globex']);
      const from = env.find('NetworkPolicy', 'postgres', 'db-postgres').spec.ingress.map((r: any) => r.from[0]);
      expect(from).toContainEqual(tenantPeer('tenant-acme'));
      expect(from).toContainEqual(tenantPeer('tenant-globex'));
      expect(checkTenantIsolation(env.docs)).toEqual([]);
    });

    it('GIVEN an explicit workload name WHEN the pod labels differ THEN the graph workload decides', () => {
      const { env } = withPostgres({ ...POSTGRES, workload: 'postgres', podSelector: { app: 'pg' } });
      expect(env.find('NetworkPolicy', 'postgres', 'db-postgres').spec.ingress).toContainEqual({
        from: [tenantPeer('tenant-acme')],
        ports: [{ protocol: 'TCP', port: 5432 }],
      });
      expect(env.find('NetworkPolicy', 'allow-shared-services', 'tenant-acme').spec.egress[0].to[0].podSelector).toEqual({
        matchLabels: { 'app.kubernetes.io/instance': 'postgres', 'app.kubernetes.io/name': 'postgres' },
      });
    });

    it('GIVEN a managed datastore WHEN a tenant is entitled THEN the tenant egress goes to its CIDRs on its port', () => {
      // GIVEN / WHEN
      const { env } = withPostgres(POSTGRES, ['acme'], { host: 'pg.abc123.eu-west-1.rds.amazonaws.com', cidrs: ['10.20.0.0/16'] });
      // THEN
      expect(env.find('NetworkPolicy', 'allow-shared-services', 'tenant-acme').spec.egress).toEqual([
        { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      ]);
    });

    it('GIVEN a managed datastore and two entitled tenants THEN checkTenantIsolation flags the ipBlock (it may cover pod IPs)', () => {
      const { env } = withPostgres(POSTGRES, ['acme', 'globex'], { host: 'pg.abc123.eu-west-1.rds.amazonaws.com', cidrs: ['10.20.0.0/16'] });
      expect(checkTenantIsolation(env.docs)).toEqual([
        "NetworkPolicy tenant-acme/allow-shared-services: egress[0].to[0] is an ipBlock (10.20.0.0/16), which may cover other tenants' pod IPs",
        "NetworkPolicy tenant-globex/allow-shared-services: egress[0].to[0] is an ipBlock (10.20.0.0/16), which may cover other tenants' pod IPs",
      ]);
    });

    it('GIVEN a shared service outside the graph WHEN no workload of that name exists THEN the egress comes from the file', () => {
      const { env } = withPostgres({ name: 'cache', namespace: 'db-redis', podSelector: { 'app.kubernetes.io/name': 'redis' }, ports: [{ port: 6379 }] });
      expect(env.find('NetworkPolicy', 'allow-shared-services', 'tenant-acme').spec.egress).toEqual([
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db-redis' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 6379 }],
        },
      ]);
      expect(env.find('NetworkPolicy', 'postgres', 'db-postgres').spec.ingress.map((r: any) => r.from[0])).not.toContainEqual(tenantPeer('tenant-acme'));
    });

    it('GIVEN HA Redis and a tenant entitled to the workload without ports WHEN synthesized THEN it is admitted to every port Redis clients use: the master proxy and Sentinel', () => {
      const env = synthEnv((chart) => {
        new TenantNamespace(chart, 'acme', { ...BASE, sharedServices: [{ name: 'redis', namespace: 'db-redis', workload: 'redis' }] });
        new StatefulDatastore(chart, 'redis', { name: 'redis', namespace: 'db-redis', engine: Engine.redis() });
      }, production);
      expect(env.find('NetworkPolicy', 'redis', 'db-redis').spec.ingress).toContainEqual({
        from: [tenantPeer('tenant-acme')],
        ports: [
          { protocol: 'TCP', port: 6379 },
          { protocol: 'TCP', port: 26379 },
        ],
      });
      expect(env.find('NetworkPolicy', 'allow-shared-services', 'tenant-acme').spec.egress[0].ports).toEqual([
        { protocol: 'TCP', port: 6379 },
        { protocol: 'TCP', port: 26379 },
      ]);
    });

    it('rejects a shared service without ports that names no workload', () => {
      expect(() => tenant({ sharedServices: [{ name: 'x', namespace: 'db' }] })).toThrow(
        'development/acme: sharedServices[0].ports: got undefined; must list at least one port, or name the `workload` whose client ports the tenant may reach',
      );
    });

    it('rejects an unknown workload name', () => {
      expect(() => withPostgres({ ...POSTGRES, workload: 'postgress' })).toThrow(
        'development/acme: sharedServices[0].workload: got "db-postgres/postgress"; no workload named "postgress" in namespace "db-postgres"; known workloads: db-postgres/postgres',
      );
    });

    it('rejects a port the workload does not expose', () => {
      expect(() => withPostgres({ ...POSTGRES, ports: [{ port: 5433 }] })).toThrow(
        'development/acme: sharedServices[0].ports: got 5433; "postgres" exposes no port 5433; its ports: postgresql (5432)',
      );
    });

    it('rejects a workload name that is not a DNS-1123 label', () => {
      expect(() => withPostgres({ ...POSTGRES, workload: 'Postgres' })).toThrow(
        'development/acme: sharedServices[0].workload: got "Postgres"; must be the name of a workload of the connection graph (a DNS-1123 label, e.g. the StatefulDatastore\'s name)',
      );
    });

    it('GIVEN tenants.yaml with sharedServices.<key>.workload WHEN loaded THEN the entitlement carries it', () => {
      const text = [
        'sharedServices:',
        '  pg: { namespace: db-postgres, workload: postgres, ports: [{ port: 5432 }] }',
        'tenants:',
        '  - { id: acme, plan: free, owners: { admin: [a] }, environments: [development], sourceRepos: [https://github.com/acme/x.git], sharedServices: [pg] }',
      ].join('\n');
      const t = loadTenants(text, { environments: ['development'], plans: defaultPlans() })[0]!;
      expect(t.sharedServices).toEqual([{ name: 'pg', namespace: 'db-postgres', workload: 'postgres', ports: [{ port: 5432 }] }]);
    });
  });

  describe('RBAC', () => {
    it('GIVEN owners WHEN synthesized THEN admin and edit groups are bound to the platform tenant roles and view to view', () => {
      const env = tenant();
      for (const [binding, role, group] of [
        ['platform-tenant-admin', 'platform-tenant-admin', 'acme-admins'],
        ['platform-tenant-edit', 'platform-tenant-edit', 'acme-devs'],
        ['tenant-view', 'view', 'acme-auditors'],
      ] as const) {
        const rb = env.find('RoleBinding', binding, 'tenant-acme');
        expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role });
        expect(rb.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }]);
      }
      expect(env.all('RoleBinding').map((r) => r.roleRef.name)).not.toEqual(expect.arrayContaining(['cluster-admin', 'admin', 'edit']));
    });

    it('GIVEN two tenants WHEN synthesized THEN the tenant ClusterRoles exist once, and only admin may read RBAC', () => {
      const env = synthEnv((chart) => {
        new TenantNamespace(chart, 'a', { ...BASE, tenant: 'a' });
        new TenantNamespace(chart, 'b', { ...BASE, tenant: 'b' });
      });
      expect(env.all('ClusterRole').map((r) => r.metadata.name)).toEqual(['platform-tenant-admin', 'platform-tenant-edit']);
      expect(env.find('ClusterRole', 'platform-tenant-edit').rules).toEqual(TENANT_EDIT_RULES);
      expect(env.find('ClusterRole', 'platform-tenant-admin').rules).toEqual([...TENANT_EDIT_RULES, ...TENANT_ADMIN_EXTRA_RULES]);
      const np = env.find('ClusterRole', 'platform-tenant-admin').rules.filter((r: any) => r.resources.includes('networkpolicies'));
      expect(np).toEqual([{ apiGroups: ['networking.k8s.io'], resources: ['ingresses/status', 'networkpolicies'], verbs: ['get', 'list', 'watch'] }]);
    });

    it('GIVEN prometheus-operator WHEN synthesized THEN both tenant roles may manage monitors and rules', () => {
      const env = tenant({}, testProfile({ monitoring: { ...development.monitoring, mode: MonitoringMode.operator() } }));
      for (const name of ['platform-tenant-edit', 'platform-tenant-admin']) {
        expect(env.find('ClusterRole', name).rules).toContainEqual({
          apiGroups: ['monitoring.coreos.com'],
          resources: ['podmonitors', 'prometheusrules', 'servicemonitors'],
          verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        });
      }
    });

    it('GIVEN only admins WHEN synthesized THEN no edit or view binding is emitted', () => {
      const env = tenant({ owners: { admin: ['a', 'b'] } });
      expect(
        env
          .all('RoleBinding')
          .map((r) => r.metadata.name)
          .sort(),
      ).toEqual(['ci-deployer', 'platform-tenant-admin']);
      expect(env.find('RoleBinding', 'platform-tenant-admin').subjects.map((s: any) => s.name)).toEqual(['a', 'b']);
    });

    it('GIVEN a tenant WHEN synthesized THEN the CI deployer has no mounted token and a namespaced Role without wildcards, secrets or RBAC', () => {
      const env = tenant();
      expect(env.find('ServiceAccount', 'ci-deployer', 'tenant-acme').automountServiceAccountToken).toBe(false);
      const role = env.find('Role', 'ci-deployer', 'tenant-acme');
      const resources = role.rules.flatMap((r: any) => r.resources);
      const verbs = role.rules.flatMap((r: any) => r.verbs);
      expect(resources).toContain('deployments');
      expect(resources).not.toContain('*');
      expect(verbs).not.toContain('*');
      expect(role.rules.flatMap((r: any) => r.apiGroups)).not.toContain('*');
      for (const forbidden of ['secrets', 'roles', 'rolebindings', 'networkpolicies', 'resourcequotas', 'limitranges', 'namespaces']) {
        expect(resources).not.toContain(forbidden);
      }
      const rb = env.find('RoleBinding', 'ci-deployer', 'tenant-acme');
      expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ci-deployer' });
      expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ci-deployer', namespace: 'tenant-acme' }]);
    });

    it('GIVEN prometheus-operator WHEN synthesized THEN the CI deployer may manage monitors and rules', () => {
      const role = tenant({}, testProfile({ monitoring: { ...development.monitoring, mode: MonitoringMode.operator() } })).find('Role', 'ci-deployer');
      expect(role.rules).toContainEqual({
        apiGroups: ['monitoring.coreos.com'],
        resources: ['servicemonitors', 'podmonitors', 'prometheusrules'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
      });
    });

    it('GIVEN ciDeployer false WHEN synthesized THEN no ServiceAccount or Role exists', () => {
      const env = tenant({ ciDeployer: false });
      expect(env.all('ServiceAccount')).toEqual([]);
      expect(env.all('Role')).toEqual([]);
    });
  });

  describe('AppProject', () => {
    it('GIVEN a tenant WHEN synthesized THEN its AppProject allows only its namespace on the environment cluster, its repos and no cluster resources', () => {
      const p = tenantProject({}, production);
      expect(p.metadata.namespace).toBe('argocd');
      expect(p.apiVersion).toBe('argoproj.io/v1alpha1');
      expect(p.spec.destinations).toEqual([{ namespace: 'tenant-acme', server: 'https://prod-eu-west-1.k8s.example.com' }]);
      expect(p.spec.sourceRepos).toEqual(['https://github.com/acme/deploy.git']);
      expect(p.spec.clusterResourceWhitelist).toEqual([]);
      expect(p.spec.description).toBe('Tenant Acme Corporation (standard plan)');
    });

    it("GIVEN a tenant WHEN delivered THEN its AppProject forbids its own guard rails, RBAC and Argo CD's kinds", () => {
      const p = tenantProject();
      expect(p.spec.namespaceResourceBlacklist).toEqual([
        { group: '', kind: 'ResourceQuota' },
        { group: '', kind: 'LimitRange' },
        { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
        { group: 'rbac.authorization.k8s.io', kind: 'Role' },
        { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
        { group: 'argoproj.io', kind: 'AppProject' },
        { group: 'argoproj.io', kind: 'Application' },
        { group: 'argoproj.io', kind: 'ApplicationSet' },
      ]);
      expect(TENANT_RESOURCE_BLACKLIST).toHaveLength(8);
    });

    it("GIVEN argocdNamespace other than the delivery's WHEN delivered THEN it fails naming the tenant", () => {
      expect(() => tenantProject({ argocdNamespace: 'gitops' })).toThrow(
        'development/acme: argocdNamespace: got "gitops"; must be the namespace Argo CD runs in ("argocd"): the bootstrap project creates AppProjects only there',
      );
    });
  });

  describe('forEnvironment', () => {
    it('GIVEN definitions for several environments WHEN added to one environment THEN only its tenants are created', () => {
      const defs: TenantDefinition[] = [
        { ...BASE, tenant: 'a', environments: ['development', 'production'] },
        { ...BASE, tenant: 'b', environments: ['production'] },
        { ...BASE, tenant: 'c', environments: ['development'] },
      ];
      const env = synthEnv((chart) => {
        expect(TenantNamespace.forEnvironment(chart, defs).map((t) => t.namespaceName)).toEqual(['tenant-a', 'tenant-c']);
      });
      expect(env.all('Namespace').map((n) => n.metadata.name)).toEqual(['tenant-a', 'tenant-c']);
    });
  });

  describe('snapshots (one tenant per plan)', () => {
    for (const plan of [Plan.free(), Plan.standard(), Plan.enterprise()]) {
      it(`GIVEN the ${plan.name} plan WHEN synthesized THEN the documents match the snapshot`, () => {
        const env = tenant(
          {
            tenant: `t-${plan.name}`,
            plan,
            costCenter: 'cc-1',
            sharedServices: [{ name: 'postgres', namespace: 'db-postgres', podSelector: { 'app.kubernetes.io/name': 'postgres' }, ports: [{ port: 5432 }] }],
          },
          production,
        );
        expect(env.docs).toMatchSnapshot();
      });
    }
  });

  describe('errors', () => {
    const build = (props: Partial<TenantNamespaceProps>) => () => tenant(props);

    it('rejects an id that is not a DNS-1123 label', () => {
      expect(build({ tenant: 'Acme_Corp' })).toThrow(
        'development/acme: tenant: got "Acme_Corp"; must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit) of at most 56 characters, because the namespace is "tenant-<id>"',
      );
    });

    it('rejects an id too long for the namespace', () => {
      const id = 'a'.repeat(57);
      expect(build({ tenant: id })).toThrow(
        `development/acme: tenant: got "${id}"; must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit) of at most 56 characters, because the namespace is "tenant-<id>"`,
      );
    });

    it('rejects a tenant without admins', () => {
      expect(build({ owners: { admin: [] } })).toThrow(
        'development/acme: owners.admin: got []; must name at least one group: a tenant without an owner cannot be operated',
      );
    });

    it('rejects a system group', () => {
      expect(build({ owners: { admin: ['a'], view: ['system:authenticated'] } })).toThrow(
        'development/acme: owners.view[0]: got "system:authenticated"; must not be a "system:" group: it would grant the namespace to every user or service account of the cluster',
      );
    });

    it('rejects a wildcard source repository', () => {
      expect(build({ sourceRepos: ['*'] })).toThrow(
        'development/acme: sourceRepos[0]: got "*"; must be a Git repository URL (https://, ssh:// or git@) without wildcards: Argo CD would otherwise deploy from any repository',
      );
    });

    it('rejects no source repository', () => {
      expect(build({ sourceRepos: [] })).toThrow('development/acme: sourceRepos: got []; must list at least one Git repository the tenant deploys from');
    });

    it('rejects a quota override below what the LimitRange needs', () => {
      expect(build({ quotaOverrides: { requestsMemory: '64Mi' } })).toThrow(
        'development/acme: quotaOverrides.requestsMemory: got "64Mi"; must be at least 128Mi, the plan "standard" LimitRange\'s defaultRequest.memory (one container with default resources must fit in the quota)',
      );
    });

    it('rejects a malformed quota override', () => {
      expect(build({ quotaOverrides: { limitsCpu: 'lots' } })).toThrow(
        'development/acme: quotaOverrides.limitsCpu: got "lots"; must be a non-negative Kubernetes quantity (e.g. "500m", "4", "8Gi")',
      );
    });

    it('rejects a shared service in a tenant namespace', () => {
      expect(build({ sharedServices: [{ name: 'x', namespace: 'tenant-globex', ports: [{ port: 80 }] }] })).toThrow(
        'development/acme: sharedServices[0].namespace: got "tenant-globex"; must be a platform namespace: egress into another tenant\'s namespace ("tenant-*") would break tenant isolation',
      );
    });

    it('rejects a shared service without ports', () => {
      expect(build({ sharedServices: [{ name: 'x', namespace: 'db', ports: [] }] })).toThrow(
        'development/acme: sharedServices[0].ports: got []; must list at least one port: a shared service is entitled on its ports only',
      );
    });

    it('rejects a bad metrics port', () => {
      expect(build({ metricsPorts: [70000] })).toThrow(
        'development/acme: metricsPorts[0]: got 70000; must be a port number (1-65535) or a container port name (at most 15 characters of [a-z0-9-], with a letter)',
      );
    });

    it('rejects a cost center that is not a label value', () => {
      expect(build({ costCenter: 'cost center 1' })).toThrow(
        'development/acme: costCenter: got "cost center 1"; must be a label value: at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric',
      );
    });
  });
});
