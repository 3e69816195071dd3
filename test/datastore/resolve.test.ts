import { describe, expect, test } from 'vitest';
import { Engine, StatefulDatastoreProps } from '../../src';
import { resolveDatastore } from '../../src/datastore/resolve';
import { development, production, testProfile } from '../helpers';

/** Resolution of a StatefulDatastore's props against a profile and its engine: plain functions, no construct. */
const PATH = 'test/orders-db';
const props = (overrides: Partial<StatefulDatastoreProps> = {}): StatefulDatastoreProps => ({
  name: 'orders-db',
  namespace: 'data',
  engine: Engine.postgres(),
  ...overrides,
});

describe('resolveDatastore', () => {
  test("GIVEN only the required props WHEN resolved in development THEN one replica, the profile's storage and no backup", () => {
    const r = resolveDatastore(PATH, props(), development);

    expect(r.ctx.replicas).toBe(1);
    expect(r.ctx.highAvailability).toBe(false);
    expect(r.ctx.storageSize).toBe(development.storage.defaultSize);
    expect(r.ctx.storageClass).toBe(development.storage.storageClass);
    expect(r.ctx.backup).toBeUndefined();
    expect(r.ctx.headlessService).toBe('orders-db-headless');
    expect(r.ctx.podFqdn('', 0)).toBe('orders-db-0.orders-db-headless.data.svc.cluster.local');
    expect(r.protect).toEqual({});
    expect(r.clientPorts).toEqual([{ name: 'postgresql', port: 5432 }]);
    expect(r.external).toBeUndefined();
    expect(r.labels['platform.io/datastore']).toBe('postgresql');
  });

  test("GIVEN production WHEN resolved THEN the engine's HA size, a backup below the destination and Argo CD guards", () => {
    const r = resolveDatastore(PATH, props(), production);

    expect(r.ctx.replicas).toBe(3);
    expect(r.ctx.highAvailability).toBe(true);
    expect(r.ctx.backup).toEqual({
      bucket: 'platform-backups-production',
      prefix: 'data/orders-db',
      endpoint: 's3.amazonaws.com',
      retentionDays: 30,
      credentialsSecret: 'orders-db-backup-credentials',
      schedule: '0 */6 * * *',
      veleroSchedule: '0 2 * * *',
    });
    expect(r.ctx.restore).toBeUndefined();
    expect(r.ctx.promote).toBe(false);
    expect(r.protect).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
  });

  test('GIVEN a managed endpoint WHEN resolved THEN clients get its port and CIDRs, and there is no backup', () => {
    const r = resolveDatastore(PATH, props({ managed: { host: 'orders.abc.rds.amazonaws.com', port: 6432, cidrs: ['10.20.0.0/16'] } }), production);

    expect(r.clientPorts).toEqual([{ name: 'postgresql', port: 6432 }]);
    expect(r.external).toEqual({ cidrs: ['10.20.0.0/16'], ports: [{ name: 'postgresql', port: 6432 }] });
    expect(r.ctx.backup).toBeUndefined();
  });

  test('GIVEN a profile that restores WHEN an engine without restore is resolved THEN the restore is skipped, not an error', () => {
    const profile = testProfile({ backups: { ...development.backups, restoreFrom: 's3://other-env-backups' } });

    expect(resolveDatastore(PATH, props(), profile).restoreSource).toEqual({
      bucket: 'other-env-backups',
      prefix: 'data/orders-db',
      endpoint: 's3.amazonaws.com',
      credentialsSecret: 'orders-db-restore-credentials',
    });
    expect(resolveDatastore(PATH, props({ engine: Engine.kafka(), storage: { size: '10Gi' } }), profile).restoreSource).toBeUndefined();
  });

  test('GIVEN a profile that declares failover WHEN resolved THEN the context promotes; a datastore may decide for itself', () => {
    const profile = testProfile({ backups: { ...development.backups, restoreFrom: 's3://other-env-backups', promote: true } });

    expect(resolveDatastore(PATH, props(), profile).ctx.promote).toBe(true);
    expect(resolveDatastore(PATH, props({ restore: { from: 's3://other-env-backups', promote: false } }), profile).ctx.promote).toBe(false);
    expect(resolveDatastore(PATH, props(), profile).ctx.restore?.bucket).toBe('other-env-backups');
  });

  test("GIVEN two replicas in production WHEN resolved THEN the error names the path and the engine's minimum", () => {
    expect(() => resolveDatastore(PATH, props({ replicas: 1 }), production)).toThrow(
      'test/orders-db: replicas: got 1; PostgreSQL needs at least 2 replicas when the profile asks for high availability',
    );
  });
});
