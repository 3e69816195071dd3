/**
 * Velero: the Schedules of datastore volumes run against the BackupStorageLocation (and, with snapshots, the
 * VolumeSnapshotLocation) derived from the profile's backup destination.
 */
import { BackupStorageLocation, VolumeSnapshotLocation } from '../../../imports/velero.io';
import { addExternalSecret } from '../../core/external-secret';
import { fail } from '../../core/errors';
import { catalogChart } from '../chart';
import { CLUSTER_ADMIN_ROLE } from '../cluster-admin';
import { AddOnContext, AddOnControllerPods, AddOnDefinition } from '../definition';
import { CLUSTER_RBAC_KINDS, CRD_KIND, RESTRICTED_CONTAINER, RESTRICTED_POD, RestrictedContainerSecurity, RestrictedPodSecurity } from './common';

/** Name of the BackupStorageLocation (and VolumeSnapshotLocation): Velero's default, used by Schedules that name none. */
export const VELERO_DEFAULT_LOCATION = 'default';
/** Secret (key `cloud`) holding Velero's cloud credentials when they come from the secret store. */
export const VELERO_CREDENTIALS_SECRET = 'velero-credentials';
/** Object-store plugins, pinned (velero-plugin-for-aws/gcp 1.14 go with Velero 1.18, the chart's app version). */
export const VELERO_PLUGIN_IMAGES = {
  aws: 'velero/velero-plugin-for-aws:v1.14.0',
  gcp: 'velero/velero-plugin-for-gcp:v1.14.0',
} as const;
/** Why the namespace cannot enforce PSS restricted when the node agent runs. */
export const VELERO_NODE_AGENT_EXEMPTION =
  "Velero's node agent (file-system backups) mounts the kubelet's pod volumes from the node (hostPath /var/lib/kubelet/pods) and reads them as root";

/** The service account of Velero's server, which the chart binds to cluster-admin. */
export const VELERO_SERVER_SERVICE_ACCOUNT = 'velero-server';
/**
 * Why Velero keeps the chart's cluster-admin binding. A narrower ClusterRole would not be narrower: a backup reads
 * every resource of the namespaces it covers, and a restore creates any of them, RBAC included, which the API
 * server allows only to a subject holding every permission it grants (or `bind` and `escalate`).
 */
export const VELERO_CLUSTER_ADMIN_REASON =
  'backups read every kind of object in the namespaces they cover and restores create any of them, Roles and RoleBindings included, ' +
  'which the API server allows only to a subject that holds the permissions granted (or bind and escalate): a narrower role is cluster-admin in all but name';

/** Where Velero's cloud credentials come from. */
export class VeleroCredentials {
  /** The node's or the ServiceAccount's ambient identity (instance profile, EKS Pod Identity, GKE Workload Identity). */
  public static ambient(): VeleroCredentials {
    return new VeleroCredentials({ kind: 'ambient' });
  }
  /** IRSA: the Velero ServiceAccount is annotated with this IAM role. */
  public static serviceAccountRole(roleArn: string): VeleroCredentials {
    return new VeleroCredentials({ kind: 'irsa', roleArn });
  }
  /**
   * A credentials file (AWS shared credentials / GCP key) in the secret store: an ExternalSecret maintains the
   * Secret `velero-credentials` (key `cloud`) in Velero's namespace.
   */
  public static fromSecretStore(remoteKey: string, property?: string): VeleroCredentials {
    return new VeleroCredentials({ kind: 'secret', remoteKey, property });
  }
  private constructor(
    /** @internal */
    public readonly spec:
      | { readonly kind: 'ambient' }
      | { readonly kind: 'irsa'; readonly roleArn: string }
      | { readonly kind: 'secret'; readonly remoteKey: string; readonly property?: string },
  ) {}
}

/** Options of {@link AddOn.velero}. */
export interface VeleroOptions {
  /** @default VeleroCredentials.ambient() */
  readonly credentials?: VeleroCredentials;
  /**
   * Run the node agent for file-system backups (copies volume data to object storage, so backups can be restored
   * in another region). Its namespace is then exempt from PSS restricted, with the reason written on it.
   * @default false
   */
  readonly nodeAgent?: boolean;
  /** Volume snapshots through the cloud provider (a VolumeSnapshotLocation). @default true */
  readonly snapshots?: boolean;
  /** S3-compatible endpoint (MinIO, Ceph) instead of AWS S3. @default - AWS S3 in the cluster's region */
  readonly s3Url?: string;
}

