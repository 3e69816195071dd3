import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  ConnectionGraph,
  EnvironmentChart,
  EnvironmentProfile,
  Engine,
  MonitoringMode,
  MonitoringRegistry,
  PROTECT_ANNOTATIONS,
  StatefulDatastore,
  StatefulDatastoreProps,
  synthesizeToJson,
} from '../../src';
import { evaluatePolicies } from '../../src/policy';
import { FakeWorkload, effectiveScript, isValidPromQL } from './fixtures';
import { development, production, staging, synthEnv, testProfile } from '../helpers';

// The generic parts (StatefulSets, Services, backups, policies) are shown on Redis: an engine this library runs itself.
// PostgreSQL runs on CloudNativePG (test/datastore/postgres.test.ts).
const pg = (extra: Partial<StatefulDatastoreProps> = {}): Omit<StatefulDatastoreProps, 'engine'> & { engine: Engine } => ({
  name: 'orders-db',
  namespace: 'data',
  engine: Engine.redis(),
  ...extra,
});

describe('StatefulDatastore: seeds', () => {
  it('reproduces the seed StatefulSet: volumeClaimTemplates 100Gi and secret-based credentials', () => {
    // GIVEN production and a 100Gi datastore
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg({ storage: { size: '100Gi' } }));
    }, production);
    // THEN the data StatefulSet claims 100Gi on the profile's storage class and retains it
    const sts = r.find('StatefulSet', 'orders-db', 'data');
    expect(sts.spec.volumeClaimTemplates).toHaveLength(1);
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '100Gi' } },
      storageClassName: 'gp3-encrypted',
    });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    // AND the password comes from the Secret written by the ExternalSecret, never a value
    const server = sts.spec.template.spec.containers.find((x: any) => x.name === 'redis');
    expect(server.env.find((e: any) => e.name === 'REDIS_PASSWORD')).toEqual({
      name: 'REDIS_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'orders-db-credentials', key: 'REDIS_PASSWORD' } },
    });
    const es = r.find('ExternalSecret', 'orders-db-credentials', 'data');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault-production' });
    expect(es.spec.data).toEqual([{ secretKey: 'REDIS_PASSWORD', remoteRef: { key: 'data/orders-db', property: 'REDIS_PASSWORD' } }]);
    expect(r.all('Secret')).toHaveLength(0);
  });

  it('reproduces the seed Velero schedule: daily at 02:00, 30 days for the database', () => {
    // GIVEN production (backups on, 30 days retention)
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg());
    }, production);
    // THEN a Velero Schedule in the velero namespace snapshots the datastore's volumes daily at 02:00
    const s = r.find('Schedule', 'data-orders-db', 'velero');
    expect(s.apiVersion).toBe('velero.io/v1');
    expect(s.spec.schedule).toBe('0 2 * * *');
    expect(s.spec.template.includedNamespaces).toEqual(['data']);
    expect(s.spec.template.labelSelector).toEqual({ matchLabels: { 'app.kubernetes.io/instance': 'orders-db', 'app.kubernetes.io/name': 'orders-db' } });
    expect(s.spec.template.snapshotVolumes).toBe(true);
    expect(s.spec.template.ttl).toBe('720h0m0s');
  });

  it('takes the cluster retention (72h) when the datastore asks for it', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg({ backup: { veleroTtl: '72h0m0s' } }));
    }, production);
    expect(r.find('Schedule', 'data-orders-db', 'velero').spec.template.ttl).toBe('72h0m0s');
  });
});

