import { describe, expect, it } from 'vitest';
import {
  ConnectionValue,
  Engine,
  EnvironmentProfile,
  MonitoringMode,
  MonitoringRegistry,
  PROTECT_ANNOTATIONS,
  PostgresEngineOptions,
  StatefulDatastore,
  StatefulDatastoreProps,
  addConnectionSecret,
} from '../../src';
import { FakeWorkload, isValidPromQL } from './fixtures';
import { development, production, synthEnv } from '../helpers';

const FROM = 's3://platform-backups-production';
/** A DR profile: production's, writing its own backups, following production's. */
const dr: EnvironmentProfile = { ...production, name: 'dr', backups: { ...production.backups, destination: 's3://platform-backups-dr', restoreFrom: FROM } };
const props = (o: PostgresEngineOptions = {}, extra: Partial<StatefulDatastoreProps> = {}): StatefulDatastoreProps => ({
  name: 'orders-db',
  namespace: 'data',
  engine: Engine.postgres(o),
  ...extra,
});
const build = (profile: EnvironmentProfile = development, o: PostgresEngineOptions = {}, extra: Partial<StatefulDatastoreProps> = {}) =>
  synthEnv((c) => {
    new StatefulDatastore(c, 'db', props(o, extra));
  }, profile);
const INVOICING: PostgresEngineOptions = {
  databases: [
    { name: 'invoices', owner: 'invoice', clients: [{ name: 'invoice-service', namespace: 'backend' }] },
    { name: 'users', owner: 'users_owner', clients: [{ name: 'user-service', namespace: 'backend' }] },
  ],
};
const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
  capabilities: { drop: ['ALL'] },
};

