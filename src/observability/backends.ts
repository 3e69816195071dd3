/** Where logs and traces go: the backends the agents ship to and Grafana reads from. */
import type { IWorkload } from '../core/connections';
import { Endpoint, requireExpectation } from '../core/endpoint';
import { fail } from '../core/errors';
import { lokiTenantProblem } from '../core/grammars';
import { ComponentResources, NetworkPeer } from './common';

/** Fluent Bit's user on a log backend of the library (one of the server's users). */
export const DEFAULT_LOG_SHIPPER_USER = 'fluent-bit';
/** Grafana's user on a log backend of the library. */
export const DEFAULT_LOG_READER_USER = 'grafana';
/** Daily indices are `<indexPrefix>-YYYY.MM.DD`. */
export const DEFAULT_INDEX_PREFIX = 'logs';

/** An Elasticsearch the library runs: everything a client needs comes from its `http` endpoint. */
export interface ElasticsearchEndpointOptions {
  /** The `http` endpoint of an Elasticsearch StatefulDatastore (`logs.endpoint('http')`). */
  readonly endpoint: Endpoint;
  /**
   * What the agents are meant to use; a disagreement with the endpoint is a synth error naming both ends.
   * @default - whatever the endpoint offers
   */
  readonly tls?: boolean;
  /** Daily indices are `<indexPrefix>-YYYY.MM.DD` (a user writing them must be allowed to). @default DEFAULT_INDEX_PREFIX */
  readonly indexPrefix?: string;
  /** User Fluent Bit authenticates as: one of the server's users. @default DEFAULT_LOG_SHIPPER_USER */
  readonly user?: string;
  /** User Grafana's logs datasource authenticates as: one of the server's users. @default DEFAULT_LOG_READER_USER */
  readonly readerUser?: string;
}

/** An Elasticsearch outside the library (another team's, a managed one): nothing can be derived, so all is stated. */
export interface ElasticsearchHostOptions {
  /** Host name of the Elasticsearch HTTP endpoint. */
  readonly host: string;
  /** @default 9200 */
  readonly port?: number;
  /** Whether its HTTP layer serves TLS (verified against the system CAs). Required: there is no safe guess. */
  readonly tls: boolean;
  /** Daily indices are `<indexPrefix>-YYYY.MM.DD`. @default DEFAULT_INDEX_PREFIX */
  readonly indexPrefix?: string;
  /** User Fluent Bit authenticates as. @default DEFAULT_LOG_SHIPPER_USER */
  readonly user?: string;
  /** Remote key (property `password`) of that user's password in the secret store. @default 'monitoring/elasticsearch' */
  readonly passwordRemoteKey?: string;
  /** User Grafana authenticates as. @default - the same user as Fluent Bit */
  readonly readerUser?: string;
  /** Remote key (property `password`) of the reader's password. @default - the same as `passwordRemoteKey` */
  readonly readerPasswordRemoteKey?: string;
  /** Where Elasticsearch runs, for the agents' egress NetworkPolicy. */
  readonly peer: NetworkPeer;
}

export type ElasticsearchOptions = ElasticsearchEndpointOptions | ElasticsearchHostOptions;

export interface LokiOptions {
  readonly host: string;
  /** @default 3100 */
  readonly port?: number;
  /** @default false */
  readonly tls?: boolean;
  /** X-Scope-OrgID of a multi-tenant Loki. @default - none */
  readonly tenant?: string;
  readonly peer: NetworkPeer;
}

/** The stored password a log client reads (never its value). */
export interface LogCredential {
  readonly user: string;
  readonly remoteKey: string;
  readonly property: string;
}

/** What one client (Fluent Bit, Grafana) connects to, resolved from the endpoint or the stated host. */
export interface LogConnection {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** Undefined when the backend takes no credentials (Loki). */
  readonly credential?: LogCredential;
  /** The endpoint's server: the client is connected to it in the graph (its policies follow). */
  readonly server?: IWorkload;
  /** Ports of the server the client reaches. */
  readonly serverPorts?: readonly string[];
  /** Egress of a backend outside the graph. */
  readonly peer?: NetworkPeer;
  /** Base URL Grafana queries. */
  readonly url: string;
}