describe('StatefulDatastore: driven by the profile', () => {
  it('development: one instance, profile storage, no backups, no PDB, no Argo CD guards', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg());
    }, development);
    const sts = r.find('StatefulSet', 'orders-db');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('standard');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
    expect(sts.metadata.annotations).toBeUndefined();
    expect(sts.spec.template.spec.affinity).toBeUndefined();
    expect(r.all('StatefulSet')).toHaveLength(1);
    expect(r.all('CronJob')).toHaveLength(0);
    expect(r.all('Schedule')).toHaveLength(0);
    expect(r.all('PodDisruptionBudget')).toHaveLength(0);
    expect(r.all('ExternalSecret').map((x) => x.metadata.name)).toEqual(['orders-db-credentials']);
  });

  it('production: replicas, spread, PDB, backups and Argo CD guards on StatefulSets, claims, Services and ExternalSecrets', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg());
    }, production);
    for (const kind of ['StatefulSet', 'Service', 'ExternalSecret']) {
      for (const o of r.all(kind)) expect(o.metadata.annotations, `${kind}/${o.metadata.name}`).toMatchObject(PROTECT_ANNOTATIONS);
    }
    // The headless Service also says which ports the members use between themselves (the flow proof reads it).
    expect(r.find('Service', 'orders-db-headless').metadata.annotations).toEqual({ ...PROTECT_ANNOTATIONS, 'platform.io/peer-ports': 'redis,sentinel' });
    for (const sts of r.all('StatefulSet').filter((x) => x.spec.volumeClaimTemplates))
      expect(sts.spec.volumeClaimTemplates[0].metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    const data = r.find('StatefulSet', 'orders-db');
    expect(data.spec.replicas).toBe(3);
    expect(data.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(data.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(r.find('PodDisruptionBudget', 'orders-db').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/instance': 'orders-db', 'app.kubernetes.io/name': 'orders-db' } },
    });
    // The voting role keeps a majority.
    expect(r.find('PodDisruptionBudget', 'orders-db-sentinel').spec.minAvailable).toBe(2);
    expect(r.find('CronJob', 'orders-db-backup').spec.schedule).toBe('0 */6 * * *');
  });

  it('staging protects state without HA', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg());
    }, staging);
    expect(r.find('StatefulSet', 'orders-db').metadata.annotations).toEqual(PROTECT_ANNOTATIONS);
    expect(r.all('StatefulSet')).toHaveLength(1);
    expect(r.all('CronJob')).toHaveLength(1);
  });

  it('props override the profile (storage, replicas, backup schedule and retention)', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(
        c,
        'db',
        pg({ replicas: 2, storage: { size: '20Gi', storageClass: 'fast.ssd' }, backup: { schedule: '30 1 * * *', retentionDays: 14 } }),
      );
    }, production);
    expect(r.find('StatefulSet', 'orders-db').spec.replicas).toBe(2);
    expect(r.find('StatefulSet', 'orders-db').spec.volumeClaimTemplates[0].spec).toMatchObject({
      storageClassName: 'fast.ssd',
      resources: { requests: { storage: '20Gi' } },
    });
    const job = r.find('CronJob', 'orders-db-backup');
    expect(job.spec.schedule).toBe('30 1 * * *');
    expect(effectiveScript(job.spec.jobTemplate.spec.template.spec.containers[0])).toContain(
      '--older-than "14d" "backup/platform-backups-production/data/orders-db/"',
    );
    expect(r.find('Schedule', 'data-orders-db', 'velero').spec.template.ttl).toBe('336h0m0s');
  });

  it('names never depend on construct paths', () => {
    const names = (build: (c: EnvironmentChart) => void) =>
      synthEnv(build, production)
        .docs.map((d) => `${d.kind}/${d.metadata.name}`)
        .sort();
    const a = names((c) => {
      new StatefulDatastore(c, 'db', pg());
    });
    const b = names((c) => {
      new StatefulDatastore(new Construct(c, 'deeply'), 'moved-elsewhere', pg());
    });
    expect(b).toEqual(a);
  });
});

describe('StatefulDatastore: backup CronJob', () => {
  const job = () =>
    synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg());
    }, production).find('CronJob', 'orders-db-backup');

  it('is safe to run: Forbid, deadlines, history limits, TTL, restricted pods, credentials from secrets', () => {
    const j = job();
    expect(j.spec).toMatchObject({
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      timeZone: 'Etc/UTC',
    });
    expect(j.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 14400, ttlSecondsAfterFinished: 604800 });
    const pod = j.spec.jobTemplate.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    const dump = pod.initContainers[0];
    expect(dump.name).toBe('dump');
    expect(effectiveScript(dump)).toContain('--rdb "/backup/orders-db-$(date -u +%Y%m%dT%H%M%SZ).rdb"');
    expect(dump.env).toContainEqual({ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: 'orders-db-credentials', key: 'REDIS_PASSWORD' } } });
    const upload = pod.containers[0];
    expect(upload.name).toBe('upload');
    expect(upload.env).toContainEqual({
      name: 'AWS_ACCESS_KEY_ID',
      valueFrom: { secretKeyRef: { name: 'orders-db-backup-credentials', key: 'AWS_ACCESS_KEY_ID' } },
    });
    for (const c of [dump, upload])
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });
});

