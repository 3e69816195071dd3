/**
 * Client side of a contract: the Secret a client reads its connection settings from, composed by External Secrets
 * from the same stored credential the server uses (`target.template`), so nobody keeps a `DATABASE_URL` consistent
 * with the server by hand.
 */
import { goTemplateText } from './encoders';
import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion,
} from '../../imports/external-secrets.io';
import type { IWorkload } from './connections';
import { Endpoint } from './endpoint';
import { EnvironmentChart } from './environment-chart';
import { fail } from './errors';
import { sortedEntries } from './records';

const CONNECTION_VALUE_SYMBOL = Symbol.for('cdk8s-platform.ConnectionValue');

/** One value a client derives from an endpoint. */
export class ConnectionValue {
  /** Whether `x` is a ConnectionValue, also one made by another copy of this package (`instanceof` is not). */
  public static isConnectionValue(x: unknown): x is ConnectionValue {
    return x !== null && typeof x === 'object' && CONNECTION_VALUE_SYMBOL in x;
  }

  /**
   * A URL `<scheme>://<user>:<password>@<host>:<port>[/<path>][?<query>]`; user and password only when the endpoint
   * authenticates with one. The scheme comes from the protocol and TLS (`rediss`, `https`, ...). The path defaults to the
   * client's database when the server assigns one (PostgreSQL). PostgreSQL URLs get
   * `sslmode` from the endpoint's TLS (`disable` or `require`) unless `query` sets it; a Sentinel endpoint's URL is
   * `redis+sentinel://...@<host>:<port>/<masterSet>` (the path names the database then). `credentials: false` leaves
   * user and password out (an S3 endpoint URL; the keys go in their own variables).
   */
  public static url(
    options: { readonly path?: string; readonly query?: Readonly<Record<string, string>>; readonly credentials?: boolean } = {},
  ): ConnectionValue {
    return new ConnectionValue('url', options.path, options.query, undefined, options.credentials ?? true);
  }
  /** `host:port`. */
  public static address(): ConnectionValue {
    return new ConnectionValue('address');
  }
  public static host(): ConnectionValue {
    return new ConnectionValue('host');
  }
  public static port(): ConnectionValue {
    return new ConnectionValue('port');
  }
  /** The user name (fixed, or the client's own for per-client credentials). */
  public static user(): ConnectionValue {
    return new ConnectionValue('user');
  }
  /** The password, read from the store (never written to Git). */
  public static password(): ConnectionValue {
    return new ConnectionValue('password');
  }
  /** An attribute of the endpoint, e.g. `masterSet` of a Redis Sentinel endpoint. */
  public static attribute(name: string): ConnectionValue {
    return new ConnectionValue('attribute', undefined, undefined, name);
  }
  /** `true` or `false`: whether the endpoint is served over TLS. */
  public static tls(): ConnectionValue {
    return new ConnectionValue('tls');
  }

  private constructor(
    public readonly kind: 'url' | 'address' | 'host' | 'port' | 'user' | 'password' | 'attribute' | 'tls',
    public readonly path?: string,
    public readonly query?: Readonly<Record<string, string>>,
    public readonly attributeName?: string,
    /** A URL with user and password. */
    public readonly withCredentials = true,
  ) {
    Object.defineProperty(this, CONNECTION_VALUE_SYMBOL, { value: true });
  }

  /** Whether the value needs the stored credential. */
  public get needsCredential(): boolean {
    return this.kind === 'password' || (this.kind === 'url' && this.withCredentials);
  }
}

/** URL scheme of a protocol, with or without TLS. */
export function urlScheme(e: Endpoint): string {
  const tls = e.tls.enabled;
  switch (e.protocol) {
    case 'redis':
      return tls ? 'rediss' : 'redis';
    case 'redis-sentinel':
      return tls ? 'rediss+sentinel' : 'redis+sentinel';
    case 'http':
      return tls ? 'https' : 'http';
    case 's3':
      return tls ? 'https' : 'http';
    case 'postgresql':
      return 'postgresql';
    default:
      return e.protocol;
  }
}

export interface ConnectionSecretOptions {
  /** Name of the ExternalSecret and of the Secret (in the client's namespace). */
  readonly name: string;
  readonly client: IWorkload;
  readonly endpoint: Endpoint;
  readonly labels: Readonly<Record<string, string>>;
  /** Secret keys and the values they hold. */
  readonly values: Readonly<Record<string, ConnectionValue>>;
  /** User the client authenticates as, for endpoints with several users. @default - the client's workload name */
  readonly user?: string;
  /** Field named in error messages. @default 'connections' */
  readonly field?: string;
}