const HOST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Elasticsearch's index name rules, narrowed: lowercase, no "\\/*?\"<>| ,#:", never "." or ".."; room for `-YYYY.MM.DD`. */
const INDEX_PREFIX = /^[a-z0-9][a-z0-9._-]{0,200}$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;

/** The log store Fluent Bit ships to. Elasticsearch is the seeds' choice (EFK); Loki is supported too. */
export class LogBackend {
  /**
   * Elasticsearch: from the `http` endpoint of an Elasticsearch StatefulDatastore (`{ endpoint }`: host, port, TLS,
   * users and credentials come from it, and the clients join the connection graph), or an Elasticsearch outside the
   * library (`{ host, tls, peer, ... }`).
   */
  public static elasticsearch(o: ElasticsearchOptions): LogBackend {
    return new LogBackend('elasticsearch', { ...o }, o.indexPrefix ?? DEFAULT_INDEX_PREFIX, undefined);
  }
  public static loki(o: LokiOptions): LogBackend {
    return new LogBackend('loki', { host: o.host, port: o.port ?? 3100, tls: o.tls ?? false, peer: o.peer }, undefined, o.tenant);
  }
  private constructor(
    public readonly kind: 'elasticsearch' | 'loki',
    private readonly options: ElasticsearchEndpointOptions | (Omit<ElasticsearchHostOptions, 'tls'> & { readonly tls: boolean }),
    public readonly indexPrefix: string | undefined,
    public readonly tenant: string | undefined,
  ) {}

  /** The endpoint of a backend the library runs; undefined for a stated host. */
  public get endpoint(): Endpoint | undefined {
    return 'endpoint' in this.options ? this.options.endpoint : undefined;
  }

  /**
   * What `client` connects to, as the `shipper` (Fluent Bit) or the `reader` (Grafana). Checks the input and the
   * client's expectation against the endpoint: a disagreement, or a user the server does not have, is a
   * PlatformConfigError naming both ends (`field` is the client's setting in messages, e.g. `logs`).
   */
  public connectionFor(client: IWorkload, role: 'shipper' | 'reader', field: string): LogConnection {
    const o = this.options;
    if (this.indexPrefix !== undefined && !INDEX_PREFIX.test(this.indexPrefix))
      fail(client, `${field}.indexPrefix`, this.indexPrefix, 'must be an index name prefix: lowercase letters, digits, ".", "_" and "-"');
    if (this.tenant !== undefined) {
      const p = lokiTenantProblem(this.tenant);
      if (p) fail(client, `${field}.tenant`, this.tenant, p);
    }
    if ('endpoint' in o) {
      const e = o.endpoint;
      requireExpectation(client.node.path, `${field}.tls`, { tls: o.tls, auth: 'password' }, e);
      const user = role === 'shipper' ? (o.user ?? DEFAULT_LOG_SHIPPER_USER) : (o.readerUser ?? DEFAULT_LOG_READER_USER);
      const c = e.credentialFor(client, user, field)!;
      return {
        host: e.host,
        port: e.port.port,
        tls: e.tls.enabled,
        server: e.server,
        serverPorts: e.clientPorts.map((p) => p.name),
        credential: { user: c.user, remoteKey: c.remoteKey, property: c.passwordProperty },
        url: `${e.tls.enabled ? 'https' : 'http'}://${e.host}:${e.port.port}`,
      };
    }
    if (typeof o.host !== 'string' || !HOST.test(o.host)) fail(client, `${field}.host`, o.host, 'must be a DNS name such as "elasticsearch.logging.svc"');
    const port = o.port ?? (this.kind === 'elasticsearch' ? 9200 : 3100);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(client, `${field}.port`, port, 'must be a port number from 1 to 65535');
    if (typeof (o.tls as unknown) !== 'boolean')
      fail(client, `${field}.tls`, o.tls, 'must say whether the backend serves TLS (true or false): there is no safe default for a server outside the library');
    let credential: LogCredential | undefined;
    if (this.kind === 'elasticsearch') {
      const shipper = { user: o.user ?? DEFAULT_LOG_SHIPPER_USER, remoteKey: o.passwordRemoteKey ?? 'monitoring/elasticsearch' };
      const c = role === 'shipper' ? shipper : { user: o.readerUser ?? shipper.user, remoteKey: o.readerPasswordRemoteKey ?? shipper.remoteKey };
      if (!USER.test(c.user)) fail(client, `${field}.${role === 'shipper' ? 'user' : 'readerUser'}`, c.user, 'must be a user name of [A-Za-z0-9_.@-]');
      credential = { ...c, property: 'password' };
    }
    return { host: o.host, port, tls: o.tls, credential, peer: o.peer, url: `${o.tls ? 'https' : 'http'}://${o.host}:${port}` };
  }
}