describe('StatefulDatastore: NetworkPolicy', () => {
  it('admits declared clients on client ports, its own pods, and the monitoring namespace on the exporter port', () => {
    const r = synthEnv((c) => {
      const api = new FakeWorkload(c, 'orders-api', 'shop');
      const db = new StatefulDatastore(c, 'db', pg({ clients: [{ name: 'billing', namespace: 'shop' }] }));
      new FakeWorkload(c, 'billing', 'shop');
      ConnectionGraph.of(c).connect(api, db);
    }, production);
    const np = r.find('NetworkPolicy', 'orders-db', 'data');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/instance': 'orders-db', 'app.kubernetes.io/name': 'orders-db' } });
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const from = (ns: string, name: string) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name } },
    });
    const clientPorts = [
      { protocol: 'TCP', port: 6379 },
      { protocol: 'TCP', port: 26379 },
    ];
    expect(np.spec.ingress).toEqual([
      { from: [from('shop', 'billing')], ports: clientPorts },
      { from: [from('shop', 'orders-api')], ports: clientPorts },
      { from: [from('data', 'orders-db')], ports: clientPorts },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9121 }] },
    ]);
    expect(np.spec.egress).toEqual([
      expect.objectContaining({
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      }),
      { to: [from('data', 'orders-db')], ports: clientPorts },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
  });

  it('development without clients admits only its own pods and monitoring, and has no object-storage egress', () => {
    const np = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg());
    }).find('NetworkPolicy', 'orders-db');
    expect(np.spec.ingress).toHaveLength(2);
    expect(np.spec.egress).toHaveLength(2);
  });
});

describe('StatefulDatastore: managed mode', () => {
  const managed = (profile: EnvironmentProfile = production) =>
    synthEnv((c) => {
      const api = new FakeWorkload(c, 'orders-api', 'data');
      const db = new StatefulDatastore(c, 'db', pg({ managed: { host: 'orders.abc123.eu-west-1.rds.amazonaws.com', cidrs: ['10.20.0.0/16'] } }));
      ConnectionGraph.of(c).connect(api, db);
      expect(db.external).toEqual({ cidrs: ['10.20.0.0/16'], ports: [{ name: 'redis', port: 6379 }] });
      expect(db.replicas).toBe(0);
    }, profile);

  it('emits only an ExternalName Service with the client-facing name and the credentials ExternalSecret', () => {
    const r = managed();
    expect(r.docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(['ExternalSecret/orders-db-credentials', 'Service/orders-db']);
    expect(r.find('Service', 'orders-db').spec).toEqual({
      type: 'ExternalName',
      externalName: 'orders.abc123.eu-west-1.rds.amazonaws.com',
      ports: [{ name: 'redis', port: 6379, protocol: 'TCP' }],
    });
    expect(r.find('ExternalSecret', 'orders-db-credentials').spec.target).toEqual({
      name: 'orders-db-credentials',
      creationPolicy: 'Owner',
      deletionPolicy: 'Retain',
    });
  });

  it('keeps the Service name, secret name and keys of the in-cluster datastore (applications do not change)', () => {
    const inCluster = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg());
    }, production);
    const m = managed();
    expect(m.find('ExternalSecret', 'orders-db-credentials').spec.data).toEqual(inCluster.find('ExternalSecret', 'orders-db-credentials').spec.data);
    expect(m.find('Service', 'orders-db').spec.ports[0].port).toBe(inCluster.find('Service', 'orders-db').spec.ports[0].port);
  });

  it('uses a custom port', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg({ managed: { host: 'db.supabase.co', port: 6543 } }));
    });
    expect(r.find('Service', 'orders-db').spec.ports).toEqual([{ name: 'redis', port: 6543, protocol: 'TCP' }]);
  });
});

