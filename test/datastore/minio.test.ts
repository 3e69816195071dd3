import { describe, expect, it } from 'vitest';
import { Engine, StatefulDatastore, EnvironmentProfile } from '../../src';
import { development, production, synthEnv } from '../helpers';

const build = (profile: EnvironmentProfile = development) =>
  synthEnv((c) => {
    new StatefulDatastore(c, 'minio', { name: 'documents', namespace: 'storage', engine: Engine.minio() });
  }, profile);

describe('Engine.minio', () => {
  it('development: a single drive, native metrics, health probes', () => {
    const r = build();
    expect(r.find('ConfigMap', 'documents-config').data.MINIO_VOLUMES).toBe('/data');
    const c = r.find('StatefulSet', 'documents').spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/minio/health/ready', port: 'api' });
    expect(r.find('StatefulSet', 'documents').spec.template.metadata.annotations['prometheus.io/path']).toBe('/minio/v2/metrics/cluster');
  });

  it('HA: a distributed erasure-coded pool of four nodes started in parallel', () => {
    const r = build(production);
    expect(r.find('ConfigMap', 'documents-config').data.MINIO_VOLUMES).toBe('http://documents-{0...3}.documents-headless.storage.svc.cluster.local/data');
    expect(r.find('StatefulSet', 'documents').spec).toMatchObject({ replicas: 4, podManagementPolicy: 'Parallel' });
    expect(r.find('PodDisruptionBudget', 'documents').spec.minAvailable).toBe(3);
    expect(r.find('CronJob', 'documents-backup').spec.jobTemplate.spec.template.spec.initContainers[0].command[2]).toContain('mc mirror --overwrite source/');
  });

  it('minimal snapshot (development)', () => {
    expect(build().docs).toMatchSnapshot();
  });
  it('HA snapshot (production)', () => {
    expect(build(production).docs).toMatchSnapshot();
  });
});
