import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { EnvironmentChart, EnvironmentProfile, Engine, StatefulDatastore, StatefulDatastoreProps, synthesizeToJson } from '../../src';
import { evaluatePolicies } from '../../src/policy';
import { restrictedContainerSecurityContext } from '../../src/core/security';
import { development, production, synthEnv } from '../helpers';
import { effectiveScript } from './fixtures';

const FROM = 's3://platform-backups-production';
/** A DR profile: production's, writing its own backups, restoring from production's. */
const drLike: EnvironmentProfile = {
  ...production,
  name: 'dr',
  backups: { ...production.backups, destination: 's3://platform-backups-dr', restoreFrom: FROM },
};
const ds = (extra: Partial<StatefulDatastoreProps> = {}): StatefulDatastoreProps => ({
  name: 'orders-db',
  namespace: 'data',
  engine: Engine.redis(),
  ...extra,
});
/** The script with the container's literal variables (bucket, prefix, endpoint) filled in: what runs for this datastore. */
const script = (c: any): string => effectiveScript(c);
const RESTRICTED = restrictedContainerSecurityContext();

describe('StatefulDatastore restore: the fetch step and its credentials (shown on Redis)', () => {
  it('restores the newest backup into an empty volume before the server starts', () => {
    // GIVEN a profile whose datastores restore from production's bucket
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds());
    }, drLike);
    // THEN the data pods run restore-fetch, then the engine's restore step, before the server
    const sts = r.find('StatefulSet', 'orders-db', 'data');
    const init = sts.spec.template.spec.initContainers;
    expect(init.map((c: any) => c.name)).toEqual(['restore-fetch', 'restore']);
    const fetch = init[0];
    expect(fetch.image).toMatch(/^quay.io\/minio\/mc:RELEASE.2024-10-08T09-37-26Z/);
    expect(script(fetch)).toContain('mc alias set restore "https://s3.amazonaws.com" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null');
    expect(script(fetch)).toContain(
      'for o in $(mc ls "restore/platform-backups-production/data/orders-db/"); do case "$o" in "orders-db-"*.rdb) LATEST="$o" ;; esac; done',
    );
    expect(script(fetch)).toContain('mc cp "restore/platform-backups-production/data/orders-db/$LATEST" "/restore/$LATEST"');
    expect(fetch.env).toEqual([
      { name: 'MC_CONFIG_DIR', value: '/restore/.mc' },
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'orders-db-restore-credentials', key: 'AWS_ACCESS_KEY_ID' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'orders-db-restore-credentials', key: 'AWS_SECRET_ACCESS_KEY' } } },
      // Where it reads and what it looks for: data of the script, never part of its text.
      { name: 'SOURCE_ENDPOINT_URL', value: 'https://s3.amazonaws.com' },
      { name: 'SOURCE_BUCKET', value: 'platform-backups-production' },
      { name: 'SOURCE_PREFIX', value: 'data/orders-db' },
      { name: 'OBJECT_PREFIX', value: 'orders-db-' },
      { name: 'OBJECT_PATTERN', value: '*.rdb' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
    expect(fetch.command[2]).toContain('case "$o" in "$OBJECT_PREFIX"*.rdb)');
    expect(fetch.volumeMounts).toEqual([
      { name: 'data', mountPath: '/data' },
      { name: 'restore', mountPath: '/restore' },
    ]);
    for (const c of init) expect(c.securityContext).toEqual(RESTRICTED);
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'restore', emptyDir: { sizeLimit: '50Gi' } });
  });

  it('reads a read-only key from its own ExternalSecret, never a value', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds());
    }, drLike);
    const es = r.find('ExternalSecret', 'orders-db-restore-credentials', 'data');
    expect(es.spec.data).toEqual([
      { secretKey: 'AWS_ACCESS_KEY_ID', remoteRef: { key: 'data/orders-db-restore', property: 'AWS_ACCESS_KEY_ID' } },
      { secretKey: 'AWS_SECRET_ACCESS_KEY', remoteRef: { key: 'data/orders-db-restore', property: 'AWS_SECRET_ACCESS_KEY' } },
    ]);
    expect(r.all('Secret')).toHaveLength(0);
  });

  it('GIVEN a DR profile WHEN backups run THEN they write to and prune only the DR bucket, never the source', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds());
    }, drLike);
    const upload = r.find('CronJob', 'orders-db-backup', 'data').spec.jobTemplate.spec.template.spec.containers[0];
    expect(script(upload)).toContain('mc cp --recursive /backup/ "backup/platform-backups-dr/data/orders-db/"');
    expect(script(upload)).toContain('mc rm --recursive --force --older-than "30d" "backup/platform-backups-dr/data/orders-db/"');
    expect(script(upload)).not.toContain('platform-backups-production');
  });

  it('opens egress to 443 for the object store even when backups are off', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds({ restore: { from: 's3://prod-backups/db' } }));
    }, development);
    const np = r.find('NetworkPolicy', 'orders-db', 'data');
    expect(np.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] });
    expect(r.all('CronJob')).toHaveLength(0);
    // AND the per-datastore source, prefix and key override the profile
    const fetch = r.find('StatefulSet', 'orders-db').spec.template.spec.initContainers[0];
    expect(script(fetch)).toContain('mc ls "restore/prod-backups/db/data/orders-db/"');
  });

  it('takes the endpoint and remote key from the props; gs:// uses Cloud Storage', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds({ restore: { from: 'gs://prod-backups', credentialsRemoteKey: 'dr/orders-db-ro' } }));
    }, development);
    expect(script(r.find('StatefulSet', 'orders-db').spec.template.spec.initContainers[0])).toContain('mc alias set restore "https://storage.googleapis.com"');
    expect(r.find('ExternalSecret', 'orders-db-restore-credentials').spec.data[0].remoteRef).toEqual({ key: 'dr/orders-db-ro', property: 'AWS_ACCESS_KEY_ID' });
  });

  it('restore: false turns the profile restore off', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds({ restore: false }));
    }, drLike);
    expect(r.find('StatefulSet', 'orders-db').spec.template.spec.initContainers).toBeUndefined();
    expect(r.all('ExternalSecret').map((x) => x.metadata.name)).not.toContain('orders-db-restore-credentials');
  });

  it('no restoreFrom in the profile: nothing changes', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds());
    }, production);
    expect(r.find('StatefulSet', 'orders-db').spec.template.spec.initContainers).toBeUndefined();
    expect(r.all('ExternalSecret').map((x) => x.metadata.name)).toEqual(['orders-db-backup-credentials', 'orders-db-credentials']);
  });
});

