import { describe, expect, it } from 'vitest';
import { Engine, StatefulDatastore, EnvironmentProfile } from '../../src';
import { development, production, synthEnv } from '../helpers';

const build = (profile: EnvironmentProfile = development) =>
  synthEnv((c) => {
    new StatefulDatastore(c, 'cache', { name: 'sessions', namespace: 'data', engine: Engine.redis() });
  }, profile);

describe('Engine.redis', () => {
  it('development: one node with AOF persistence and the password from the secret', () => {
    const r = build();
    const sts = r.find('StatefulSet', 'sessions');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, fsGroup: 999 });
    expect(sts.spec.template.spec.containers[0].env).toContainEqual({
      name: 'REDIS_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'sessions-credentials', key: 'REDIS_PASSWORD' } },
    });
    expect(r.find('ConfigMap', 'sessions-config').data['redis.conf']).toContain('appendonly yes');
    expect(r.all('StatefulSet')).toHaveLength(1);
    expect(r.find('Service', 'sessions').spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
  });

  it('HA: replicas of the current master and a Sentinel quorum with a majority PDB', () => {
    const r = build(production);
    expect(r.find('StatefulSet', 'sessions').spec.replicas).toBe(3);
    const sentinel = r.find('StatefulSet', 'sessions-sentinel');
    expect(sentinel.spec.replicas).toBe(3);
    expect(sentinel.spec.volumeClaimTemplates).toBeUndefined();
    expect(sentinel.spec.podManagementPolicy).toBe('Parallel');
    const cm = r.find('ConfigMap', 'sessions-config').data;
    expect(cm['sentinel.sh']).toContain('sentinel monitor $MASTER_SET $MASTER 6379 $SENTINEL_QUORUM');
    expect(sentinel.spec.template.spec.containers[0].env).toEqual(
      expect.arrayContaining([
        { name: 'MASTER_SET', value: 'mymaster' },
        { name: 'SENTINEL_QUORUM', value: '2' },
        { name: 'SEED_HOST', value: 'sessions-0.sessions-headless.data.svc.cluster.local' },
      ]),
    );
    expect(cm['sentinel.sh']).toContain('sentinel resolve-hostnames yes');
    expect(cm['start.sh']).toContain('--replicaof "$MASTER" 6379');
    expect(r.find('PodDisruptionBudget', 'sessions-sentinel').spec.minAvailable).toBe(2);
    expect(r.find('Service', 'sessions').spec.ports.map((p: any) => p.port)).toEqual([6379]);
    expect(r.find('CronJob', 'sessions-backup').spec.jobTemplate.spec.template.spec.initContainers[0].command[2]).toContain('--rdb "/backup/$DATASTORE_NAME-');
  });

  it('GIVEN HA Redis WHEN synthesized THEN the client Service `sessions` reaches only the master-routing proxy, never a replica', () => {
    const r = build(production);
    const svc = r.find('Service', 'sessions');
    // Today the Service selected every member (master and replicas): 2 writes in 3 hit a replica and got READONLY.
    expect(svc.spec.selector).toEqual({
      'app.kubernetes.io/name': 'sessions',
      'app.kubernetes.io/instance': 'sessions',
      'app.kubernetes.io/component': 'proxy',
      'platform.io/datastore-member': 'true',
    });
    expect(svc.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
    const proxy = r.find('StatefulSet', 'sessions-proxy');
    expect(proxy.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('proxy');
    const cfg = r.find('ConfigMap', 'sessions-config').data['haproxy.cfg'];
    // Only a server answering role:master passes the check; sessions to a demoted master are cut.
    expect(cfg).toContain('tcp-check expect string role:master');
    expect(cfg).toContain('server sessions-2 sessions-2.sessions-headless.data.svc.cluster.local:6379 check');
    expect(cfg).toContain('on-marked-down shutdown-sessions');
    // AUTH in RESP with the password's length: any password works and none is written into the file.
    expect(cfg).toContain('tcp-check send-lf "*2\\r\\n\\$4\\r\\nAUTH\\r\\n\\$%[env(REDIS_PASSWORD),length]\\r\\n%[env(REDIS_PASSWORD)]\\r\\n"');
  });

  it('GIVEN HA Redis WHEN synthesized THEN Sentinel-aware clients get their own Service and endpoint, and Sentinels require the password', () => {
    const r = build(production);
    const svc = r.find('Service', 'sessions-sentinel');
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('sentinel');
    expect(svc.spec.ports).toEqual([{ name: 'sentinel', port: 26379, targetPort: 'sentinel', protocol: 'TCP' }]);
    expect(r.find('ConfigMap', 'sessions-config').data['sentinel.sh']).toContain('requirepass "$REDIS_PASSWORD"');
    const ds = r.chart.node.findChild('cache') as StatefulDatastore;
    expect(ds.endpoints.map((e) => e.name)).toEqual(['master', 'sentinel']);
    const sentinel = ds.endpoint('sentinel');
    expect(sentinel.host).toBe('sessions-sentinel.data.svc.cluster.local');
    expect(sentinel.attributes).toEqual({ masterSet: 'mymaster' });
    // The client asks Sentinel, then connects to the master it names: both ports.
    expect(sentinel.clientPorts.map((p) => p.port)).toEqual([26379, 6379]);
    expect(ds.endpoint('master').address).toBe('sessions.data.svc.cluster.local:6379');
    expect(ds.endpoint('master').auth.method).toBe('password');
  });

  it('GIVEN a single Redis WHEN synthesized THEN only the master endpoint is offered, on the server itself', () => {
    const r = build();
    const ds = r.chart.node.findChild('cache') as StatefulDatastore;
    expect(ds.endpoints.map((e) => e.name)).toEqual(['master']);
    expect(r.find('Service', 'sessions').spec.selector['app.kubernetes.io/component']).toBe('server');
    expect(r.all('StatefulSet')).toHaveLength(1);
  });

  it('rejects fewer than 3 Sentinels', () => {
    expect(() =>
      synthEnv((c) => {
        new StatefulDatastore(c, 'cache', { name: 'sessions', namespace: 'data', engine: Engine.redis({ sentinels: 1 }) });
      }, production),
    ).toThrow('production/cache: engine.sentinels: got 1; must be an odd number of at least 3');
  });

  it('minimal snapshot (development)', () => {
    expect(build().docs).toMatchSnapshot();
  });
  it('HA snapshot (production)', () => {
    expect(build(production).docs).toMatchSnapshot();
  });
});
