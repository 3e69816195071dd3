/**
 * Connections of a MicroserviceDeployment to endpoints that servers offer: the graph edge (so NetworkPolicies at both
 * ends and the flow proof follow), the connection Secret composed by External Secrets from the server's stored
 * credential, and the env vars that read it. Nothing about the server is written beside the client.
 */
import { Construct } from 'constructs';
import { ConnectionGraph, IWorkload } from '../core/connections';
import { addConnectionSecret, ConnectionValue } from '../core/connection-secret';
import { Endpoint, EndpointExpectation, requireExpectation } from '../core/endpoint';
import { fail } from '../core/errors';
import { EnvValue } from './env';

/** One connection of a service to an endpoint, e.g. `{ to: postgres.endpoint('rw'), env: { DATABASE_URL: ConnectionValue.url({ path: 'invoices' }) } }`. */
export interface EndpointConnection {
  /** The endpoint a server offers (`datastore.endpoint('rw')`). */
  readonly to: Endpoint;
  /** Env vars of the main container and what each holds, derived from the endpoint (at least one). */
  readonly env: Readonly<Record<string, ConnectionValue>>;
  /** What the service's client library is configured for; a disagreement is a synth error naming both ends. @default - whatever the endpoint offers */
  readonly expect?: EndpointExpectation;
  /** User to authenticate as, for endpoints with several users. @default - the service's name */
  readonly user?: string;
}

/** A connection checked against the endpoint, with the Secret it reads. */
export interface ResolvedConnection {
  readonly connection: EndpointConnection;
  readonly index: number;
  /** `<service>-<server>-<endpoint>`: the ExternalSecret and the Secret. */
  readonly secretName: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Checks the connections (expectations, env names, no clash with `env`, one connection per endpoint) and returns the
 * env vars they add to the main container.
 */
export function resolveConnections(
  scope: Construct,
  service: string,
  connections: readonly EndpointConnection[],
  env: Readonly<Record<string, EnvValue>>,
): { resolved: ResolvedConnection[]; env: Record<string, EnvValue> } {
  const out: Record<string, EnvValue> = {};
  const resolved: ResolvedConnection[] = [];
  const seen = new Map<string, number>();
  connections.forEach((c, i) => {
    const f = `connections[${i}]`;
    if (!c || !Endpoint.isEndpoint(c.to)) fail(scope, `${f}.to`, c?.to, "must be an Endpoint a server offers, e.g. postgres.endpoint('rw')");
    const e = c.to;
    if (c.expect) requireExpectation(scope.node.path, `${f}.expect`, c.expect, e);
    const secretName = `${service}-${e.server.workloadName}-${e.name}`;
    if (secretName.length > 253 || !DNS1123_SUBDOMAIN.test(secretName))
      fail(scope, f, secretName, 'the connection Secret name <service>-<server>-<endpoint> must be a DNS-1123 subdomain');
    const before = seen.get(secretName);
    if (before !== undefined)
      fail(
        scope,
        f,
        `${e.server.namespace}/${e.server.workloadName} endpoint "${e.name}"`,
        `connections[${before}] already connects to this endpoint: put every env var of it in one connection`,
      );
    seen.set(secretName, i);
    const keys = Object.keys(c.env ?? {});
    if (keys.length === 0) fail(scope, `${f}.env`, c.env, 'must name at least one env var, e.g. { DATABASE_URL: ConnectionValue.url() }');
    for (const k of keys) {
      if (!ENV_NAME.test(k)) fail(scope, `${f}.env.${k}`, k, 'an env var (and Secret key) name is [A-Za-z_][A-Za-z0-9_]*');
      if (!ConnectionValue.isConnectionValue(c.env[k]))
        fail(scope, `${f}.env.${k}`, '<redacted>', 'must be a ConnectionValue (url, address, host, port, user, password, attribute, tls)');
      if (env[k] !== undefined || out[k] !== undefined)
        fail(scope, `${f}.env.${k}`, k, 'is already set by `env` or another connection; every env var has one source');
      out[k] = EnvValue.fromExistingSecret(secretName, k);
    }
    resolved.push({ connection: c, index: i, secretName });
  });
  return { resolved, env: out };
}

/** The graph edge to every port the endpoint's clients use, and the connection Secret. */
export function addConnections(scope: Construct & IWorkload, labels: Readonly<Record<string, string>>, connections: readonly ResolvedConnection[]): void {
  const graph = ConnectionGraph.of(scope);
  for (const { connection: c, index, secretName } of connections) {
    const e = c.to;
    graph.connect(
      scope,
      e.server,
      e.clientPorts.map((p) => p.name),
      `connections[${index}]`,
    );
    addConnectionSecret(scope, `Connection-${e.server.workloadName}-${e.name}`, {
      name: secretName,
      client: scope,
      endpoint: e,
      labels,
      values: c.env,
      user: c.user,
      field: `connections[${index}]`,
    });
  }
}