describe('StatefulDatastore: monitoring', () => {
  it('registers the exporter and rules (down, replication lag, missing replicas, volume almost full) with runbooks', () => {
    let registry: MonitoringRegistry | undefined;
    synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg({ team: 'orders' }));
      registry = MonitoringRegistry.of(c);
    }, production);
    const t = registry!.find('orders-db', 'data')!;
    expect(t.kind).toBe('datastore');
    expect(t.httpMetrics).toBe(false);
    expect(t.metricsPort).toEqual({ name: 'metrics', port: 9121 });
    expect(t.rules.map((x) => x.alert)).toEqual(['RedisDown', 'RedisReplicationLag', 'RedisReplicasMissing', 'DatastoreVolumeAlmostFull']);
    for (const rule of t.rules) {
      expect(isValidPromQL(rule.expr), rule.expr).toBe(true);
      expect(rule.runbookUrl).toMatch(/^https:\/\//);
      expect(rule.labels).toEqual({ datastore: 'orders-db', engine: 'redis', team: 'orders' });
    }
  });

  it('standalone mode: scrape annotations on the pods, no operator objects', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg());
    });
    expect(r.find('StatefulSet', 'orders-db').spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9121',
      'prometheus.io/path': '/metrics',
    });
    expect(r.all('ServiceMonitor')).toHaveLength(0);
  });

  it('operator mode: ServiceMonitor on the headless Service and a PrometheusRule', () => {
    const profile = { ...production, monitoring: { ...production.monitoring, mode: MonitoringMode.operator() } };
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg());
    }, profile);
    const sm = r.find('ServiceMonitor', 'orders-db', 'data');
    expect(sm.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/instance': 'orders-db',
      'app.kubernetes.io/name': 'orders-db',
      'platform.io/service-role': 'headless',
    });
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    expect(r.find('Service', 'orders-db-headless').metadata.labels['platform.io/service-role']).toBe('headless');
    const rule = r.find('PrometheusRule', 'orders-db').spec.groups[0].rules[0];
    expect(rule.labels.severity).toBe('critical');
    expect(Object.keys(rule.annotations).sort()).toEqual(['description', 'runbook_url', 'summary']);
    expect(r.find('StatefulSet', 'orders-db').spec.template.metadata.annotations['prometheus.io/scrape']).toBeUndefined();
  });
});

describe('StatefulDatastore: policy gate', () => {
  const engines: ReadonlyArray<[string, () => Engine]> = [
    ['postgres', () => Engine.postgres()],
    ['redis', () => Engine.redis()],
    ['clickhouse', () => Engine.clickhouse()],
    ['elasticsearch', () => Engine.elasticsearch()],
    ['minio', () => Engine.minio()],
    ['kafka', () => Engine.kafka()],
  ];
  const violations = (engine: () => Engine, profile: EnvironmentProfile) => {
    const app = new App({ outdir: '.cdk8s.out' });
    new StatefulDatastore(new EnvironmentChart(app, { profile }), 'db', pg({ engine: engine() }));
    const out = synthesizeToJson(app);
    expect(out.problems).toEqual([]);
    // Digests come from the profile's pin table, not from the construct.
    return evaluatePolicies(out.envs[0]!)
      .violations.filter((v) => v.checkId !== 'image-digest')
      .map((v) => v.text);
  };

  it.each(engines)('%s in HA production passes every check', (_name, engine) => {
    expect(violations(engine, production)).toEqual([]);
  });
  it.each(engines)('%s in development passes every check', (_name, engine) => {
    expect(violations(engine, development)).toEqual([]);
  });
  it.each(engines)('%s: every exporter or sidecar has distinct liveness and readiness probes', (_name, engine) => {
    const env = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg({ engine: engine() }));
    }, production);
    for (const sts of env.all('StatefulSet')) {
      for (const c of sts.spec.template.spec.containers) {
        expect(c.livenessProbe, `${sts.metadata.name}/${c.name}`).toBeDefined();
        expect(c.readinessProbe, `${sts.metadata.name}/${c.name}`).toBeDefined();
        expect(c.livenessProbe, `${sts.metadata.name}/${c.name}`).not.toEqual(c.readinessProbe);
      }
    }
  });
});

