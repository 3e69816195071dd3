import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { App } from 'cdk8s';
import { ConnectionValue, Endpoint, EndpointAuth, EndpointTls, EnvironmentChart, IWorkload, addConnectionSecret, checkExpectation } from '../../src';
import { development } from '../helpers';

const testChart = () => new EnvironmentChart(new App(), { profile: development });

function workload(scope: Construct, name: string, namespace: string): IWorkload {
  const c = new Construct(scope, name) as Construct & { workloadName: string; namespace: string; podSelector: Record<string, string>; clientPorts: [] };
  Object.assign(c, { workloadName: name, namespace, podSelector: { 'app.kubernetes.io/name': name }, clientPorts: [] });
  return c as unknown as IWorkload;
}

describe('endpoint contracts', () => {
  it('GIVEN a client expecting TLS WHEN the server offers plain text THEN the problem names both ends', () => {
    const chart = testChart();
    const server = workload(chart, 'logs', 'db-elasticsearch');
    const e = new Endpoint(server, {
      name: 'http', host: 'logs.db-elasticsearch.svc', port: { name: 'http', port: 9200 }, protocol: 'http',
      tls: EndpointTls.disabled(), auth: EndpointAuth.password('fluent-bit', { remoteKey: 'db-elasticsearch/logs', passwordProperty: 'FLUENT_BIT_PASSWORD' }),
    });
    expect(checkExpectation('test/fluent-bit', 'logs.tls', { tls: true }, e)).toBe(
      'test/fluent-bit: logs.tls: asks for TLS but the server offers plain text (db-elasticsearch/logs endpoint "http" (http on port 9200, plain text, auth password), declared at development/logs)',
    );
    expect(checkExpectation('test/fluent-bit', 'logs.tls', { tls: false, auth: 'password' }, e)).toBeUndefined();
  });

  it('GIVEN a password endpoint WHEN a client asks for a URL THEN the ExternalSecret composes it from the stored credential', () => {
    const chart = testChart();
    const server = workload(chart, 'postgres', 'db-postgres');
    const client = workload(chart, 'invoice-service', 'backend');
    const e = new Endpoint(server, {
      name: 'rw', host: 'postgres.db-postgres.svc', port: { name: 'postgresql', port: 5432 }, protocol: 'postgresql',
      tls: EndpointTls.required(), auth: EndpointAuth.password('app', { remoteKey: 'db-postgres/postgres', passwordProperty: 'APP_PASSWORD' }),
    });
    addConnectionSecret(chart, 'conn', { name: 'invoice-service-postgres', client, endpoint: e, labels: {}, values: {
      DATABASE_URL: ConnectionValue.url({ path: 'invoices', query: { sslmode: 'verify-full' } }), PGHOST: ConnectionValue.host(),
    } });
    const [es] = Testing.synth(chart).filter((o) => o.kind === 'ExternalSecret');
    expect(es.metadata.namespace).toBe('backend');
    expect(es.spec.target.template.data).toEqual({
      DATABASE_URL: 'postgresql://app:{{ .password | urlquery }}@postgres.db-postgres.svc:5432/invoices?sslmode=verify-full',
      PGHOST: 'postgres.db-postgres.svc',
    });
    expect(es.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'db-postgres/postgres', property: 'APP_PASSWORD' } }]);
  });
});
