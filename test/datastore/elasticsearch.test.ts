import { describe, expect, it } from 'vitest';
import { Engine, StatefulDatastore, EnvironmentProfile } from '../../src';
import { development, production, synthEnv } from '../helpers';

const build = (profile: EnvironmentProfile = development) => synthEnv((c) => { new StatefulDatastore(c, 'es', { name: 'search', namespace: 'data', engine: Engine.elasticsearch() }); }, profile);

describe('Engine.elasticsearch', () => {
  it('development: single-node discovery, memory raised to the engine minimum, heap half of it', () => {
    const r = build();
    expect(r.find('ConfigMap', 'search-config').data['elasticsearch.yml']).toContain('discovery.type: single-node');
    const c = r.find('StatefulSet', 'search').spec.template.spec.containers[0];
    expect(c.resources.limits.memory).toBe('1Gi');
    expect(c.env).toContainEqual({ name: 'ES_JAVA_OPTS', value: '-Xms512m -Xmx512m' });
    expect(r.find('StatefulSet', 'search').spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });
  });

  it('HA: three master-eligible nodes discovered through the headless Service, transport TLS from cert-manager', () => {
    const r = build(production);
    expect(r.find('StatefulSet', 'search').spec).toMatchObject({ replicas: 3, podManagementPolicy: 'Parallel' });
    const yml = r.find('ConfigMap', 'search-config').data['elasticsearch.yml'];
    expect(yml).toContain('discovery.seed_hosts: [search-headless]');
    expect(yml).toContain('cluster.initial_master_nodes: [search-0, search-1, search-2]');
    expect(r.find('Certificate', 'search-transport').spec.secretName).toBe('search-transport-tls');
    expect(r.find('PodDisruptionBudget', 'search').spec.minAvailable).toBe(2);
    const snap = r.find('CronJob', 'search-backup').spec.jobTemplate.spec.template.spec;
    expect(snap.initContainers).toBeUndefined();
    expect(snap.containers[0].command[2]).toContain('"$ES/_snapshot/platform-backup/$SNAP?wait_for_completion=true"');
  });

  it('minimal snapshot (development)', () => { expect(build().docs).toMatchSnapshot(); });
  it('HA snapshot (production)', () => { expect(build(production).docs).toMatchSnapshot(); });
});
