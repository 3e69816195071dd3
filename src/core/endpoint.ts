/**
 * Contracts between components: what a server offers (host, port, protocol, TLS, authentication, credential) is
 * declared once, on the server, as an {@link Endpoint}. Clients derive their configuration from it and may state
 * what they expect; {@link checkExpectation} turns a disagreement into a synth error naming both ends.
 */
import type { IWorkload, WorkloadPort } from './connections';
import { PlatformConfigError } from './errors';
import { compareText } from './order';

/** How a server protects an endpoint's transport. */
export class EndpointTls {
  /** Plain text. */
  public static disabled(): EndpointTls {
    return new EndpointTls(false, undefined, undefined);
  }

  /**
   * TLS is required. `ca` names where clients find the CA that signed the server's certificate (a Secret or
   * ConfigMap key that a client may mount or copy); `serverName` is the name in the certificate clients verify.
   */
  public static required(options: { readonly ca?: CaReference; readonly serverName?: string } = {}): EndpointTls {
    return new EndpointTls(true, options.ca, options.serverName);
  }

  private constructor(
    public readonly enabled: boolean,
    /** Where the CA bundle is published; undefined means a publicly trusted CA (or none when disabled). */
    public readonly ca: CaReference | undefined,
    public readonly serverName: string | undefined,
  ) {}

  /** `tls` or `plain`, for messages. */
  public describe(): string {
    return this.enabled ? 'TLS' : 'plain text';
  }
}

/** A CA bundle published in the cluster. */
export interface CaReference {
  readonly kind: 'Secret' | 'ConfigMap';
  readonly namespace: string;
  readonly name: string;
  /** @default 'ca.crt' */
  readonly key?: string;
}

/** A credential kept in the external secret store (never in Git); both ends read it through External Secrets. */
export interface StoredCredential {
  /** Remote key (path) in the secret store. */
  readonly remoteKey: string;
  /** Property of the remote secret holding the user name; undefined when `user` is fixed. */
  readonly userProperty?: string;
  /** Property of the remote secret holding the password (or token). */
  readonly passwordProperty: string;
}

/** The credential one client uses: its user, where the password is stored, and (databases) its database. */
export interface ClientCredential extends StoredCredential {
  readonly user: string;
  /** The database the client works in: the default path of a connection URL. @default - none */
  readonly database?: string;
}

/** Authentication methods an endpoint can require. */
export type AuthMethod = 'none' | 'password' | 'scram-sha-512' | 'mtls';

/** A user of a server and the stored credential it authenticates with. */
export interface EndpointUser {
  readonly user: string;
  readonly credential: StoredCredential;
}

/** How a client authenticates to an endpoint. */
export class EndpointAuth {
  /** No authentication (network policy is the only gate). */
  public static none(): EndpointAuth {
    return new EndpointAuth('none', undefined, undefined, undefined);
  }

  /**
   * A user name and password (basic auth, PostgreSQL scram, Redis AUTH, ...). When `credential.userProperty` is set
   * the user name is read from the store too, and `user` only names it in messages (pass '').
   */
  public static password(user: string, credential: StoredCredential): EndpointAuth {
    return new EndpointAuth('password', user, credential, undefined);
  }

  /**
   * Passwords of several users the server provisions (Elasticsearch's file realm users, ...): each client names the
   * user it authenticates as, and a user the server does not have is a synth error naming both ends.
   */
  public static passwordPerUser(users: readonly EndpointUser[]): EndpointAuth {
    return new EndpointAuth(
      'password',
      undefined,
      undefined,
      [...users].sort((a, b) => compareText(a.user, b.user)),
    );
  }

  /**
   * A user name and password of the client's own (PostgreSQL: the owner role of the client's database): the
   * server's `clientCredential` says where each client's credential is stored.
   */
  public static perClientPassword(): EndpointAuth {
    return new EndpointAuth('password', undefined, undefined, undefined);
  }

  /** SASL SCRAM-SHA-512 (Kafka): one user per client, each with its own stored credential. */
  public static scramSha512(): EndpointAuth {
    return new EndpointAuth('scram-sha-512', undefined, undefined, undefined);
  }