describe('Engine.postgres on CloudNativePG: the Cluster', () => {
  it('GIVEN development WHEN synthesized THEN one instance, the profile storage, initdb of the default database, no backups and no PDB', () => {
    const r = build();
    const cluster = r.find('Cluster', 'orders-db', 'data');
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec).toMatchObject({
      instances: 1,
      imagePullPolicy: 'Always',
      enableSuperuserAccess: false,
      enablePDB: false,
      storage: { size: '1Gi', storageClass: 'standard', resizeInUseVolumes: true },
      bootstrap: { initdb: { database: 'app', owner: 'app', secret: { name: 'orders-db-role-app' }, dataChecksums: true } },
      postgresql: { parameters: { max_connections: '100', archive_timeout: '5min' }, pg_hba: ['hostnossl all all all reject'] },
      affinity: { enablePodAntiAffinity: false },
    });
    // The profile's pin table adds the digest to CloudNativePG's operand image.
    expect(cluster.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:16\.4@sha256:[0-9a-f]{64}$/);
    expect(cluster.spec.plugins).toBeUndefined();
    expect(cluster.spec.replica).toBeUndefined();
    for (const kind of ['ObjectStore', 'ScheduledBackup', 'Pooler', 'StatefulSet', 'CronJob', 'Schedule']) expect(r.all(kind), kind).toEqual([]);
  });

  it('GIVEN production WHEN synthesized THEN three instances spread over zones, restricted pods, profile resources and Argo CD guards', () => {
    const r = build(production, {}, { storage: { size: '100Gi' } });
    const cluster = r.find('Cluster', 'orders-db', 'data');
    expect(cluster.metadata.annotations).toEqual(PROTECT_ANNOTATIONS);
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.enablePDB).toBe(true);
    expect(cluster.spec.storage).toEqual({ size: '100Gi', storageClass: 'gp3-encrypted', resizeInUseVolumes: true });
    expect(cluster.spec.resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } });
    const instances = { 'cnpg.io/cluster': 'orders-db', 'cnpg.io/podRole': 'instance' };
    expect(cluster.spec.affinity).toEqual({
      enablePodAntiAffinity: true,
      topologyKey: 'topology.kubernetes.io/zone',
      podAntiAffinityType: 'preferred',
      additionalPodAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: instances } }],
      },
    });
    expect(cluster.spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: instances } },
    ]);
    expect(cluster.spec.podSecurityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 26,
      runAsGroup: 26,
      fsGroup: 26,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(cluster.spec.securityContext).toEqual(RESTRICTED_CONTAINER);
    // The datastore's labels reach the pods and claims (selectors, Velero, the volume alert).
    expect(cluster.spec.inheritedMetadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'orders-db',
      'app.kubernetes.io/instance': 'orders-db',
      'platform.io/datastore': 'postgresql',
    });
    expect(cluster.spec.certificates.serverAltDNSNames).toEqual([
      'orders-db.data.svc',
      'orders-db.data.svc.cluster.local',
      'orders-db-read.data.svc',
      'orders-db-read.data.svc.cluster.local',
    ]);
    expect(cluster.spec.managed.services).toEqual({ disabledDefaultServices: ['ro', 'r'] });
  });

  it("GIVEN production WHEN synthesized THEN WAL archiving and base backups go to the environment's bucket through the Barman Cloud plugin", () => {
    const r = build(production);
    expect(r.find('Cluster', 'orders-db').spec.plugins).toEqual([
      {
        name: 'barman-cloud.cloudnative-pg.io',
        isWALArchiver: true,
        parameters: { barmanObjectName: 'orders-db-backup', serverName: 'orders-db' },
      },
    ]);
    const store = r.find('ObjectStore', 'orders-db-backup', 'data');
    expect(store.apiVersion).toBe('barmancloud.cnpg.io/v1');
    expect(store.spec).toEqual({
      configuration: {
        // The plugin adds the server name: base/ and wals/ land below data/orders-db like every engine's backups.
        destinationPath: 's3://platform-backups-production/data',
        endpointURL: 'https://s3.amazonaws.com',
        s3Credentials: {
          accessKeyId: { name: 'orders-db-backup-credentials', key: 'AWS_ACCESS_KEY_ID' },
          secretAccessKey: { name: 'orders-db-backup-credentials', key: 'AWS_SECRET_ACCESS_KEY' },
        },
        wal: { compression: 'gzip', maxParallel: 2 },
        data: { compression: 'gzip', jobs: 2 },
      },
      retentionPolicy: '30d',
      instanceSidecarConfiguration: { resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } } },
    });
    expect(r.find('ScheduledBackup', 'orders-db-base-backup', 'data').spec).toEqual({
      cluster: { name: 'orders-db' },
      schedule: '0 0 */6 * * *',
      method: 'plugin',
      pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
      immediate: true,
      backupOwnerReference: 'self',
      target: 'prefer-standby',
    });
    expect(r.find('ExternalSecret', 'orders-db-backup-credentials').spec.data.map((d: any) => d.remoteRef)).toEqual([
      { key: 'data/orders-db-backup', property: 'AWS_ACCESS_KEY_ID' },
      { key: 'data/orders-db-backup', property: 'AWS_SECRET_ACCESS_KEY' },
    ]);
    // No dump CronJob: the archive is the backup. Velero still snapshots the claims.
    expect(r.all('CronJob')).toEqual([]);
    expect(r.find('Schedule', 'data-orders-db', 'velero').spec.template.labelSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/instance': 'orders-db', 'app.kubernetes.io/name': 'orders-db' },
    });
  });

  it('GIVEN @daily base backups WHEN synthesized THEN the ScheduledBackup gets the six-field form', () => {
    expect(build(production, {}, { backup: { schedule: '@daily' } }).find('ScheduledBackup', 'orders-db-base-backup').spec.schedule).toBe('0 0 0 * * *');
  });
});