describe('StatefulDatastore: bad input', () => {
  const build =
    (props: Partial<StatefulDatastoreProps>, profile: EnvironmentProfile = production) =>
    () =>
      synthEnv((c) => {
        new StatefulDatastore(c, 'db', { ...pg(), ...props });
      }, profile);

  it('even-sized Sentinel quorum', () => {
    expect(build({ engine: Engine.redis({ sentinels: 4 }) })).toThrow(
      'production/db: engine.sentinels: got 4; must be an odd number of at least 3, so a majority of Sentinels can always elect a new master',
    );
  });
  it('even-sized ClickHouse Keeper quorum', () => {
    expect(build({ engine: Engine.clickhouse({ keeperReplicas: 2 }) })).toThrow(
      'production/db: engine.keeperReplicas: got 2; must be an odd number of at least 3, so a majority of ClickHouse Keeper nodes survives losing one',
    );
  });
  it('replicas below the engine minimum for HA', () => {
    expect(build({ engine: Engine.elasticsearch(), replicas: 2 })).toThrow(
      'production/db: replicas: got 2; Elasticsearch needs at least 3 replicas when the profile asks for high availability',
    );
  });
  it('replicas that replicate below the engine minimum outside HA', () => {
    expect(build({ engine: Engine.minio(), replicas: 2 }, development)).toThrow(
      'development/db: replicas: got 2; MinIO needs at least 4 replicas to replicate; use 1 for a single instance',
    );
  });
  it('storage size that is not a quantity', () => {
    expect(build({ storage: { size: '100GB' } })).toThrow('production/db: storage.size: got "100GB"; must be a Kubernetes quantity such as "10Gi"');
  });
  it('storage size below the engine minimum', () => {
    expect(build({ storage: { size: '500Mi' }, engine: Engine.postgres() })).toThrow('production/db: storage.size: got "500Mi"; PostgreSQL needs at least 1Gi');
  });
  it('unknown storage class name format', () => {
    expect(build({ storage: { storageClass: 'Fast_SSD' } })).toThrow(
      'production/db: storage.storageClass: got "Fast_SSD"; must be a StorageClass name: a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")',
    );
  });
  it('backup schedule that is not a cron expression', () => {
    expect(build({ backup: { schedule: 'every night' } })).toThrow(
      'production/db: backup.schedule: got "every night"; must be a five-field cron expression such as "0 3 * * *" (or @daily, @hourly, ...)',
    );
  });
  it('retention of zero', () => {
    expect(build({ backup: { retentionDays: 0 } })).toThrow(
      'production/db: backup.retentionDays: got 0; must be a whole number of days, at least 1 (a retention of 0 would delete every backup)',
    );
  });
  it('a client that is not a known workload', () => {
    expect(() =>
      synthEnv((c) => {
        new FakeWorkload(c, 'orders-api', 'shop');
        new StatefulDatastore(c, 'db', pg({ clients: [{ name: 'orders-api', namespace: 'shop' }, { name: 'ghost' }] }));
      }, production),
    ).toThrow('production/db: clients[1]: got "data/ghost"; no workload named "ghost" in namespace "data"; known workloads: shop/orders-api');
  });
  it('managed mode without a host', () => {
    expect(build({ managed: { host: '' } })).toThrow(
      'production/db: managed.host: got ""; must be the DNS name of the managed service (e.g. "orders.abc123.eu-west-1.rds.amazonaws.com"); an ExternalName Service cannot point at an IP address',
    );
  });
  it('a name that cannot be a Service name', () => {
    expect(build({ name: '1-orders' })).toThrow(
      'production/db: name: got "1-orders"; must be a DNS-1035 label of at most 40 characters (lowercase letters, digits and "-", starting with a letter)',
    );
  });
  it('a backup destination that is not an s3 URL', () => {
    expect(build({ backup: { destination: 'https://bucket' } })).toThrow(
      'production/db: backup.destination: got "https://bucket"; must be an object-storage URL "s3://<bucket>[/<prefix>]"',
    );
  });
  it('two datastores of the same name in a namespace', () => {
    expect(() =>
      synthEnv((c) => {
        new StatefulDatastore(c, 'a', pg());
        new StatefulDatastore(c, 'b', pg());
      }),
    ).toThrow(
      'development/b: name: got "orders-db"; a workload named "orders-db" already exists in namespace "data" (development/a); names must be unique per namespace',
    );
  });
  it('is created outside an environment chart', () => {
    expect(() => new StatefulDatastore(new App(), 'db', pg())).toThrow('db: must be created inside an EnvironmentChart (it reads the environment profile)');
  });
  it('a namespace that is not a DNS-1123 label', () => {
    expect(build({ namespace: '' })).toThrow(
      'production/db: namespace: got ""; must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric',
    );
    expect(build({ namespace: 'Data_Tier' })).toThrow(
      'production/db: namespace: got "Data_Tier"; must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric',
    );
  });
  it('a team that is not a label value', () => {
    expect(build({ team: ' ' })).toThrow(
      'production/db: team: got " "; must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric',
    );
    expect(build({ team: '' })).toThrow(
      'production/db: team: got ""; must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric',
    );
  });
  it('a partOf that is not a label value', () => {
    expect(build({ partOf: 'shop/orders' })).toThrow(
      'production/db: partOf: got "shop/orders"; must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric',
    );
  });
  it('validates props even when backups are off', () => {
    expect(build({ backup: { retentionDays: 0 } }, testProfile())).toThrow('development/db: backup.retentionDays: got 0;');
  });
});

