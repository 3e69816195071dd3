import { describe, expect, it } from 'vitest';
import { Engine, StatefulDatastore, EnvironmentProfile } from '../../src';
import { development, production, synthEnv } from '../helpers';

const build = (profile: EnvironmentProfile = development) => synthEnv((c) => { new StatefulDatastore(c, 'cache', { name: 'sessions', namespace: 'data', engine: Engine.redis() }); }, profile);

describe('Engine.redis', () => {
  it('development: one node with AOF persistence and the password from the secret', () => {
    const r = build();
    const sts = r.find('StatefulSet', 'sessions');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, fsGroup: 999 });
    expect(sts.spec.template.spec.containers[0].env).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'sessions-credentials', key: 'REDIS_PASSWORD' } } });
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
    expect(cm['sentinel.sh']).toContain('sentinel monitor mymaster $MASTER 6379 2');
    expect(cm['sentinel.sh']).toContain('sentinel resolve-hostnames yes');
    expect(cm['start.sh']).toContain('--replicaof "$MASTER" 6379');
    expect(r.find('PodDisruptionBudget', 'sessions-sentinel').spec.minAvailable).toBe(2);
    expect(r.find('Service', 'sessions').spec.ports.map((p: any) => p.port)).toEqual([6379, 26379]);
    expect(r.find('CronJob', 'sessions-backup').spec.jobTemplate.spec.template.spec.initContainers[0].command[2]).toContain('--rdb "/backup/sessions-');
  });

  it('rejects fewer than 3 Sentinels', () => {
    expect(() => synthEnv((c) => { new StatefulDatastore(c, 'cache', { name: 'sessions', namespace: 'data', engine: Engine.redis({ sentinels: 1 }) }); }, production))
      .toThrow('production/cache: engine.sentinels: got 1; must be an odd number of at least 3');
  });

  it('minimal snapshot (development)', () => { expect(build().docs).toMatchSnapshot(); });
  it('HA snapshot (production)', () => { expect(build(production).docs).toMatchSnapshot(); });
});
