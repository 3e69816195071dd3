import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { App } from 'cdk8s';
import {
  ConnectionValue,
  Endpoint,
  EndpointAuth,
  EndpointTls,
  EnvironmentChart,
  IWorkload,
  addConnectionSecret,
  checkExpectation,
  requireExpectation,
} from '../../src';
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
      name: 'http',
      host: 'logs.db-elasticsearch.svc',
      port: { name: 'http', port: 9200 },
      protocol: 'http',
      tls: EndpointTls.disabled(),
      auth: EndpointAuth.password('fluent-bit', { remoteKey: 'db-elasticsearch/logs', passwordProperty: 'FLUENT_BIT_PASSWORD' }),
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
      name: 'rw',
      host: 'postgres.db-postgres.svc',
      port: { name: 'postgresql', port: 5432 },
      protocol: 'postgresql',
      tls: EndpointTls.required(),
      auth: EndpointAuth.password('app', { remoteKey: 'db-postgres/postgres', passwordProperty: 'APP_PASSWORD' }),
    });
    addConnectionSecret(chart, 'conn', {
      name: 'invoice-service-postgres',
      client,
      endpoint: e,
      labels: {},
      values: {
        DATABASE_URL: ConnectionValue.url({ path: 'invoices', query: { sslmode: 'verify-full' } }),
        PGHOST: ConnectionValue.host(),
      },
    });
    const [es] = Testing.synth(chart).filter((o) => o.kind === 'ExternalSecret');
    expect(es.metadata.namespace).toBe('backend');
    expect(es.spec.target.template.data).toEqual({
      DATABASE_URL: 'postgresql://app:{{ .password | urlquery }}@postgres.db-postgres.svc:5432/invoices?sslmode=verify-full',
      PGHOST: 'postgres.db-postgres.svc',
    });
    expect(es.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'db-postgres/postgres', property: 'APP_PASSWORD' } }]);
  });
});

describe('connection values', () => {
  const secretOf = (e: Endpoint, values: Record<string, ConnectionValue>, user?: string) => {
    const chart = testChart();
    const client = workload(chart, 'worker', 'backend');
    addConnectionSecret(chart, 'conn', { name: 'worker-conn', client, endpoint: e, labels: {}, values, user });
    return Testing.synth(chart).find((o) => o.kind === 'ExternalSecret')!;
  };
  const endpoint = (props: Partial<ConstructorParameters<typeof Endpoint>[1]> = {}) => {
    const chart = testChart();
    return new Endpoint(workload(chart, 'server', 'data'), {
      name: 'main',
      host: 'server.data.svc.cluster.local',
      port: { name: 'main', port: 5432 },
      protocol: 'postgresql',
      tls: EndpointTls.disabled(),
      auth: EndpointAuth.password('app', { remoteKey: 'data/server', passwordProperty: 'PASSWORD' }),
      ...props,
    });
  };

  it('GIVEN PostgreSQL endpoints WHEN a URL is composed THEN sslmode follows the endpoint TLS unless the client sets it', () => {
    expect(secretOf(endpoint(), { U: ConnectionValue.url({ path: 'db' }) }).spec.target.template.data.U).toBe(
      'postgresql://app:{{ .password | urlquery }}@server.data.svc.cluster.local:5432/db?sslmode=disable',
    );
    expect(secretOf(endpoint({ tls: EndpointTls.required() }), { U: ConnectionValue.url() }).spec.target.template.data.U).toBe(
      'postgresql://app:{{ .password | urlquery }}@server.data.svc.cluster.local:5432?sslmode=require',
    );
    expect(
      secretOf(endpoint({ tls: EndpointTls.required() }), { U: ConnectionValue.url({ query: { sslmode: 'verify-full' } }) }).spec.target.template.data.U,
    ).toContain('?sslmode=verify-full');
  });

  it('GIVEN a user and password both in the store WHEN composed THEN both are read from the store, and a URL without credentials has neither', () => {
    const e = endpoint({
      protocol: 's3',
      auth: EndpointAuth.password('', { remoteKey: 'data/minio', userProperty: 'ROOT_USER', passwordProperty: 'ROOT_PASSWORD' }),
    });
    const es = secretOf(e, { URL: ConnectionValue.url({ credentials: false }), KEY: ConnectionValue.user(), SECRET: ConnectionValue.password() });
    expect(es.spec.target.template.data).toEqual({ URL: 'http://server.data.svc.cluster.local:5432', KEY: '{{ .user }}', SECRET: '{{ .password }}' });
    expect(es.spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'data/minio', property: 'ROOT_PASSWORD' } },
      { secretKey: 'user', remoteRef: { key: 'data/minio', property: 'ROOT_USER' } },
    ]);
  });

  it('GIVEN a Sentinel endpoint WHEN composed THEN the URL names the master set and the attribute is readable; an unknown attribute is an error', () => {
    const e = endpoint({
      protocol: 'redis-sentinel',
      port: { name: 'sentinel', port: 26379 },
      attributes: { masterSet: 'mymaster' },
      auth: EndpointAuth.password('default', { remoteKey: 'data/redis', passwordProperty: 'REDIS_PASSWORD' }),
    });
    expect(secretOf(e, { U: ConnectionValue.url(), M: ConnectionValue.attribute('masterSet') }).spec.target.template.data).toEqual({
      U: 'redis+sentinel://:{{ .password | urlquery }}@server.data.svc.cluster.local:26379/mymaster',
      M: 'mymaster',
    });
    expect(() => secretOf(e, { X: ConnectionValue.attribute('database') })).toThrow(
      'development/worker: connections.env.X: got "database"; data/server endpoint "main" (redis-sentinel on port 26379, plain text, auth password) has no attribute "database"; its attributes: masterSet',
    );
  });

  it("GIVEN per-user passwords WHEN a client names a user THEN it gets that user's credential; an unknown user is an error naming both ends", () => {
    const e = endpoint({
      protocol: 'http',
      port: { name: 'http', port: 9200 },
      auth: EndpointAuth.passwordPerUser([
        { user: 'writer', credential: { remoteKey: 'data/es', passwordProperty: 'writer-password' } },
        { user: 'reader', credential: { remoteKey: 'data/es', passwordProperty: 'reader-password' } },
      ]),
    });
    expect(e.auth.users?.map((u) => u.user)).toEqual(['reader', 'writer']);
    expect(secretOf(e, { P: ConnectionValue.password() }, 'reader').spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'data/es', property: 'reader-password' } },
    ]);
    expect(() => secretOf(e, { P: ConnectionValue.password() })).toThrow(
      'development/worker: connections.user: got "worker"; data/server endpoint "main" (http on port 9200, plain text, auth password) has no user "worker" (declared at development/server); its users: reader, writer',
    );
  });

  it('GIVEN an endpoint without authentication WHEN a client asks for its password THEN synth fails', () => {
    expect(() => secretOf(endpoint({ auth: EndpointAuth.none() }), { P: ConnectionValue.password() })).toThrow(
      'development/worker: connections.env.P: got "password"; data/server endpoint "main" (postgresql on port 5432, plain text, auth none) has no credential (auth none); remove this key',
    );
  });

  it('GIVEN requireExpectation WHEN client and server agree THEN nothing is thrown', () => {
    expect(() => requireExpectation('development/worker', 'x', { tls: false, auth: 'password' }, endpoint())).not.toThrow();
  });
});