describe('Engine.postgres: databases, owners and their credentials', () => {
  it('GIVEN two databases WHEN synthesized THEN one managed role per owner, its password Secret from the store, initdb of the first', () => {
    const r = build(production, INVOICING);
    const cluster = r.find('Cluster', 'orders-db');
    expect(cluster.spec.bootstrap).toEqual({
      initdb: { database: 'invoices', owner: 'invoice', secret: { name: 'orders-db-role-invoice' }, dataChecksums: true },
    });
    expect(cluster.spec.managed.roles).toEqual([
      { name: 'invoice', ensure: 'present', login: true, createdb: true, inherit: true, passwordSecret: { name: 'orders-db-role-invoice' } },
      { name: 'users_owner', ensure: 'present', login: true, createdb: true, inherit: true, passwordSecret: { name: 'orders-db-role-users-owner' } },
    ]);
    const es = r.find('ExternalSecret', 'orders-db-role-users-owner', 'data');
    expect(es.metadata.annotations).toEqual(PROTECT_ANNOTATIONS);
    expect(es.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'data/orders-db/roles/users_owner', property: 'password' } }]);
    expect(es.spec.target.template).toEqual({
      engineVersion: 'v2',
      type: 'kubernetes.io/basic-auth',
      metadata: { labels: { 'cnpg.io/reload': 'true' } },
      data: { username: 'users_owner', password: '{{ .password }}' },
    });
    expect(r.all('Secret')).toEqual([]);
  });

  it('GIVEN two databases WHEN synthesized THEN a Job creates each as its owner, from a file of names, failing on SQL errors', () => {
    const r = build(production, INVOICING);
    expect(r.find('ConfigMap', 'orders-db-databases', 'data').data.databases).toBe('invoices invoice\nusers users_owner\n');
    const job = r.all('Job')[0]!;
    expect(job.metadata.name).toMatch(/^orders-db-databases-[0-9a-f]{8}$/);
    expect(job.spec).toMatchObject({ backoffLimit: 10, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 86400 });
    const pod = job.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('orders-db-databases');
    const c = pod.containers[0];
    expect(c.securityContext).toEqual(RESTRICTED_CONTAINER);
    expect(c.env).toEqual(
      expect.arrayContaining([
        { name: 'PGHOST', value: 'orders-db-rw.data.svc.cluster.local' },
        { name: 'PGSSLMODE', value: 'require' },
      ]),
    );
    expect(c.volumeMounts).toEqual([
      { name: 'config', mountPath: '/config', readOnly: true },
      { name: 'role-0', mountPath: '/roles/invoice', readOnly: true },
      { name: 'role-1', mountPath: '/roles/users_owner', readOnly: true },
    ]);
    expect(pod.volumes).toContainEqual({
      name: 'role-1',
      secret: { secretName: 'orders-db-role-users-owner', items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 },
    });
    const script = r.find('ConfigMap', 'orders-db-databases').data['databases.sh'];
    expect(script).toContain('psql -X -q -v ON_ERROR_STOP=1 -v db="$db" -v owner="$owner" -d postgres');
    expect(script).toContain("SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')");
  });

  it("GIVEN a client listed on a database WHEN it asks for a connection URL THEN the URL names its owner, its database and TLS, the password from the role's key", () => {
    const r = synthEnv((c) => {
      const invoice = new FakeWorkload(c, 'invoice-service', 'backend');
      const db = new StatefulDatastore(c, 'db', props(INVOICING, { clients: [invoice] }));
      for (const name of ['rw', 'ro']) {
        addConnectionSecret(c, `conn-${name}`, {
          name: `invoice-${name}`,
          client: invoice,
          endpoint: db.endpoint(name),
          labels: {},
          values: { DATABASE_URL: ConnectionValue.url({ query: { sslmode: 'require' } }) },
        });
      }
      expect(db.endpoint('rw').tls.enabled).toBe(true);
      expect(db.endpoint('rw').tls.ca).toEqual({ kind: 'Secret', namespace: 'data', name: 'orders-db-ca', key: 'ca.crt' });
      expect(db.endpoint('ro').host).toBe('orders-db-read.data.svc.cluster.local');
    }, production);
    const rw = r.find('ExternalSecret', 'invoice-rw', 'backend');
    expect(rw.spec.target.template.data).toEqual({
      DATABASE_URL: 'postgresql://invoice:{{ .password | urlquery }}@orders-db.data.svc.cluster.local:5432/invoices?sslmode=require',
    });
    expect(rw.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'data/orders-db/roles/invoice', property: 'password' } }]);
    expect(r.find('ExternalSecret', 'invoice-ro', 'backend').spec.target.template.data.DATABASE_URL).toBe(
      'postgresql://invoice:{{ .password | urlquery }}@orders-db-read.data.svc.cluster.local:5432/invoices?sslmode=require',
    );
  });

  it('GIVEN the default database WHEN any client connects THEN it uses app', () => {
    synthEnv((c) => {
      const api = new FakeWorkload(c, 'api', 'shop');
      const db = new StatefulDatastore(c, 'db', props());
      expect(db.endpoint('rw').credentialFor(api)).toEqual({
        remoteKey: 'data/orders-db/roles/app',
        passwordProperty: 'password',
        user: 'app',
        database: 'app',
      });
    });
  });

  it('GIVEN a client no database lists WHEN its credential is asked for THEN the error names the datastore, the client and the databases', () => {
    expect(() =>
      synthEnv((c) => {
        const other = new FakeWorkload(c, 'reporting', 'backend');
        const db = new StatefulDatastore(c, 'db', props(INVOICING));
        db.endpoint('rw').credentialFor(other);
      }),
    ).toThrow(
      'development/db: engine.databases: got "backend/reporting"; no database lists it among its clients and none is open to every client; add it to the clients of one of: invoices, users',
    );
  });
});