describe('StatefulDatastore restore: Redis', () => {
  it('only the seed pod restores the newest RDB, writing the AOF before Redis starts', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds({ name: 'cache', engine: Engine.redis() }));
    }, drLike);
    const init = r.find('StatefulSet', 'cache', 'data').spec.template.spec.initContainers;
    expect(init.map((c: any) => c.name)).toEqual(['restore-fetch', 'restore']);
    expect(script(init[0])).toContain('if [ -e /data/appendonlydir ] || [ -e /data/dump.rdb ] || [ "${POD_NAME##*-}" != "0" ]; then');
    expect(init[0].env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(script(init[0])).toContain('case "$o" in "cache-"*.rdb)');
    expect(script(init[1])).toContain('redis-cli -s /tmp/restore.sock config set appendonly yes >/dev/null');
    expect(script(init[1])).toContain('mv /data/.restoring/appendonlydir /data/appendonlydir');
    expect(r.find('StatefulSet', 'cache-sentinel', 'data').spec.template.spec.initContainers).toBeUndefined();
  });
});

describe('StatefulDatastore restore: MinIO and ClickHouse (one-off Job)', () => {
  it('MinIO: a Job mirrors the newest backup back into an empty MinIO', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds({ name: 'files', engine: Engine.minio() }));
    }, drLike);
    expect(r.find('StatefulSet', 'files', 'data').spec.template.spec.initContainers).toBeUndefined();
    const job = r.find('Job', 'files-restore', 'data');
    expect(job.spec).toMatchObject({ backoffLimit: 3, activeDeadlineSeconds: 43200, ttlSecondsAfterFinished: 86400 });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['restore-fetch']);
    expect(script(pod.initContainers[0])).toContain('printf \'%s\' "${LATEST%/}" > /restore/latest');
    expect(script(pod.initContainers[0])).toContain('case "$o" in "files-"*Z/)');
    expect(pod.containers.map((c: any) => c.name)).toEqual(['restore']);
    expect(script(pod.containers[0])).toContain('if [ -n "$(mc ls target/)" ]; then');
    expect(script(pod.containers[0])).toContain('mc mirror "restore/platform-backups-production/data/files/$LATEST/" target/');
    for (const c of [...pod.initContainers, ...pod.containers]) expect(c.securityContext).toEqual(RESTRICTED);
    // AND the Job's pods are datastore pods for the NetworkPolicy (DNS, MinIO API, 443)
    expect(job.spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'files',
      'app.kubernetes.io/instance': 'files',
      'app.kubernetes.io/component': 'restore',
    });
  });

  it('ClickHouse: a Job runs RESTORE ... ON CLUSTER from S3 into an empty server', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds({ name: 'events', engine: Engine.clickhouse() }));
    }, drLike);
    const main = r.find('Job', 'events-restore', 'data').spec.template.spec.containers[0];
    expect(script(main)).toContain(
      "RESTORE ALL EXCEPT DATABASES system, information_schema, INFORMATION_SCHEMA ON CLUSTER 'events' FROM S3('https://s3.amazonaws.com/platform-backups-production/data/events/$LATEST', '$AWS_ACCESS_KEY_ID', '$AWS_SECRET_ACCESS_KEY')",
    );
    // The backup's name and the keys are read at run time: a quote or backslash in one stops the Job.
    expect(main.command[2]).toContain('case "$v" in *"\'"*|*\\*) echo "restore: a backup name or key holds a quote or backslash');
    expect(script(main)).toContain('if [ "$N" != "0" ]; then');
    expect(main.env.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef.name)).toEqual([
      'events-credentials',
      'events-restore-credentials',
      'events-restore-credentials',
    ]);
  });
});