export interface JaegerOptions {
  /** Host of Jaeger's OTLP gRPC receiver (Jaeger v2 and v1.35+ take OTLP). */
  readonly host: string;
  /** @default 4317 */
  readonly otlpGrpcPort?: number;
  /** Jaeger query (UI/API) base URL for the Grafana datasource, e.g. `http://jaeger-query.tracing.svc:16686`. */
  readonly queryUrl: string;
  /** @default 16686 */
  readonly queryPort?: number;
  /** @default false */
  readonly tls?: boolean;
  /** Where Jaeger runs, for the collector's and Grafana's egress NetworkPolicies. */
  readonly peer: NetworkPeer;
}

/** Jaeger v2 image the stack deploys for {@link TraceBackend.jaegerInCluster} (pin its digest in `profile.imageDigests`). */
export const DEFAULT_JAEGER_IMAGE = 'docker.io/jaegertracing/jaeger:2.11.0';
/** How long the in-cluster Jaeger keeps spans (Badger TTL): three days cover a weekend's incidents. */
export const DEFAULT_JAEGER_RETENTION = '72h';
/** Volume of the in-cluster Jaeger's Badger store. */
export const DEFAULT_JAEGER_STORAGE_SIZE = '20Gi';
/** CPU/memory of the in-cluster Jaeger (Badger keeps memtables and block caches in memory). */
export const DEFAULT_JAEGER_RESOURCES: ComponentResources = { cpu: '100m', memory: '256Mi', memoryLimit: '1Gi' };

export interface JaegerInClusterOptions {
  /** How long spans are kept (Badger TTL), a Go duration such as `72h` (Go has no `d` unit). @default DEFAULT_JAEGER_RETENTION */
  readonly retention?: string;
  /** Size of the Badger volume (a Kubernetes quantity). @default DEFAULT_JAEGER_STORAGE_SIZE */
  readonly storageSize?: string;
  /** A `jaegertracing/jaeger` 2.x image. @default DEFAULT_JAEGER_IMAGE */
  readonly image?: string;
  /** @default DEFAULT_JAEGER_RESOURCES */
  readonly resources?: ComponentResources;
}

/** Where the collector exports traces and Grafana queries them, resolved for one environment. */
export interface TraceEndpoint {
  readonly host: string;
  readonly otlpGrpcPort: number;
  readonly queryUrl: string;
  readonly queryPort: number;
  readonly tls: boolean;
  /** Where it runs, for fixed egress rules; undefined when it is a workload of the ConnectionGraph (both ends come from the graph). */
  readonly peer?: NetworkPeer;
}

/**
 * The trace store the OpenTelemetry Collector exports to: a Jaeger run elsewhere ({@link TraceBackend.jaeger}) or
 * one the stack deploys in the monitoring namespace ({@link TraceBackend.jaegerInCluster}).
 */
export class TraceBackend {
  /** A Jaeger run outside the stack (another namespace, another team, a SaaS). */
  public static jaeger(o: JaegerOptions): TraceBackend {
    return new TraceBackend(
      { host: o.host, otlpGrpcPort: o.otlpGrpcPort ?? 4317, queryUrl: o.queryUrl, queryPort: o.queryPort ?? 16686, tls: o.tls ?? false, peer: o.peer },
      undefined,
    );
  }
  /**
   * Jaeger v2 deployed by the stack in the monitoring namespace: one pod (OTLP receiver, query UI on 16686) storing
   * spans in Badger on a persistent volume for `retention`. Grafana's Jaeger datasource and the collector point at it.
   */
  public static jaegerInCluster(o: JaegerInClusterOptions = {}): TraceBackend {
    return new TraceBackend(undefined, { ...o });
  }
  private constructor(
    /** The external Jaeger's endpoint; undefined for an in-cluster Jaeger. */
    public readonly external: TraceEndpoint | undefined,
    /** The in-cluster Jaeger's options; undefined for an external Jaeger. */
    public readonly inCluster: JaegerInClusterOptions | undefined,
  ) {}
}
