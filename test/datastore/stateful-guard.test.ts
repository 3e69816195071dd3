import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  EnvironmentChart,
  Engine,
  StatefulDatastore,
  StatefulDatastoreProps,
  statefulDrift,
  statefulGuardPlugin,
  synthesize,
  synthesizeToJson,
} from '../../src';
import { compareStatefulSets } from '../../src/datastore/stateful-guard';
import { production, referencePlatform } from '../helpers';

const app = (props: Partial<StatefulDatastoreProps> = {}) => {
  const a = new App({ outdir: '.cdk8s.out' });
  const chart = new EnvironmentChart(a, { profile: production });
  new StatefulDatastore(chart, 'db', { name: 'orders-db', namespace: 'data', engine: Engine.redis(), storage: { size: '100Gi' }, ...props });
  return a;
};
const envOf = (a: App) => synthesizeToJson(a).envs[0]!;

/** GIVEN a committed dist/ written by a first synth. */
function committed(props: Partial<StatefulDatastoreProps> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stateful-guard-'));
  synthesize(app(props), { outdir: path.join(dir, 'dist'), plugins: [] });
  return path.join(dir, 'dist');
}

describe('stateful guard (fresh synth vs committed dist/)', () => {
  it('accepts an unchanged synth and changes to mutable fields (replicas, template)', () => {
    const dist = committed();
    expect(statefulDrift(envOf(app()), dist)).toEqual([]);
    expect(statefulDrift(envOf(app({ replicas: 4, resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } } })), dist)).toEqual([]);
  });

  it('catches a shrunk volume', () => {
    const dist = committed();
    const changes = statefulDrift(envOf(app({ storage: { size: '50Gi' } })), dist);
    expect(changes.map((c) => c.kind)).toEqual(['shrunk']);
    expect(changes.map((c) => c.message)).toContain(
      'data/orders-db: spec.volumeClaimTemplates[data]: volume shrunk from 100Gi to 50Gi; volumes can never shrink (data would not fit)',
    );
  });

  it('catches a grown volume as an immutable volumeClaimTemplates change', () => {
    const dist = committed();
    const c = statefulDrift(envOf(app({ storage: { size: '200Gi' } })), dist)[0]!;
    expect(c.kind).toBe('immutable');
    expect(c.field).toBe('spec.volumeClaimTemplates[data]');
    expect(c.message).toContain('kubectl delete --cascade=orphan');
  });

  it('catches a changed storage class and a changed serviceName/selector', () => {
    const dist = committed();
    expect(statefulDrift(envOf(app({ storage: { size: '100Gi', storageClass: 'io2' } })), dist).map((c) => c.field)).toEqual([
      'spec.volumeClaimTemplates[data]',
    ]);
    const before = {
      kind: 'StatefulSet',
      metadata: { name: 'x', namespace: 'n' },
      spec: { serviceName: 'a', selector: { matchLabels: { a: '1' } }, replicas: 1 },
    };
    const after = {
      kind: 'StatefulSet',
      metadata: { name: 'x', namespace: 'n' },
      spec: { serviceName: 'b', selector: { matchLabels: { a: '2' } }, replicas: 3 },
    };
    expect(compareStatefulSets([before], [after]).map((c) => c.message)).toEqual([
      'n/x: spec.selector is immutable: changed from {"matchLabels":{"a":"1"}} to {"matchLabels":{"a":"2"}}',
      'n/x: spec.serviceName is immutable: changed from "a" to "b"',
    ]);
  });

  it('catches a renamed datastore (orphaned volumes)', () => {
    const dist = committed();
    const changes = statefulDrift(envOf(app({ name: 'orders' })), dist);
    expect(changes.map((c) => c.message)).toContain(
      'data/orders-db: StatefulSet was removed or renamed: its volumes would be orphaned (rename it back, or remove it on purpose by hand)',
    );
  });

  it('as a synth plugin, fails synth and leaves dist/ unchanged', () => {
    const dist = committed();
    const before = fs.readFileSync(path.join(dist, 'production/data/statefulset-orders-db.yaml'), 'utf8');
    expect(() => synthesize(app({ storage: { size: '10Gi' } }), { outdir: dist, plugins: [statefulGuardPlugin()] })).toThrow(
      'production/data/orders-db: spec.volumeClaimTemplates[data]: volume shrunk from 100Gi to 10Gi',
    );
    expect(fs.readFileSync(path.join(dist, 'production/data/statefulset-orders-db.yaml'), 'utf8')).toBe(before);
  });

  it('GIVEN a CloudNativePG Cluster WHEN its volume shrinks, changes class or the Cluster disappears THEN synth is refused; growing is fine', () => {
    const pgApp = (props: Partial<StatefulDatastoreProps> = {}) => app({ engine: Engine.postgres(), ...props });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stateful-guard-'));
    const dist = path.join(dir, 'dist');
    synthesize(pgApp(), { outdir: dist, plugins: [] });
    expect(statefulDrift(envOf(pgApp({ storage: { size: '200Gi' } })), dist)).toEqual([]);
    expect(statefulDrift(envOf(pgApp({ storage: { size: '50Gi' } })), dist).map((c) => c.message)).toEqual([
      'data/orders-db: Cluster spec.storage.size: volume shrunk from 100Gi to 50Gi; volumes can never shrink (data would not fit)',
    ]);
    expect(statefulDrift(envOf(pgApp({ storage: { size: '100Gi', storageClass: 'io2' } })), dist).map((c) => c.message)).toEqual([
      'data/orders-db: Cluster spec.storage.storageClass: changed from "gp3-encrypted" to "io2"; existing volumes keep their class (to move, add a replica cluster on the new class and switch over)',
    ]);
    expect(statefulDrift(envOf(pgApp({ name: 'orders' })), dist).map((c) => c.message)).toEqual([
      'data/orders-db: Cluster was removed or renamed: CloudNativePG deletes its volumes with it (rename it back, or remove it on purpose by hand)',
    ]);
  });

  it('GIVEN a Strimzi node pool WHEN a volume shrinks, changes class, is removed or would be deleted with the pool THEN each is reported', () => {
    const pool = (storage: Record<string, any>) => ({
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaNodePool',
      metadata: { name: 'kafka-brokers', namespace: 'db-kafka' },
      spec: { replicas: 3, storage },
    });
    const jbod = (...volumes: Record<string, any>[]) => pool({ type: 'jbod', volumes });
    const v0 = { id: 0, type: 'persistent-claim', size: '100Gi', class: 'gp3', deleteClaim: false };
    expect(compareStatefulSets([jbod(v0)], [jbod({ ...v0, size: '200Gi' })])).toEqual([]);
    expect(compareStatefulSets([jbod(v0)], [jbod({ ...v0, size: '50Gi', class: 'io2', deleteClaim: true })]).map((c) => c.message)).toEqual([
      'db-kafka/kafka-brokers: KafkaNodePool spec.storage.volumes[0].size: volume shrunk from 100Gi to 50Gi; volumes can never shrink (data would not fit)',
      'db-kafka/kafka-brokers: KafkaNodePool spec.storage.volumes[0].class: changed from "gp3" to "io2"; existing claims keep their class',
      'db-kafka/kafka-brokers: KafkaNodePool spec.storage.volumes[0].deleteClaim: became true: the claims would be deleted with the pool',
    ]);
    expect(compareStatefulSets([jbod(v0, { ...v0, id: 1 })], [jbod(v0)]).map((c) => c.message)).toEqual([
      'db-kafka/kafka-brokers: KafkaNodePool spec.storage.volumes[1]: was removed; the partitions on it would be lost (reassign them with Cruise Control first, then remove it by hand)',
    ]);
    expect(compareStatefulSets([jbod(v0)], []).map((c) => c.message)).toEqual([
      'db-kafka/kafka-brokers: KafkaNodePool was removed or renamed: its brokers and the partitions on their volumes go with it (rename it back, or scale it down on purpose by hand)',
    ]);
  });

  it('finds no drift against the repository dist/ for the environments as they are committed', () => {
    // The committed dist/ is the reference: every environment of the real platform must synth without drift.
    for (const env of referencePlatform()) expect(statefulDrift(env, path.join(__dirname, '..', '..', 'dist'))).toEqual([]);
  });
});