describe('StatefulDatastore restore: Elasticsearch (a read-only snapshot repository)', () => {
  it('GIVEN a DR profile THEN a Job restores the newest snapshot through a readonly repository on the source, and snapshots go to its own', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds({ name: 'logs', engine: Engine.elasticsearch() }));
    }, drLike);
    const pod = r.find('Job', 'logs-restore', 'data').spec.template.spec;
    // No download first: Elasticsearch reads the source itself.
    expect(pod.initContainers).toBeUndefined();
    const main = pod.containers[0];
    // The repository's body is JSON from the JSON encoder, handed to the script as data.
    expect(main.command[2]).toContain(`printf '%s' "$REPOSITORY_BODY" > /tmp/repository.json`);
    expect(JSON.parse(main.env.find((e: any) => e.name === 'REPOSITORY_BODY').value)).toEqual({
      type: 's3',
      settings: { client: 'restore', bucket: 'platform-backups-production', base_path: 'data/logs', readonly: true },
    });
    expect(script(main)).toContain(
      `curl -fsS -u "$AUTH" -X PUT "$ES/_snapshot/platform-restore" -H 'Content-Type: application/json' --data-binary @/tmp/repository.json`,
    );
    expect(script(main)).toContain('"$ES/_snapshot/platform-restore/$LATEST/_restore?wait_for_completion=true"');
    expect(script(main)).toContain('then echo "restore: the cluster holds indices: nothing to restore"; exit 0; fi');

    // AND the nodes hold the source's read-only keys under their own S3 client
    const cm = r.find('ConfigMap', 'logs-config', 'data').data;
    expect(cm['elasticsearch.yml']).toContain('s3.client.restore.endpoint: s3.amazonaws.com');
    expect(cm['prepare.sh']).toContain('elasticsearch-keystore add -x s3.client.restore.access_key');
    const prepare = r.find('StatefulSet', 'logs', 'data').spec.template.spec.initContainers[0];
    expect(prepare.env).toContainEqual({
      name: 'RESTORE_AWS_ACCESS_KEY_ID',
      valueFrom: { secretKeyRef: { name: 'logs-restore-credentials', key: 'AWS_ACCESS_KEY_ID' } },
    });
    // AND its own snapshots go to its own repository in the DR bucket
    const snapshot = r.find('CronJob', 'logs-backup', 'data').spec.jobTemplate.spec.template.spec.containers[0];
    expect(script(snapshot)).toContain('"$ES/_snapshot/platform-backup"');
    expect(JSON.parse(snapshot.env.find((e: any) => e.name === 'REPOSITORY_BODY').value)).toEqual({
      type: 's3',
      settings: { bucket: 'platform-backups-dr', base_path: 'data/logs' },
    });
  });
});

describe('StatefulDatastore restore: engines without a restore', () => {
  it('kafka: the profile restore is a documented no-op', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds({ name: 'events', engine: Engine.kafka() }));
    }, drLike);
    expect(r.all('Job')).toHaveLength(0);
    expect(r.all('ExternalSecret').map((x) => x.metadata.name)).not.toContain('events-restore-credentials');
  });
  it('managed: the profile restore is a no-op', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'db', ds({ managed: { host: 'orders.abc.rds.amazonaws.com' } }));
    }, drLike);
    expect(r.all('ExternalSecret').map((x) => x.metadata.name)).toEqual(['orders-db-credentials']);
  });
});

