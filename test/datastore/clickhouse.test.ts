import { describe, expect, it } from 'vitest';
import { Engine, StatefulDatastore, EnvironmentProfile } from '../../src';
import { development, production, synthEnv } from '../helpers';

const build = (profile: EnvironmentProfile = development) =>
  synthEnv((c) => {
    new StatefulDatastore(c, 'ch', { name: 'events', namespace: 'analytics', engine: Engine.clickhouse() });
  }, profile);

describe('Engine.clickhouse', () => {
  it('development: one server, no Keeper, password read by the server from the environment', () => {
    const r = build();
    expect(r.all('StatefulSet').map((s) => s.metadata.name)).toEqual(['events']);
    const c = r.find('StatefulSet', 'events').spec.template.spec.containers[0];
    expect(c.command).toEqual(['/usr/bin/clickhouse-server', '--config-file=/etc/clickhouse-server/config.xml']);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ping', port: 'http' });
    const cm = r.find('ConfigMap', 'events-config').data;
    expect(cm['users.xml']).toContain('<password from_env="CLICKHOUSE_ADMIN_PASSWORD"/>');
    expect(cm['server.xml']).not.toContain('<zookeeper>');
  });

  it('HA: replicated shard with a 3-node Keeper quorum and cluster discovery', () => {
    const r = build(production);
    expect(r.find('StatefulSet', 'events').spec.replicas).toBe(2);
    const keeper = r.find('StatefulSet', 'events-keeper');
    expect(keeper.spec.replicas).toBe(3);
    expect(keeper.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('2Gi');
    const cm = r.find('ConfigMap', 'events-config').data;
    expect(cm['server.xml']).toContain('<node><host>events-keeper-2.events-headless.analytics.svc.cluster.local</host><port>9181</port></node>');
    expect(cm['server.xml']).toContain('<replica><host>events-1.events-headless.analytics.svc.cluster.local</host>');
    expect(cm['keeper.xml']).toContain(
      '<server><id>3</id><hostname>events-keeper-2.events-headless.analytics.svc.cluster.local</hostname><port>9234</port></server>',
    );
    expect(r.find('PodDisruptionBudget', 'events-keeper').spec.minAvailable).toBe(2);
    const backup = r.find('CronJob', 'events-backup').spec.jobTemplate.spec.template.spec.initContainers[0];
    expect(backup.command[2]).toContain('--query "$BACKUP_STATEMENT TO S3(\'$TARGET\')"');
    expect(backup.env).toContainEqual({
      name: 'BACKUP_STATEMENT',
      value: "BACKUP ALL EXCEPT DATABASES system, information_schema, INFORMATION_SCHEMA ON CLUSTER 'events'",
    });
    expect(backup.env).toContainEqual({ name: 'BACKUP_URL_PREFIX', value: 'https://s3.amazonaws.com/platform-backups-production/analytics/events/events-' });
  });

  it('minimal snapshot (development)', () => {
    expect(build().docs).toMatchSnapshot();
  });
  it('HA snapshot (production)', () => {
    expect(build(production).docs).toMatchSnapshot();
  });
});
