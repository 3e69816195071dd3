/**
 * Contracts between components: what a server offers (host, port, protocol, TLS, authentication, credential) is
 * declared once, on the server, as an {@link Endpoint}. Clients derive their configuration from it and may state
 * what they expect; {@link checkExpectation} turns a disagreement into a synth error naming both ends.
 */
import type { IWorkload, WorkloadPort } from './connections';
import { PlatformConfigError } from './errors';

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

/** How a client authenticates to an endpoint. */
export class EndpointAuth {
  /** No authentication (network policy is the only gate). */
  public static none(): EndpointAuth {
    return new EndpointAuth('none', undefined, undefined);
  }

  /** A user name and password (basic auth, PostgreSQL md5/scram, Redis AUTH, ...). */
  public static password(user: string, credential: StoredCredential): EndpointAuth {
    return new EndpointAuth('password', user, credential);
  }

  /**
   * A user name and password of the client's own (PostgreSQL: the owner role of the client's database): the
   * server's `clientCredential` says where each client's credential is stored.
   */
  public static perClientPassword(): EndpointAuth {
    return new EndpointAuth('password', undefined, undefined);
  }

  /** SASL SCRAM-SHA-512 (Kafka): one user per client, each with its own stored credential. */
  public static scramSha512(): EndpointAuth {
    return new EndpointAuth('scram-sha-512', undefined, undefined);
  }

  /** Mutual TLS: clients present a certificate the server trusts. */
  public static mutualTls(): EndpointAuth {
    return new EndpointAuth('mtls', undefined, undefined);
  }

  private constructor(
    public readonly method: AuthMethod,
    /** Fixed user of a shared credential; undefined for per-client users. */
    public readonly user: string | undefined,
    /** The shared credential; undefined for per-client credentials (see {@link Endpoint.credentialFor}). */
    public readonly credential: StoredCredential | undefined,
  ) {}
}

/** Application protocol spoken on an endpoint (for URLs and for messages). */
export type EndpointProtocol = 'postgresql' | 'redis' | 'redis-sentinel' | 'kafka' | 'http' | 'grpc' | 'clickhouse' | 's3' | 'otlp-grpc' | 'otlp-http' | (string & {});

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
}

/** One thing a server offers clients; the single source of truth for a client's connection settings. */
export class Endpoint {
  public readonly name: string;
  public readonly host: string;
  public readonly port: WorkloadPort;
  public readonly protocol: EndpointProtocol;
  public readonly tls: EndpointTls;
  public readonly auth: EndpointAuth;
  private readonly perClient?: EndpointProps['clientCredential'];

  public constructor(public readonly server: IWorkload, props: EndpointProps) {
    this.name = props.name;
    this.host = props.host;
    this.port = props.port;
    this.protocol = props.protocol;
    this.tls = props.tls;
    this.auth = props.auth;
    this.perClient = props.clientCredential;
  }

  /** `host:port`. */
  public get address(): string {
    return `${this.host}:${this.port.port}`;
  }

  /** `<namespace>/<workload>` endpoint `<name>` (`<protocol>`, TLS or plain text, auth method): for messages. */
  public describe(): string {
    return `${this.server.namespace}/${this.server.workloadName} endpoint "${this.name}" (${this.protocol} on port ${this.port.port}, ${this.tls.describe()}, auth ${this.auth.method})`;
  }

  /** The credential a client uses: the shared one, or the client's own for per-client auth; undefined for `none`. */
  public credentialFor(client: IWorkload): ClientCredential | undefined {
    if (this.auth.method === 'none' || this.auth.method === 'mtls') return undefined;
    if (this.auth.credential && this.auth.user !== undefined) return { ...this.auth.credential, user: this.auth.user };
    if (this.perClient) return this.perClient(client.workloadName, client.namespace);
    return undefined;
  }
}

/** What a client was configured to expect; anything left out is taken from the endpoint. */
export interface EndpointExpectation {
  readonly tls?: boolean;
  readonly auth?: AuthMethod;
}

/**
 * Compares a client's expectation with what the endpoint offers. Returns the problem (naming both ends) or
 * undefined when they agree.
 */
export function checkExpectation(clientPath: string, field: string, expected: EndpointExpectation, endpoint: Endpoint): string | undefined {
  const problems: string[] = [];
  if (expected.tls !== undefined && expected.tls !== endpoint.tls.enabled) {
    problems.push(`asks for ${expected.tls ? 'TLS' : 'plain text'} but the server offers ${endpoint.tls.describe()}`);
  }
  if (expected.auth !== undefined && expected.auth !== endpoint.auth.method) {
    problems.push(`authenticates with ${expected.auth} but the server requires ${endpoint.auth.method}`);
  }
  if (problems.length === 0) return undefined;
  return `${clientPath}: ${field}: ${problems.join(' and ')} (${endpoint.describe()}, declared at ${endpoint.server.node.path})`;
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
  throw new PlatformConfigError(clientPath, field, name, `${server.namespace}/${server.workloadName} offers no endpoint named "${name}"; its endpoints: ${known}`);
}