  /** Mutual TLS: clients present a certificate the server trusts. */
  public static mutualTls(): EndpointAuth {
    return new EndpointAuth('mtls', undefined, undefined, undefined);
  }

  private constructor(
    public readonly method: AuthMethod,
    /** Fixed user of a shared credential; undefined for per-client or per-user credentials. */
    public readonly user: string | undefined,
    /** The shared credential; undefined for per-client credentials (see {@link Endpoint.credentialFor}). */
    public readonly credential: StoredCredential | undefined,
    /** The users a client may choose from ({@link EndpointAuth.passwordPerUser}), sorted by name. */
    public readonly users: readonly EndpointUser[] | undefined,
  ) {}
}

/** Application protocol spoken on an endpoint (for URLs and for messages). */
export type EndpointProtocol =
  'postgresql' | 'redis' | 'redis-sentinel' | 'kafka' | 'http' | 'grpc' | 'clickhouse' | 's3' | 'otlp-grpc' | 'otlp-http' | (string & {});

export interface EndpointProps {
  /** Endpoint name, unique per server (e.g. `rw`, `ro`, `sentinel`, `bootstrap`, `http`). */
  readonly name: string;
  /** DNS name clients connect to (a Service FQDN, or a managed service's host). */
  readonly host: string;
  /** The server port (one of the server's client ports). */
  readonly port: WorkloadPort;
  readonly protocol: EndpointProtocol;
  readonly tls: EndpointTls;
  readonly auth: EndpointAuth;
  /**
   * Per-client credentials: where the credential of client `clientName` is stored (and, for databases, the
   * database it uses: the default path of its URL). Required for per-client auth.
   */
  readonly clientCredential?: (clientName: string, clientNamespace: string) => ClientCredential;
  /**
   * Every port a client of this endpoint opens connections to (a Sentinel-aware Redis client asks Sentinel, then
   * connects to the master it names). The connection graph admits the client to all of them.
   * @default - [port]
   */
  readonly clientPorts?: readonly WorkloadPort[];
  /** Facts a client needs beside host and port (`masterSet` of a Sentinel endpoint, ...). @default {} */
  readonly attributes?: Readonly<Record<string, string>>;
}

const ENDPOINT_SYMBOL = Symbol.for('cdk8s-platform.Endpoint');

/** One thing a server offers clients; the single source of truth for a client's connection settings. */
export class Endpoint {
  /** Whether `x` is an Endpoint, also one made by another copy of this package (`instanceof` is not). */
  public static isEndpoint(x: unknown): x is Endpoint {
    return x !== null && typeof x === 'object' && ENDPOINT_SYMBOL in x;
  }

  public readonly name: string;
  public readonly host: string;
  public readonly port: WorkloadPort;
  public readonly protocol: EndpointProtocol;
  public readonly tls: EndpointTls;
  public readonly auth: EndpointAuth;
  /** Every port a client of this endpoint connects to (the graph admits all of them). */
  public readonly clientPorts: readonly WorkloadPort[];
  public readonly attributes: Readonly<Record<string, string>>;
  private readonly perClient?: EndpointProps['clientCredential'];

  public constructor(
    public readonly server: IWorkload,
    props: EndpointProps,
  ) {
    Object.defineProperty(this, ENDPOINT_SYMBOL, { value: true });
    this.name = props.name;
    this.host = props.host;
    this.port = props.port;
    this.protocol = props.protocol;
    this.tls = props.tls;
    this.auth = props.auth;
    this.perClient = props.clientCredential;
    this.clientPorts = props.clientPorts ?? [props.port];
    this.attributes = { ...props.attributes };
  }

  /** `host:port`. */
  public get address(): string {
    return `${this.host}:${this.port.port}`;
  }

  /** `<namespace>/<workload>` endpoint `<name>` (`<protocol>`, TLS or plain text, auth method): for messages. */
  public describe(): string {
    return `${this.server.namespace}/${this.server.workloadName} endpoint "${this.name}" (${this.protocol} on port ${this.port.port}, ${this.tls.describe()}, auth ${this.auth.method})`;
  }