/**
 * An ExternalSecret in the client's namespace whose keys are composed from the endpoint: host and port from the
 * contract, user and password from the stored credential the server itself reads.
 */
export function addConnectionSecret(scope: Construct, id: string, o: ConnectionSecretOptions): ExternalSecret {
  const field = o.field ?? 'connections';
  const e = o.endpoint;
  const credential = e.credentialFor(o.client, o.user, field);
  const data: Record<string, string> = {};
  const remote: { secretKey: string; remoteRef: { key: string; property?: string } }[] = [];
  let needsPassword = false;
  let needsUser = false;
  const userTemplate = (encode: boolean) => {
    if (credential?.userProperty) {
      needsUser = true;
      return encode ? '{{ .user | urlquery }}' : '{{ .user }}';
    }
    const user = credential?.user ?? '';
    return goTemplateText(encode ? encodeURIComponent(user) : user);
  };
  for (const [key, v] of sortedEntries(o.values)) {
    if ((v.kind === 'password' || v.kind === 'user') && !credential) {
      fail(o.client, `${field}.env.${key}`, v.kind, `${e.describe()} has no credential (auth ${e.auth.method}); remove this key`);
    }
    switch (v.kind) {
      case 'host':
        data[key] = goTemplateText(e.host);
        break;
      case 'port':
        data[key] = String(e.port.port);
        break;
      case 'address':
        data[key] = goTemplateText(e.address);
        break;
      case 'tls':
        data[key] = String(e.tls.enabled);
        break;
      case 'attribute':
        data[key] = goTemplateText(e.attribute(v.attributeName!, o.client.node.path, `${field}.env.${key}`));
        break;
      case 'user':
        data[key] = userTemplate(false);
        break;
      case 'password':
        needsPassword = true;
        data[key] = '{{ .password }}';
        break;
      case 'url': {
        let auth = '';
        if (credential && v.withCredentials) {
          needsPassword = true;
          // Redis AUTH with the default user takes the password alone.
          auth = `${credential.user === 'default' && !credential.userProperty && e.protocol.startsWith('redis') ? '' : userTemplate(true)}:{{ .password | urlquery }}@`;
        }
        data[key] = `${urlScheme(e)}://${auth}${goTemplateText(`${e.address}${urlPath(e, v, credential?.database)}${urlQuery(e, v)}`)}`;
        break;
      }
    }
  }
  if (credential && needsPassword) remote.push({ secretKey: 'password', remoteRef: { key: credential.remoteKey, property: credential.passwordProperty } });
  if (credential?.userProperty && needsUser) remote.push({ secretKey: 'user', remoteRef: { key: credential.remoteKey, property: credential.userProperty } });
  const store = EnvironmentChart.of(scope).profile.secretStore;
  return new ExternalSecret(scope, id, {
    metadata: { name: o.name, namespace: o.client.namespace, labels: { ...o.labels } },
    spec: {
      refreshInterval: store.refreshInterval,
      secretStoreRef: { kind: store.kind as ExternalSecretSpecSecretStoreRefKind, name: store.name },
      target: {
        name: o.name,
        creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
        deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
        template: { engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2, data },
      },
      data: remote.length > 0 ? remote : undefined,
    },
  });
}

/** `/<path>`; a Sentinel URL names the master set first. */
function urlPath(e: Endpoint, v: ConnectionValue, database?: string): string {
  const segments: string[] = [];
  if (e.protocol === 'redis-sentinel' && e.attributes.masterSet !== undefined) segments.push(e.attributes.masterSet);
  const path = v.path ?? database;
  if (path) segments.push(path.replace(/^\//, ''));
  return segments.length > 0 ? `/${segments.join('/')}` : '';
}

/** `?<query>`; PostgreSQL's sslmode follows the endpoint's TLS unless the client sets it. */
function urlQuery(e: Endpoint, v: ConnectionValue): string {
  const query: Record<string, string> = { ...v.query };
  if (e.protocol === 'postgresql' && query.sslmode === undefined) query.sslmode = e.tls.enabled ? 'require' : 'disable';
  const entries = Object.entries(query);
  return entries.length > 0 ? `?${entries.map(([k, q]) => `${encodeURIComponent(k)}=${encodeURIComponent(q)}`).join('&')}` : '';
}