describe('StatefulDatastore: a ServiceAccount of its own for every workload', () => {
  const podSpecOf = (d: any) => (d.kind === 'CronJob' ? d.spec.jobTemplate.spec.template.spec : d.spec.template.spec);
  const restoreProfile: EnvironmentProfile = {
    ...production,
    backups: { ...production.backups, destination: 's3://platform-backups-dr', restoreFrom: 's3://platform-backups-production' },
  };
  const cases: readonly [string, Engine, EnvironmentProfile, readonly string[]][] = [
    [
      'Redis HA',
      Engine.redis(),
      production,
      ['StatefulSet/orders-db', 'StatefulSet/orders-db-sentinel', 'StatefulSet/orders-db-proxy', 'CronJob/orders-db-backup'],
    ],
    [
      'ClickHouse HA restored',
      Engine.clickhouse(),
      restoreProfile,
      ['StatefulSet/orders-db', 'StatefulSet/orders-db-keeper', 'CronJob/orders-db-backup', 'Job/orders-db-restore'],
    ],
    ['MinIO restored', Engine.minio(), restoreProfile, ['StatefulSet/orders-db', 'CronJob/orders-db-backup', 'Job/orders-db-restore']],
    ['Elasticsearch single', Engine.elasticsearch(), development, ['StatefulSet/orders-db']],
  ];

  it.each(cases)(
    'GIVEN %s WHEN synthesized THEN each pod runs as a ServiceAccount named after its workload, with no token',
    (_name, engine, profile, workloads) => {
      // GIVEN
      const r = synthEnv((c) => {
        new StatefulDatastore(c, 'db', pg({ engine }));
      }, profile);
      // WHEN
      const pods = r.docs.filter((d) => ['StatefulSet', 'CronJob', 'Job'].includes(d.kind));
      // THEN every workload has its own ServiceAccount, labelled like it and guarded like the datastore
      expect(pods.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([...workloads].sort());
      for (const d of pods) {
        const spec = podSpecOf(d);
        expect(spec.serviceAccountName).toBe(d.metadata.name);
        expect(spec.automountServiceAccountToken).toBe(false);
        const sa = r.find('ServiceAccount', d.metadata.name, 'data');
        expect(sa.automountServiceAccountToken).toBe(false);
        expect(sa.metadata.labels).toEqual(d.metadata.labels);
        expect(sa.metadata.annotations).toEqual(profile.protectStatefulResources ? PROTECT_ANNOTATIONS : undefined);
      }
      expect(r.all('ServiceAccount')).toHaveLength(workloads.length);
      // AND the policy gate finds no pod on the default ServiceAccount
      const env = { name: profile.name, directory: profile.name, profile, documents: r.documents };
      expect(evaluatePolicies(env).violations.filter((v) => v.checkId === 'pod-dedicated-service-account')).toEqual([]);
    },
  );

  it('GIVEN a managed datastore THEN it emits no ServiceAccount (it runs no pod)', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', pg({ managed: { host: 'orders.abc123.eu-west-1.rds.amazonaws.com', cidrs: ['10.20.0.0/16'] } }));
    }, production);
    expect(r.all('ServiceAccount')).toEqual([]);
  });
});