describe('StatefulDatastore restore: bad input', () => {
  const build =
    (props: Partial<StatefulDatastoreProps>, profile: EnvironmentProfile = production) =>
    () =>
      synthEnv((c) => {
        new StatefulDatastore(c, 'db', ds(props));
      }, profile);
  it('restore.from that is not an s3:// or gs:// URL', () => {
    expect(build({ restore: { from: 'https://backups.example.com' } })).toThrow(
      'production/db: restore.from: got "https://backups.example.com"; must be an object-storage URL "s3://<bucket>[/<prefix>]" or "gs://<bucket>[/<prefix>]"',
    );
  });
  it('profile restoreFrom that is not a URL names the profile field', () => {
    expect(build({}, { ...production, backups: { ...production.backups, restoreFrom: 'platform-backups-production' } })).toThrow(
      'production/db: profile.backups.restoreFrom: got "platform-backups-production"; must be an object-storage URL "s3://<bucket>[/<prefix>]" or "gs://<bucket>[/<prefix>]"',
    );
  });
  it('an explicit restore on an engine that cannot restore', () => {
    expect(build({ engine: Engine.kafka(), restore: { from: 's3://other-backups' } })).toThrow(
      'production/db: restore.from: got "s3://other-backups"; Kafka cannot restore from object storage: restore its volumes with Velero, or remove restore',
    );
  });
  it('GIVEN backups written where the datastore restores from THEN synth refuses: a copy never writes into its source', () => {
    expect(build({ restore: { from: FROM } })).toThrow(
      'production/db: profile.backups.destination: got "s3://platform-backups-production"; is where this datastore restores from (s3://platform-backups-production/data/orders-db): a copy must write its backups to its own bucket or prefix, never into its source\'s',
    );
    expect(build({ backup: { destination: 's3://shared/dr' }, restore: { from: 's3://shared/dr' } })).toThrow(
      'production/db: backup.destination: got "s3://shared/dr"; is where this datastore restores from (s3://shared/dr/data/orders-db)',
    );
    // Different prefixes of one bucket are fine.
    expect(build({ backup: { destination: 's3://shared/dr' }, restore: { from: 's3://shared/production' } })).not.toThrow();
  });
  it('a prefix with characters that would need quoting in scripts', () => {
    expect(build({ restore: { from: "s3://bucket/a'b" } })).toThrow(
      'production/db: restore.from: got "s3://bucket/a\'b"; must be an object-storage URL "s3://<bucket>[/<prefix>]" or "gs://<bucket>[/<prefix>]": a prefix is path segments of letters, digits, ".", "_" and "-" separated by "/" (no "." or ".." segment, at most 512 characters)',
    );
  });
  it('an explicit restore on a managed datastore', () => {
    expect(build({ managed: { host: 'orders.abc.rds.amazonaws.com' }, restore: { from: FROM } })).toThrow(
      'production/db: restore.from: got "s3://platform-backups-production"; a managed datastore restores through its provider (snapshots, point-in-time recovery): remove restore',
    );
  });
  it('an endpoint with a scheme', () => {
    expect(build({ restore: { from: FROM, endpoint: 'https://s3.amazonaws.com' } })).toThrow(
      'production/db: restore.endpoint: got "https://s3.amazonaws.com"; must be a host name or "host:port" such as "s3.eu-west-1.amazonaws.com" or "minio.storage.svc:9000" (no scheme, no path)',
    );
  });
});

describe('StatefulDatastore restore: policy gate', () => {
  it.each([
    ['postgres', () => Engine.postgres()],
    ['redis', () => Engine.redis()],
    ['clickhouse', () => Engine.clickhouse()],
    ['elasticsearch', () => Engine.elasticsearch()],
    ['minio', () => Engine.minio()],
    ['kafka', () => Engine.kafka()],
  ] as const)('%s in a production profile with restore passes every check', (_n, engine) => {
    const app = new App({ outdir: '.cdk8s.out' });
    new StatefulDatastore(new EnvironmentChart(app, { profile: drLike }), 'db', ds({ engine: engine() }));
    const out = synthesizeToJson(app);
    expect(out.problems).toEqual([]);
    expect(
      evaluatePolicies(out.envs[0]!)
        .violations.filter((v) => v.checkId !== 'image-digest')
        .map((v) => v.text),
    ).toEqual([]);
  });
});
