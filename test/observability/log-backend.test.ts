import { describe, expect, it } from 'vitest';
import { Engine, EnvironmentChart, LogBackend, NetworkPeer, StatefulDatastore } from '../../src';
import { development, production, synthEnv } from '../helpers';
import { fullStack } from './helpers';

/** An Elasticsearch of the library with the users Fluent Bit and Grafana authenticate as, and the stack logging to it. */
function platform(options: { readonly tls?: boolean; readonly user?: string; readonly users?: boolean } = {}, profile = development) {
  return synthEnv((chart: EnvironmentChart) => {
    const logs = new StatefulDatastore(chart, 'logs', {
      name: 'logs',
      namespace: 'db-elasticsearch',
      engine: Engine.elasticsearch({
        users:
          options.users === false
            ? []
            : [
                { name: 'fluent-bit', access: 'write', indices: ['logs-*'] },
                { name: 'grafana', access: 'read', indices: ['logs-*'] },
              ],
      }),
    });
    fullStack(chart, { logs: LogBackend.elasticsearch({ endpoint: logs.endpoint('http'), tls: options.tls, user: options.user }) });
  }, profile);
}

describe('Fluent Bit: a dead backend cannot fill the node disk', () => {
  it.each([
    ['elasticsearch', () => LogBackend.elasticsearch({ host: 'es.example.com', tls: true, peer: NetworkPeer.cidrs(['10.0.0.0/8']) })],
    ['loki', () => LogBackend.loki({ host: 'loki.example.com', peer: NetworkPeer.cidrs(['10.0.0.0/8']) })],
  ])('GIVEN %s WHEN rendered THEN retries and the filesystem buffer are bounded', (_kind, backend) => {
    const env = synthEnv((chart) => fullStack(chart, { logs: backend() }));
    const conf = env.find('ConfigMap', 'fluent-bit-config', 'logging').data['fluent-bit.conf'];
    const output = conf.slice(conf.indexOf('[OUTPUT]'));
    // Today: `Retry_Limit False` (retry forever) and no total limit on the filesystem buffer.
    expect(output).toMatch(/^ {4}Retry_Limit +10$/m);
    expect(output).not.toMatch(/Retry_Limit +(False|no_limits|no_retries)/i);
    expect(output).toMatch(/^ {4}storage\.total_limit_size +1G$/m);
    const service = conf.slice(0, conf.indexOf('[INPUT]'));
    expect(service).toMatch(/^ {4}storage\.max_chunks_up +64$/m);
    expect(service).toMatch(/^ {4}storage\.backlog\.mem_limit +16M$/m);
    expect(service).toMatch(/^ {4}scheduler\.cap +300$/m);
  });
});

describe('LogBackend.elasticsearch({ endpoint }): clients derive from the server', () => {
  it('GIVEN the logs datastore serving plain HTTP WHEN Fluent Bit ships to it THEN TLS is off and it authenticates as a user the server provisions, from the same stored password', () => {
    const env = platform();
    const conf = env.find('ConfigMap', 'fluent-bit-config', 'logging').data['fluent-bit.conf'];
    expect(env.find('ConfigMap', 'logs-config', 'db-elasticsearch').data['elasticsearch.yml']).toContain('xpack.security.http.ssl.enabled: false');
    expect(conf).toMatch(/^ {4}tls +Off$/m);
    expect(conf).toMatch(/^ {4}Host +logs\.db-elasticsearch\.svc\.cluster\.local$/m);
    expect(conf).toMatch(/^ {4}HTTP_User +\$\{ES_USER\}$/m);
    const secret = env.find('ExternalSecret', 'fluent-bit-credentials', 'logging');
    expect(secret.spec.target.template.data).toEqual({ ES_USER: 'fluent-bit', ES_PASSWORD: '{{ .password }}' });
    expect(secret.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'db-elasticsearch/logs', property: 'fluent-bit-password' } }]);
    // The server provisions that user from the same remote key and property.
    expect(env.find('ExternalSecret', 'logs-users', 'db-elasticsearch').spec.data).toContainEqual({
      secretKey: 'fluent-bit',
      remoteRef: { key: 'db-elasticsearch/logs', property: 'fluent-bit-password' },
    });
    const ds = env.find('DaemonSet', 'fluent-bit', 'logging').spec.template.spec.containers[0];
    expect(ds.env).toEqual([
      { name: 'ES_USER', valueFrom: { secretKeyRef: { name: 'fluent-bit-credentials', key: 'ES_USER' } } },
      { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 'fluent-bit-credentials', key: 'ES_PASSWORD' } } },
    ]);
  });

  it('GIVEN the logs datastore WHEN Grafana reads it THEN the datasource uses the endpoint URL and basic auth as its own user', () => {
    const env = platform();
    const ds = env.find('ConfigMap', 'grafana-datasources', 'monitoring').data['datasources.yaml'];
    expect(ds).toContain('url: http://logs.db-elasticsearch.svc.cluster.local:9200');
    expect(ds).toContain('basicAuth: true');
    expect(ds).toContain('basicAuthUser: $LOGS_USER');
    expect(ds).toContain('basicAuthPassword: $LOGS_PASSWORD');
    expect(env.find('ExternalSecret', 'grafana-logs-credentials', 'monitoring').spec.target.template.data).toEqual({
      LOGS_USER: 'grafana',
      LOGS_PASSWORD: '{{ .password }}',
    });
  });

  it('GIVEN the logs datastore WHEN synthesized THEN its NetworkPolicy admits Fluent Bit and Grafana, whose egress follows the graph', () => {
    const env = platform();
    const ingress = env.find('NetworkPolicy', 'logs', 'db-elasticsearch').spec.ingress;
    const from = ingress.map((r: any) => r.from[0].podSelector?.matchLabels?.['app.kubernetes.io/name']);
    expect(from).toEqual(expect.arrayContaining(['fluent-bit', 'grafana']));
    expect(env.find('NetworkPolicy', 'fluent-bit', 'logging').spec.egress).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db-elasticsearch' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'logs', 'app.kubernetes.io/instance': 'logs' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 9200 }],
    });
  });

  it('GIVEN agents configured for TLS WHEN the server serves plain HTTP THEN synth fails naming both ends', () => {
    expect(() => platform({ tls: true })).toThrow(
      'development/observability/Grafana: logs.tls: got {"tls":true,"auth":"password"}; the client asks for TLS but the server offers plain text (db-elasticsearch/logs endpoint "http" (http on port 9200, plain text, auth password), declared at development/logs): change the client\'s expectation or the server',
    );
  });

  it('GIVEN a user the server does not have WHEN Fluent Bit would authenticate as it THEN synth fails naming both ends', () => {
    expect(() => platform({ user: 'shipper' })).toThrow(
      'development/observability/FluentBit: logs.user: got "shipper"; db-elasticsearch/logs endpoint "http" (http on port 9200, plain text, auth password) has no user "shipper" (declared at development/logs); its users: fluent-bit, grafana',
    );
  });

  it('GIVEN an Elasticsearch outside the library WHEN its TLS is not stated THEN synth fails: there is no safe default', () => {
    expect(() =>
      synthEnv(
        (chart) => fullStack(chart, { logs: LogBackend.elasticsearch({ host: 'es.example.com', peer: NetworkPeer.cidrs(['10.0.0.0/8']) } as any) }),
        production,
      ),
    ).toThrow('production/observability/Grafana: logs.tls: got undefined; must say whether the backend serves TLS (true or false)');
  });
});