/** The values of the velero chart the platform sets. */
export interface VeleroValues {
  readonly upgradeCRDs: false;
  readonly cleanUpCRDs: false;
  readonly initContainers: readonly {
    readonly name: string;
    readonly image: string;
    readonly volumeMounts: readonly { readonly mountPath: string; readonly name: string }[];
    readonly securityContext: RestrictedContainerSecurity;
  }[];
  readonly podSecurityContext: RestrictedPodSecurity & { readonly runAsUser: number; readonly runAsGroup: number; readonly fsGroup: number };
  readonly containerSecurityContext: RestrictedContainerSecurity;
  readonly configuration: {
    readonly backupStorageLocation: readonly [];
    readonly volumeSnapshotLocation: readonly [];
    readonly defaultBackupStorageLocation: string;
  };
  readonly credentials: { readonly useSecret: boolean; readonly existingSecret?: string };
  readonly serviceAccount?: { readonly server: { readonly annotations: Readonly<Record<string, string>> } };
  /** The chart's ClusterRoleBinding of cluster-admin to the server, kept on purpose (see VELERO_CLUSTER_ADMIN_REASON). */
  readonly rbac: { readonly create: true; readonly clusterAdministrator: true; readonly clusterAdministratorName: 'cluster-admin' };
  readonly backupsEnabled: true;
  readonly snapshotsEnabled: boolean;
  readonly deployNodeAgent: boolean;
}

/** The velero image's non-root user (distroless `nonroot`). */
const VELERO_USER = 65532;

/** A backup destination URL split into provider, bucket and prefix. */
export interface BackupBucket {
  readonly provider: 'aws' | 'gcp';
  readonly bucket: string;
  readonly prefix?: string;
}

/** `s3://bucket[/prefix]` or `gs://bucket[/prefix]`; undefined for anything else (or no destination). */
export function parseBackupDestination(url: string | undefined): BackupBucket | undefined {
  if (url === undefined) return undefined;
  const m = /^(s3|gs):\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*?))?\/?$/.exec(url);
  if (!m) return undefined;
  return { provider: m[1] === 's3' ? 'aws' : 'gcp', bucket: m[2]!, ...(m[3] ? { prefix: m[3] } : {}) };
}

function urlPort(url: string): number {
  const m = /^(https?):\/\/[^/:]+(?::(\d+))?/.exec(url);
  return m?.[2] !== undefined ? Number(m[2]) : m?.[1] === 'http' ? 80 : 443;
}

function destination(ctx: AddOnContext): BackupBucket {
  const b = parseBackupDestination(ctx.profile.backups.destination);
  if (!b)
    fail(
      `${ctx.environment.node.path}/add-ons/velero`,
      'profile.backups.destination',
      ctx.profile.backups.destination,
      'must be s3://<bucket>[/<prefix>] or gs://<bucket>[/<prefix>] for Velero',
    );
  return b;
}