  /**
   * The credential a client uses: the shared one, the named `user`'s for per-user auth, or the client's own for
   * per-client auth; undefined for `none` and mutual TLS. `field` names the client's setting in errors.
   */
  public credentialFor(client: IWorkload, user?: string, field = 'connections'): ClientCredential | undefined {
    if (this.auth.method === 'none' || this.auth.method === 'mtls') return undefined;
    if (this.auth.users) {
      const wanted = user ?? client.workloadName;
      const found = this.auth.users.find((u) => u.user === wanted);
      if (!found) {
        const known = this.auth.users.map((u) => u.user).join(', ') || 'none';
        throw new PlatformConfigError(
          client.node.path,
          `${field}.user`,
          wanted,
          `${this.describe()} has no user "${wanted}" (declared at ${this.server.node.path}); its users: ${known}`,
        );
      }
      return { ...found.credential, user: found.user };
    }
    if (this.auth.credential && this.auth.user !== undefined) return { ...this.auth.credential, user: this.auth.user };
    if (this.perClient) return this.perClient(client.workloadName, client.namespace);
    return undefined;
  }

  /** An attribute a client needs (e.g. `masterSet`); a PlatformConfigError names the attributes there are. */
  public attribute(name: string, clientPath: string, field: string): string {
    const v = this.attributes[name];
    if (v !== undefined) return v;
    const known = Object.keys(this.attributes).sort().join(', ') || 'none';
    throw new PlatformConfigError(clientPath, field, name, `${this.describe()} has no attribute "${name}"; its attributes: ${known}`);
  }
}

/** What a client was configured to expect; anything left out is taken from the endpoint. */
export interface EndpointExpectation {
  readonly tls?: boolean;
  readonly auth?: AuthMethod;
}

/** What disagrees between `expected` and the endpoint, or undefined when they agree. */
function expectationProblem(expected: EndpointExpectation, endpoint: Endpoint): string | undefined {
  const problems: string[] = [];
  if (expected.tls !== undefined && expected.tls !== endpoint.tls.enabled) {
    problems.push(`asks for ${expected.tls ? 'TLS' : 'plain text'} but the server offers ${endpoint.tls.describe()}`);
  }
  if (expected.auth !== undefined && expected.auth !== endpoint.auth.method) {
    problems.push(`authenticates with ${expected.auth} but the server requires ${endpoint.auth.method}`);
  }
  return problems.length > 0 ? problems.join(' and ') : undefined;
}

/**
 * Compares a client's expectation with what the endpoint offers. Returns the problem (naming both ends) or
 * undefined when they agree.
 */
export function checkExpectation(clientPath: string, field: string, expected: EndpointExpectation, endpoint: Endpoint): string | undefined {
  const problem = expectationProblem(expected, endpoint);
  if (problem === undefined) return undefined;
  return `${clientPath}: ${field}: ${problem} (${endpoint.describe()}, declared at ${endpoint.server.node.path})`;
}

/** Like {@link checkExpectation}, but a disagreement is thrown as a PlatformConfigError naming both ends. */
export function requireExpectation(clientPath: string, field: string, expected: EndpointExpectation, endpoint: Endpoint): void {
  const problem = expectationProblem(expected, endpoint);
  if (problem === undefined) return;
  throw new PlatformConfigError(
    clientPath,
    field,
    expected,
    `the client ${problem} (${endpoint.describe()}, declared at ${endpoint.server.node.path}): change the client's expectation or the server`,
  );
}

/** A workload that offers endpoints. */
export interface IEndpointProvider extends IWorkload {
  /** Every endpoint the workload offers, by name. */
  readonly endpoints: readonly Endpoint[];
  /** One endpoint by name; throws a PlatformConfigError naming the known ones. */
  endpoint(name: string): Endpoint;
}

/** The endpoint `name` of `server`, or a PlatformConfigError at `clientPath`/`field` naming the endpoints it has. */
export function findEndpoint(server: IEndpointProvider, name: string, clientPath: string, field: string): Endpoint {
  const found = server.endpoints.find((e) => e.name === name);
  if (found) return found;
  const known = server.endpoints.map((e) => e.name).join(', ') || 'none';
  throw new PlatformConfigError(
    clientPath,
    field,
    name,
    `${server.namespace}/${server.workloadName} offers no endpoint named "${name}"; its endpoints: ${known}`,
  );
}