describe('Engine.postgres: client Services and the pooler', () => {
  it('GIVEN production WHEN synthesized THEN postgres reaches the primary and postgres-read the replicas, both guarded', () => {
    const r = build(production);
    const rw = r.find('Service', 'orders-db', 'data');
    expect(rw.metadata.annotations).toEqual(PROTECT_ANNOTATIONS);
    expect(rw.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'cnpg.io/cluster': 'orders-db', 'cnpg.io/instanceRole': 'primary' },
      ports: [{ name: 'postgresql', port: 5432, targetPort: 5432, protocol: 'TCP' }],
    });
    expect(r.find('Service', 'orders-db-read').spec.selector).toEqual({ 'cnpg.io/cluster': 'orders-db', 'cnpg.io/instanceRole': 'replica' });
  });

  it('GIVEN one instance WHEN synthesized THEN postgres-read reaches that instance', () => {
    expect(build().find('Service', 'orders-db-read').spec.selector).toEqual({ 'cnpg.io/cluster': 'orders-db', 'cnpg.io/podRole': 'instance' });
  });

  it('GIVEN a pooler WHEN synthesized THEN PgBouncer sits in front of the primary and the read-write Service reaches it', () => {
    const r = build(production, { pooler: { poolMode: 'transaction', maxClientConnections: 500 } });
    const pooler = r.find('Pooler', 'orders-db-pooler', 'data');
    expect(pooler.spec).toMatchObject({
      cluster: { name: 'orders-db' },
      instances: 2,
      type: 'rw',
      pgbouncer: { poolMode: 'transaction', parameters: { max_client_conn: '500', default_pool_size: '20' } },
    });
    const tmpl = pooler.spec.template;
    expect(tmpl.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'orders-db', 'app.kubernetes.io/instance': 'orders-db' });
    expect(tmpl.spec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(tmpl.spec.containers).toEqual([
      {
        name: 'pgbouncer',
        image: expect.stringMatching(/^ghcr\.io\/cloudnative-pg\/pgbouncer:1\.24\.1@sha256:[0-9a-f]{64}$/),
        imagePullPolicy: 'IfNotPresent',
        securityContext: RESTRICTED_CONTAINER,
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      },
    ]);
    expect(r.find('Service', 'orders-db').spec.selector).toEqual({ 'cnpg.io/poolerName': 'orders-db-pooler' });
  });
});