/** The Velero add-on definition. */
export function veleroDefinition(options: VeleroOptions, namespace: string): AddOnDefinition {
  const credentials = (options.credentials ?? VeleroCredentials.ambient()).spec;
  const nodeAgent = options.nodeAgent ?? false;
  const snapshots = options.snapshots ?? true;
  return {
    name: 'velero',
    purpose: "volume backups (Schedule) to the environment's backup destination",
    chart: catalogChart('velero'),
    releaseName: 'velero',
    namespace,
    serves: { groups: ['velero.io'] },
    installsCrds: true,
    clusterKinds: [CRD_KIND, ...CLUSTER_RBAC_KINDS],
    clusterAdmin: { subject: `ServiceAccount ${namespace}/${VELERO_SERVER_SERVICE_ACCOUNT}`, reason: VELERO_CLUSTER_ADMIN_REASON },
    values: (ctx) => {
      const bucket = destination(ctx);
      const values: VeleroValues = {
        // CRDs come from the chart's crds/ folder, applied by Argo CD and created or replaced by Flux: no hook Job.
        upgradeCRDs: false,
        cleanUpCRDs: false,
        initContainers: [
          {
            name: `velero-plugin-for-${bucket.provider}`,
            image: VELERO_PLUGIN_IMAGES[bucket.provider],
            volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
            securityContext: RESTRICTED_CONTAINER,
          },
        ],
        podSecurityContext: { ...RESTRICTED_POD, runAsUser: VELERO_USER, runAsGroup: VELERO_USER, fsGroup: VELERO_USER },
        containerSecurityContext: RESTRICTED_CONTAINER,
        // The locations are objects of dist/ (reviewed and checked like the rest), not chart values.
        configuration: { backupStorageLocation: [], volumeSnapshotLocation: [], defaultBackupStorageLocation: VELERO_DEFAULT_LOCATION },
        credentials: credentials.kind === 'secret' ? { useSecret: true, existingSecret: VELERO_CREDENTIALS_SECRET } : { useSecret: false },
        ...(credentials.kind === 'irsa' ? { serviceAccount: { server: { annotations: { 'eks.amazonaws.com/role-arn': credentials.roleArn } } } } : {}),
        // Stated, not left to the chart's defaults, so the binding shows in the values; declared below.
        rbac: { create: true, clusterAdministrator: true, clusterAdministratorName: CLUSTER_ADMIN_ROLE },
        backupsEnabled: true,
        snapshotsEnabled: snapshots,
        deployNodeAgent: nodeAgent,
      };
      return values as unknown as Record<string, unknown>;
    },
    namespaces: (ctx) => [{ name: ctx.namespace, ...(nodeAgent ? { exemption: VELERO_NODE_AGENT_EXEMPTION } : {}) }],
    controllers: (ctx): AddOnControllerPods[] => {
      // Object storage and snapshot APIs (AWS S3/EC2, GCS/Compute, or the S3-compatible endpoint).
      const egress = [{ peers: ['anywhere' as const], ports: [...new Set([443, ...(options.s3Url ? [urlPort(options.s3Url)] : [])])].sort((a, b) => a - b) }];
      return [
        { component: 'server', namespace: ctx.namespace, podLabels: { 'app.kubernetes.io/name': 'velero', name: 'velero' }, egress },
        ...(nodeAgent ? [{ component: 'node-agent', namespace: ctx.namespace, podLabels: { name: 'node-agent' }, egress }] : []),
      ];
    },
    provides: (ctx) => ({
      serviceAccounts: [`${ctx.namespace}/${VELERO_SERVER_SERVICE_ACCOUNT}`],
      objects: [
        `BackupStorageLocation/${ctx.namespace}/${VELERO_DEFAULT_LOCATION}`,
        ...(snapshots ? [`VolumeSnapshotLocation/${ctx.namespace}/${VELERO_DEFAULT_LOCATION}`] : []),
      ],
      ...(credentials.kind === 'secret' ? { secrets: [`${ctx.namespace}/${VELERO_CREDENTIALS_SECRET}`] } : {}),
    }),
    configure: (scope, ctx) => {
      const bucket = destination(ctx);
      const prefix = [bucket.prefix, 'velero', ctx.profile.name].filter((p) => p !== undefined && p !== '').join('/');
      const credential = credentials.kind === 'secret' ? { name: VELERO_CREDENTIALS_SECRET, key: 'cloud' } : undefined;
      if (credentials.kind === 'secret') {
        addExternalSecret(scope, 'Credentials', {
          name: VELERO_CREDENTIALS_SECRET,
          namespace: ctx.namespace,
          labels: { 'app.kubernetes.io/name': 'velero', 'app.kubernetes.io/component': 'credentials' },
          data: [{ secretKey: 'cloud', remoteKey: credentials.remoteKey, property: credentials.property }],
        });
      }
      const config: Record<string, string> =
        bucket.provider === 'aws' ? { region: ctx.profile.cluster.region, ...(options.s3Url ? { s3Url: options.s3Url, s3ForcePathStyle: 'true' } : {}) } : {};
      new BackupStorageLocation(scope, 'BackupStorageLocation', {
        metadata: { name: VELERO_DEFAULT_LOCATION, namespace: ctx.namespace },
        spec: {
          provider: bucket.provider,
          objectStorage: { bucket: bucket.bucket, prefix },
          ...(Object.keys(config).length > 0 ? { config } : {}),
          ...(credential ? { credential } : {}),
          default: true,
        },
      });
      if (snapshots) {
        new VolumeSnapshotLocation(scope, 'VolumeSnapshotLocation', {
          metadata: { name: VELERO_DEFAULT_LOCATION, namespace: ctx.namespace },
          spec: {
            provider: bucket.provider,
            ...(bucket.provider === 'aws' ? { config: { region: ctx.profile.cluster.region } } : {}),
            ...(credential ? { credential } : {}),
          },
        });
      }
    },
    prerequisites: (ctx) => {
      const b = parseBackupDestination(ctx.profile.backups.destination);
      const where = b ? `${b.provider === 'aws' ? 's3' : 'gs'}://${b.bucket}` : (ctx.profile.backups.destination ?? '(no profile.backups.destination)');
      const who =
        credentials.kind === 'irsa'
          ? `the IAM role ${credentials.roleArn}`
          : credentials.kind === 'secret'
            ? `the credentials at \`${credentials.remoteKey}\` in the secret store`
            : 'the ambient identity of the Velero pods';
      return [`the bucket ${where} and ${who} allowed to read and write it${snapshots ? ' and to create volume snapshots' : ''}`];
    },
  };
}
