import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SECRET_STORE_NAME,
  DEFAULT_STORAGE_CLASS,
  Engine,
  EnvironmentChart,
  EnvironmentProfile,
  ImagePolicy,
  MonitoringMode,
  Profiles,
  StatefulDatastore,
  SyncPolicy,
  synthesizeToJson,
} from '../../src';

const CLUSTER = { name: 'c1', server: 'https://c1.example.com', region: 'eu-west-1' };
const REQUIRED = { name: 'prod', cluster: CLUSTER, domain: 'example.org' };

function withDatastore(profile: EnvironmentProfile) {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile });
  new StatefulDatastore(chart, 'orders-db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres() });
  return synthesizeToJson(app);
}

describe('Profiles presets', () => {
  it('GIVEN only name, cluster and domain WHEN each preset is built THEN every field has the preset value', () => {
    const dev = Profiles.development({ ...REQUIRED, name: 'dev' });
    expect(dev).toMatchObject({
      name: 'dev',
      cluster: CLUSTER,
      domain: 'example.org',
      replicas: 1,
      highAvailability: false,
      storage: { storageClass: DEFAULT_STORAGE_CLASS, defaultSize: '1Gi' },
      secretStore: { kind: 'ClusterSecretStore', name: DEFAULT_SECRET_STORE_NAME, refreshInterval: '1h' },
      backups: { enabled: false },
      protectStatefulResources: false,
      enforcePolicies: false,
    });
    expect(dev.tlsIssuer).toBeUndefined();
    expect(dev.imagePolicy).toEqual(ImagePolicy.anyTag());
    const staging = Profiles.staging({ ...REQUIRED, name: 'stage' });
    expect(staging).toMatchObject({ replicas: 2, tlsIssuer: 'letsencrypt-staging', backups: { enabled: true, schedule: '0 3 * * *', retentionDays: 7 } });
    expect(staging.imagePolicy).toEqual(ImagePolicy.pinnedTag());
    const prod = Profiles.production(REQUIRED);
    expect(prod).toMatchObject({
      replicas: 3,
      highAvailability: true,
      tlsIssuer: 'letsencrypt-prod',
      enforcePolicies: true,
      protectStatefulResources: true,
      autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 80 },
      backups: { enabled: true, schedule: '0 */6 * * *', retentionDays: 30, veleroSchedule: '0 2 * * *' },
      monitoring: { namespace: 'monitoring', retention: '15d', retentionSize: '45GB', scrapeInterval: '15s' },
    });
    expect(prod.imagePolicy).toEqual(ImagePolicy.digestOnly());
    expect(prod.delivery).toEqual({ syncPolicy: SyncPolicy.automatedProtectingState(), pruneGuard: true });
  });

  it('GIVEN nested overrides WHEN built THEN only the given fields change and siblings keep the preset', () => {
    const p = Profiles.production({
      ...REQUIRED,
      storage: { storageClass: 'gp3' },
      resources: { requests: { cpu: '1' } },
      monitoring: { mode: MonitoringMode.operator() },
      secretStore: { name: 'vault' },
    });
    expect(p.storage).toEqual({ storageClass: 'gp3', defaultSize: '50Gi' });
    expect(p.resources).toEqual({ requests: { cpu: '1', memory: '256Mi' }, limits: { memory: '1Gi' } });
    expect(p.monitoring.mode.usesOperator).toBe(true);
    expect(p.monitoring.retention).toBe('15d');
    expect(p.secretStore).toEqual({ kind: 'ClusterSecretStore', name: 'vault', refreshInterval: '15m' });
  });

  it('GIVEN a field given as undefined WHEN built THEN it is unset (production without TLS)', () => {
    expect(Profiles.production({ ...REQUIRED, tlsIssuer: undefined }).tlsIssuer).toBeUndefined();
    expect('tlsIssuer' in Profiles.production({ ...REQUIRED, tlsIssuer: undefined })).toBe(false);
  });

  it('GIVEN a preset WHEN it is built twice and one result is changed THEN the other is not (no shared objects)', () => {
    const a = Profiles.staging(REQUIRED) as any;
    a.storage.defaultSize = '1Ti';
    expect(Profiles.staging(REQUIRED).storage.defaultSize).toBe('10Gi');
  });

  it('GIVEN Profiles.extend WHEN a dr profile is derived from production THEN nested fields merge', () => {
    const prod = Profiles.production({ ...REQUIRED, backups: { destination: 's3://prod-backups' } });
    const dr = Profiles.extend(prod, {
      name: 'dr',
      autoscaling: { minReplicas: 2 },
      backups: { restoreFrom: 's3://prod-backups' },
      delivery: { syncPolicy: SyncPolicy.manualFailover() },
    });
    expect(dr.autoscaling).toEqual({ ...prod.autoscaling, minReplicas: 2 });
    expect(dr.backups).toEqual({ ...prod.backups, restoreFrom: 's3://prod-backups' });
    expect(dr.delivery).toEqual({ syncPolicy: SyncPolicy.manualFailover(), pruneGuard: true });
    expect(prod.name).toBe('prod');
  });

  it('GIVEN a plain object where a choice is expected WHEN built THEN a PlatformConfigError names the field', () => {
    expect(() => Profiles.production({ ...REQUIRED, imagePolicy: { requireDigest: true } as any })).toThrow(
      'Profiles.production("prod"): imagePolicy: got {"requireDigest":true}; must be an ImagePolicy (from its static factories), not an object',
    );
    expect(() => Profiles.production({ ...REQUIRED, domain: '' })).toThrow('Profiles.production("prod"): domain: got ""; is required: a non-empty string');
  });

  it('GIVEN backups off WHEN a datastore is built THEN no backup field is needed and no backup is emitted', () => {
    const { envs, problems } = withDatastore(Profiles.production({ ...REQUIRED, backups: { enabled: false } }));
    expect(problems).toEqual([]);
    expect(envs[0]!.documents.map((d) => d.object.kind)).not.toContain('ScheduledBackup');
  });

  it('GIVEN backups on without a destination WHEN a datastore is built THEN the error names the datastore, the field and both fixes', () => {
    expect(() => withDatastore(Profiles.production(REQUIRED))).toThrow(
      'prod/orders-db: profile.backups.destination: got undefined; is required while backups are enabled (profile.backups.enabled): an object-storage URL "s3://<bucket>[/<prefix>]" (or backup.destination on this datastore); to run without backups set profile.backups to { enabled: false }',
    );
  });

  it('GIVEN backups on with a destination only WHEN a datastore is built THEN the preset schedule and retention are used', () => {
    const { envs, problems } = withDatastore(Profiles.production({ ...REQUIRED, backups: { destination: 's3://prod-backups' } }));
    expect(problems).toEqual([]);
    // PostgreSQL backs up through CloudNativePG: base backups on the preset schedule, WAL kept for the retention.
    const backup = envs[0]!.documents.find((d) => d.object.kind === 'ScheduledBackup')!.object;
    expect(backup.spec.schedule).toBe('0 0 */6 * * *');
    const store = envs[0]!.documents.find((d) => d.object.kind === 'ObjectStore')!.object;
    expect([store.spec.configuration.destinationPath, store.spec.retentionPolicy]).toEqual(['s3://prod-backups/data', '30d']);
  });
});
