import { describe, expect, it } from 'vitest';
import { Engine, StatefulDatastore, EnvironmentProfile } from '../../src';
import { development, production, synthEnv } from '../helpers';

const build = (profile: EnvironmentProfile = development) => synthEnv((c) => { new StatefulDatastore(c, 'db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres() }); }, profile);

describe('Engine.postgres', () => {
  it('runs as the image uid with fsGroup, a read-only root and writable socket/tmp dirs', () => {
    const pod = build().find('StatefulSet', 'orders-db').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0];
    // The profile's pin table may add a digest to the tag.
    expect(c.image).toMatch(/^docker\.io\/library\/postgres:16\.4(@sha256:[0-9a-f]{64})?$/);
    expect(c.env).toContainEqual({ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' });
    expect(c.readinessProbe.exec.command[2]).toBe('pg_isready -h 127.0.0.1 -p 5432 -U postgres -q');
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/var/lib/postgresql/data', '/etc/postgresql', '/docker-entrypoint-initdb.d', '/var/run/postgresql', '/tmp']);
  });

  it('the exporter sidecar is probed on its metrics port: readiness over HTTP, liveness by TCP (they differ)', () => {
    const exporter = build(production).find('StatefulSet', 'orders-db-replica').spec.template.spec.containers[1];
    expect(exporter.name).toBe('metrics');
    expect(exporter.readinessProbe).toEqual({ httpGet: { path: '/', port: 'metrics' }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 });
    expect(exporter.livenessProbe).toEqual({ tcpSocket: { port: 'metrics' }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 4 });
  });

  it('development: a single primary, OrderedReady, no read Service', () => {
    const r = build();
    const sts = r.find('StatefulSet', 'orders-db');
    expect(sts.spec).toMatchObject({ replicas: 1, podManagementPolicy: 'OrderedReady', serviceName: 'orders-db-headless', updateStrategy: { type: 'RollingUpdate' } });
    expect(r.all('Service').map((s) => s.metadata.name).sort()).toEqual(['orders-db', 'orders-db-headless']);
  });

  it('HA: primary + streaming replicas cloned with pg_basebackup, a read Service and a replication user', () => {
    const r = build(production);
    expect(r.find('StatefulSet', 'orders-db-replica').spec.template.spec.containers[0].env).toContainEqual({ name: 'PG_ROLE', value: 'replica' });
    const cm = r.find('ConfigMap', 'orders-db-config').data;
    expect(cm['postgresql.conf']).toContain('wal_level = replica');
    expect(cm['pg_hba.conf']).toContain('host replication replicator 0.0.0.0/0 scram-sha-256');
    expect(cm['start.sh']).toContain('pg_basebackup -h "$PRIMARY_HOST" -p 5432 -U replicator -D "$PGDATA" -X stream -c fast');
    expect(cm['start.sh']).toContain('primary_conninfo=host=$PRIMARY_HOST port=5432 user=replicator passfile=/tmp/.pgpass');
    expect(cm['initdb-replication-user.sh']).toContain("CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';");
    expect(r.find('Service', 'orders-db').spec.selector).toEqual({ 'app.kubernetes.io/component': 'primary', 'app.kubernetes.io/instance': 'orders-db', 'app.kubernetes.io/name': 'orders-db', 'platform.io/datastore-member': 'true' });
    expect(r.find('Service', 'orders-db-read').spec.selector['app.kubernetes.io/component']).toBe('read');
  });

  it('rejects a tiny max_connections', () => {
    expect(() => synthEnv((c) => { new StatefulDatastore(c, 'db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres({ maxConnections: 1 }) }); }))
      .toThrow('development/db: engine.maxConnections: got 1; must be an integer of at least 10');
  });

  it('minimal snapshot (development)', () => { expect(build().docs).toMatchSnapshot(); });
  it('HA snapshot (production)', () => { expect(build(production).docs).toMatchSnapshot(); });
});
