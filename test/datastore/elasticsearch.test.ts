import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { Engine, StatefulDatastore, EnvironmentProfile } from '../../src';
import { development, production, synthEnv } from '../helpers';

const build = (profile: EnvironmentProfile = development) =>
  synthEnv((c) => {
    new StatefulDatastore(c, 'es', { name: 'search', namespace: 'data', engine: Engine.elasticsearch() });
  }, profile);

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
    const yml = load(r.find('ConfigMap', 'search-config').data['elasticsearch.yml']) as Record<string, unknown>;
    expect(yml['discovery.seed_hosts']).toEqual(['search-headless']);
    expect(yml['cluster.initial_master_nodes']).toEqual(['search-0', 'search-1', 'search-2']);
    expect(r.find('Certificate', 'search-transport').spec.secretName).toBe('search-transport-tls');
    expect(r.find('PodDisruptionBudget', 'search').spec.minAvailable).toBe(2);
    const snap = r.find('CronJob', 'search-backup').spec.jobTemplate.spec.template.spec;
    expect(snap.initContainers).toBeUndefined();
    expect(snap.containers[0].command[2]).toContain('"$ES/_snapshot/platform-backup/$SNAP?wait_for_completion=true"');
  });

  it('GIVEN transport TLS WHEN synthesized THEN leaves come from a CA issuer the nodes trust, so a leaf renewal keeps the cluster together', () => {
    const r = build(production);
    // Self-signed root -> CA certificate (key kept at renewal) -> CA issuer -> node certificate.
    expect(r.find('Issuer', 'search-selfsigned').spec).toEqual({ selfSigned: {} });
    const ca = r.find('Certificate', 'search-transport-ca').spec;
    expect(ca).toMatchObject({ isCA: true, secretName: 'search-transport-ca', issuerRef: { name: 'search-selfsigned', kind: 'Issuer' } });
    expect(ca.privateKey.rotationPolicy).toBe('Never');
    expect(r.find('Issuer', 'search-transport-ca').spec).toEqual({ ca: { secretName: 'search-transport-ca' } });
    const leaf = r.find('Certificate', 'search-transport').spec;
    // Today the leaf was self-signed and its own ca.crt: a renewal with a new key broke trust between nodes.
    expect(leaf.issuerRef).toEqual({ name: 'search-transport-ca', kind: 'Issuer', group: 'cert-manager.io' });
    expect(leaf.isCA).toBeUndefined();
    expect(
      (load(r.find('ConfigMap', 'search-config').data['elasticsearch.yml']) as Record<string, unknown>)['xpack.security.transport.ssl.certificate_authorities'],
    ).toEqual(['certs/ca.crt']);
  });

  it('GIVEN users WHEN synthesized THEN each gets a file-realm role and user provisioned from its stored password, and the http endpoint offers them', () => {
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'es', {
        name: 'search',
        namespace: 'data',
        engine: Engine.elasticsearch({
          users: [
            { name: 'fluent-bit', access: 'write', indices: ['logs-*'] },
            { name: 'grafana', access: 'read', indices: ['logs-*'] },
          ],
        }),
      });
    });
    const roles = JSON.parse(r.find('ConfigMap', 'search-config').data['roles.yml']);
    expect(roles['platform_fluent-bit']).toEqual({
      cluster: ['monitor'],
      indices: [{ names: ['logs-*'], privileges: ['create_index', 'create_doc', 'auto_configure', 'view_index_metadata'] }],
    });
    expect(roles.platform_grafana).toEqual({ cluster: ['monitor'], indices: [{ names: ['logs-*'], privileges: ['read', 'view_index_metadata'] }] });
    const users = r.find('ExternalSecret', 'search-users');
    expect(users.spec.data).toEqual([
      { secretKey: 'fluent-bit', remoteRef: { key: 'data/search', property: 'fluent-bit-password' } },
      { secretKey: 'grafana', remoteRef: { key: 'data/search', property: 'grafana-password' } },
    ]);
    const prepare = r.find('StatefulSet', 'search').spec.template.spec.initContainers[0];
    expect(prepare.volumeMounts).toContainEqual({ name: 'users', mountPath: '/users', readOnly: true });
    // User names and passwords are read from files at run time, never written into the script.
    const script = r.find('ConfigMap', 'search-config').data['prepare.sh'];
    expect(script).toContain('elasticsearch-users useradd "$user" -p "$(cat "$f")" -r "platform_$user"');
    expect(script).not.toContain('fluent-bit');
    const ds = r.chart.node.findChild('es') as StatefulDatastore;
    const http = ds.endpoint('http');
    expect(http.tls.enabled).toBe(false);
    expect(http.auth.users?.map((u) => u.user)).toEqual(['fluent-bit', 'grafana']);
  });

  it('rejects a user name that is not a plain identifier', () => {
    expect(() =>
      synthEnv((c) => {
        new StatefulDatastore(c, 'es', {
          name: 'search',
          namespace: 'data',
          engine: Engine.elasticsearch({ users: [{ name: 'a b', access: 'read', indices: ['logs-*'] }] }),
        });
      }),
    ).toThrow('development/es: engine.users[0].name: got "a b"; must be 1-64 characters of [a-z0-9_-], starting with a letter');
  });

  it('minimal snapshot (development)', () => {
    expect(build().docs).toMatchSnapshot();
  });
  it('HA snapshot (production)', () => {
    expect(build(production).docs).toMatchSnapshot();
  });
});