describe('Engine.postgres: disaster recovery as a replica cluster', () => {
  it("GIVEN a DR profile WHEN synthesized THEN the Cluster follows the source's WAL archive with read-only credentials and writes nothing", () => {
    const r = build(dr);
    const cluster = r.find('Cluster', 'orders-db');
    expect(cluster.spec.bootstrap).toEqual({ recovery: { source: 'origin' } });
    expect(cluster.spec.replica).toEqual({ enabled: true, source: 'origin' });
    expect(cluster.spec.externalClusters).toEqual([
      {
        name: 'origin',
        plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'orders-db-origin', serverName: 'orders-db' } },
      },
    ]);
    expect(cluster.spec.plugins).toBeUndefined();
    const origin = r.find('ObjectStore', 'orders-db-origin').spec.configuration;
    expect(origin.destinationPath).toBe('s3://platform-backups-production/data');
    expect(origin.s3Credentials.accessKeyId).toEqual({ name: 'orders-db-restore-credentials', key: 'AWS_ACCESS_KEY_ID' });
    expect(r.find('ExternalSecret', 'orders-db-restore-credentials').spec.data[0].remoteRef).toEqual({
      key: 'data/orders-db-restore',
      property: 'AWS_ACCESS_KEY_ID',
    });
    // Its own store points at the DR bucket, ready for the promotion; no base backup and no databases Job while following.
    expect(r.find('ObjectStore', 'orders-db-backup').spec.configuration.destinationPath).toBe('s3://platform-backups-dr/data');
    expect(r.all('ScheduledBackup')).toEqual([]);
    expect(r.all('Job')).toEqual([]);
  });

  it('GIVEN the DR profile declares promote WHEN synthesized THEN replica mode is off, WAL goes to the DR bucket and a base backup runs at once', () => {
    const r = build({ ...dr, backups: { ...dr.backups, promote: true } });
    const cluster = r.find('Cluster', 'orders-db');
    expect(cluster.spec.replica).toEqual({ enabled: false, source: 'origin' });
    // Bootstrap is what created the cluster: it stays as it was.
    expect(cluster.spec.bootstrap).toEqual({ recovery: { source: 'origin' } });
    expect(cluster.spec.plugins[0].parameters).toEqual({ barmanObjectName: 'orders-db-backup', serverName: 'orders-db' });
    expect(r.find('ScheduledBackup', 'orders-db-base-backup').spec.immediate).toBe(true);
    expect(r.all('Job')).toHaveLength(1);
  });
});

describe('Engine.postgres: NetworkPolicies', () => {
  it('GIVEN clients and a pooler WHEN synthesized THEN every flow the cluster needs is admitted at both ends', () => {
    const r = synthEnv((c) => {
      const api = new FakeWorkload(c, 'orders-api', 'shop');
      new StatefulDatastore(c, 'db', props({ pooler: {} }, { clients: [api] }));
    }, production);
    const np = r.find('NetworkPolicy', 'orders-db', 'data');
    const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));
    const own = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders-db', 'app.kubernetes.io/instance': 'orders-db' } } };
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'orders-db' } });
    expect(np.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders-api', 'app.kubernetes.io/instance': 'orders-api' } },
          },
        ],
        ports: tcp(5432),
      },
      { from: [own], ports: tcp(5432, 8000) },
      {
        from: [
          {
            podSelector: {
              matchLabels: {
                'app.kubernetes.io/name': 'orders-db',
                'app.kubernetes.io/instance': 'orders-db-databases',
                'app.kubernetes.io/component': 'databases',
              },
            },
          },
        ],
        ports: tcp(5432),
      },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
          },
        ],
        ports: tcp(8000),
      },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: tcp(9187) },
    ]);
    expect(np.spec.egress.slice(1)).toEqual([
      { to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'orders-db' } } }], ports: tcp(5432, 8000) },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(443, 6443) },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(443) },
    ]);
    const pooler = r.find('NetworkPolicy', 'orders-db-pooler', 'data');
    expect(pooler.spec.podSelector).toEqual({ matchLabels: { 'cnpg.io/poolerName': 'orders-db-pooler' } });
    expect(pooler.spec.ingress[1]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: tcp(9127),
    });
    expect(pooler.spec.egress[1]).toEqual({ to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'orders-db' } } }], ports: tcp(5432) });
    expect(r.find('NetworkPolicy', 'orders-db-databases', 'data').spec.ingress).toEqual([]);
  });
});

describe('Engine.postgres: monitoring', () => {
  it('GIVEN production WHEN synthesized THEN CloudNativePG metrics are scraped and down, lag, archiving and volume rules apply to its claims', () => {
    let registry: MonitoringRegistry | undefined;
    synthEnv((c) => {
      new StatefulDatastore(c, 'db', props());
      registry = MonitoringRegistry.of(c);
    }, production);
    const t = registry!.find('orders-db', 'data')!;
    expect(t.metricsPort).toEqual({ name: 'metrics', port: 9187 });
    expect(t.selector).toEqual({ 'app.kubernetes.io/name': 'orders-db', 'app.kubernetes.io/instance': 'orders-db' });
    expect(t.rules.map((x) => x.alert)).toEqual(['PostgresqlDown', 'PostgresqlReplicationLag', 'PostgresqlWalArchivingFailing', 'DatastoreVolumeAlmostFull']);
    for (const rule of t.rules) expect(isValidPromQL(rule.expr), rule.expr).toBe(true);
    expect(t.rules[0]!.expr).toBe('cnpg_collector_up{namespace="data", pod=~"orders-db(-[a-z]+)?-[0-9]+"} == 0');
    expect(t.rules[3]!.expr).toContain('persistentvolumeclaim=~"orders-db-[0-9]+(-wal)?"');
  });

  it('GIVEN operator monitoring WHEN synthesized THEN a PodMonitor selects the instances and pooler by the datastore labels', () => {
    const profile = { ...production, monitoring: { ...production.monitoring, mode: MonitoringMode.operator() } };
    const pm = build(profile).find('PodMonitor', 'orders-db', 'data');
    expect(pm.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'orders-db', 'app.kubernetes.io/instance': 'orders-db' } },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }],
    });
  });
});

describe('Engine.postgres: add-ons', () => {
  it('names the add-ons that serve its kinds', () => {
    expect(Engine.postgres().definition.requires).toEqual(['cloudnative-pg']);
    expect(Engine.kafka().definition.requires).toEqual(['strimzi']);
    expect(Engine.redis().definition.requires).toBeUndefined();
  });
});

describe('Engine.postgres: bad input', () => {
  const fails = (o: PostgresEngineOptions) => () => build(development, o);
  it('rejects a tiny max_connections', () => {
    expect(fails({ maxConnections: 1 })).toThrow('development/db: engine.maxConnections: got 1; must be an integer of at least 10');
  });
  it('rejects a parameter CloudNativePG manages', () => {
    expect(fails({ parameters: { wal_level: 'logical' } })).toThrow(
      'development/db: engine.parameters.wal_level: got "logical"; is set by CloudNativePG itself; remove it',
    );
  });
  it('rejects a database name that is not a SQL identifier, a reserved owner and a duplicate', () => {
    expect(fails({ databases: [{ name: 'Invoices' }] })).toThrow(
      'development/db: engine.databases[0].name: got "Invoices"; must be a lowercase SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters',
    );
    expect(fails({ databases: [{ name: 'invoices', owner: 'streaming_replica' }] })).toThrow(
      'development/db: engine.databases[0].owner: got "streaming_replica"; is a role CloudNativePG or PostgreSQL reserves; choose another owner',
    );
    expect(fails({ databases: [{ name: 'a' }, { name: 'a' }] })).toThrow(
      'development/db: engine.databases[1].name: got "a"; is declared twice; database names are unique',
    );
  });
  it('rejects an archive timeout outside 1m..1h', () => {
    expect(fails({ archiveTimeout: '2h' })).toThrow(
      'development/db: engine.archiveTimeout: got "2h"; must be a duration from "1m" to "1h" (it bounds the RPO of the WAL archive)',
    );
  });
  it('rejects a pooler without instances', () => {
    expect(fails({ pooler: { instances: 0 } })).toThrow('development/db: engine.pooler.instances: got 0; must be a positive integer');
  });
});
