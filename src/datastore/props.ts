/** Props of StatefulDatastore, and the named constants their `@default` docs and the parts refer to. */
import { IWorkload, WorkloadRef } from '../core/connections';
import { ResourceDefaults } from '../core/environment-profile';
import { Engine } from './engine';

/** Argo CD sync options that keep a sync from pruning or deleting an object (data-loss guard). */
export const PROTECT_ANNOTATIONS: Readonly<Record<string, string>> = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' };
/** Label on every pod of the datastore's StatefulSets (not on backup job pods), selected by its Services. */
export const DATASTORE_MEMBER_LABEL = 'platform.io/datastore-member';
/** Default S3 endpoint of backup destinations. */
export const DEFAULT_BACKUP_ENDPOINT = 's3.amazonaws.com';
/** Namespace Velero runs in (Schedules must live there). */
export const VELERO_NAMESPACE = 'velero';

/** Volume of a datastore. */
export interface DatastoreStorage {
  /** Size of each data volume (a Kubernetes quantity, at least the engine's minimum). @default profile.storage.defaultSize */
  readonly size?: string;
  /** StorageClass name (a DNS-1123 subdomain). @default profile.storage.storageClass */
  readonly storageClass?: string;
}

/** Backups of a datastore: an engine dump CronJob to object storage plus a Velero schedule of its volumes. */
export interface DatastoreBackup {
  /** @default profile.backups.enabled */
  readonly enabled?: boolean;
  /** Cron schedule of the dump job. @default profile.backups.schedule */
  readonly schedule?: string;
  /** Days dumps and volume snapshots are kept (at least 1). @default profile.backups.retentionDays */
  readonly retentionDays?: number;
  /** `s3://bucket/prefix`; the datastore writes below `<prefix>/<namespace>/<name>`. @default profile.backups.destination */
  readonly destination?: string;
  /** S3 endpoint host. @default DEFAULT_BACKUP_ENDPOINT */
  readonly endpoint?: string;
  /** Remote key (secret store) of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. @default `<namespace>/<name>-backup` */
  readonly credentialsRemoteKey?: string;
  /** Image of the uploader (MinIO client). @default MC_IMAGE */
  readonly uploaderImage?: string;
  /** Cron schedule of the Velero volume backup. @default profile.backups.veleroSchedule */
  readonly veleroSchedule?: string;
  /** Retention of the Velero volume backup (Go duration). @default - retentionDays as hours, e.g. `720h0m0s` for 30 days */
  readonly veleroTtl?: string;
}

/**
 * Restore of a fresh datastore from another environment's backups (disaster recovery). Only an empty volume is
 * restored: a datastore that holds data is never overwritten.
 */
export interface DatastoreRestore {
  /**
   * Object-storage URL of the other environment's backup destination, `s3://bucket[/prefix]` or
   * `gs://bucket[/prefix]`; the newest backup below `<from>/<namespace>/<name>/` is restored.
   */
  readonly from: string;
  /** S3 endpoint host of the source. @default - `s3.amazonaws.com` for s3://, `storage.googleapis.com` for gs:// */
  readonly endpoint?: string;
  /** Remote key (secret store) of a READ-ONLY AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the source bucket. @default `<namespace>/<name>-restore` */
  readonly credentialsRemoteKey?: string;
  /**
   * Failover: an engine that follows the source continuously (PostgreSQL: a replica cluster of its WAL archive)
   * stops following and becomes a primary. Engines restored once are primaries already.
   * @default profile.backups.promote ?? false
   */
  readonly promote?: boolean;
}

/**
 * The datastore's own recovery objective, instead of the profile's (where the profile declares objectives): for data
 * whose loss costs less than the environment's objective says (a cache, derived analytics). Shown with its reason in
 * `dist/<env>/README.md`.
 */
export interface DatastoreRecovery {
  /** Recovery point objective of this datastore, a duration such as `1h`. */
  readonly rpo: string;
  /** Recovery time objective of this datastore, a duration. @default profile.recoveryObjectives.rto */
  readonly rto?: string;
  /** Why this datastore may lose more than the environment's objective (one sentence, shown in the README). */
  readonly reason: string;
}

/** A managed service (RDS, ElastiCache, Supabase, ...) used instead of in-cluster pods. */
export interface ManagedEndpoint {
  /** DNS name of the managed service (an ExternalName Service points at it). */
  readonly host: string;
  /** @default the engine's first client port (5432 for PostgreSQL, 6379 for Redis, ...) */
  readonly port?: number;
  /** Egress destinations allowed to clients. @default ['0.0.0.0/0'] */
  readonly cidrs?: readonly string[];
}

export interface StatefulDatastoreProps {
  /** Stable name: StatefulSet, Services, volumes and the secret derive from it. A DNS-1035 label of at most 40 characters. */
  readonly name: string;
  /** Namespace (a DNS-1123 label). */
  readonly namespace: string;
  /** What runs, e.g. `Engine.postgres()`. */
  readonly engine: Engine;
  /** Data pods. @default - the engine's HA size when profile.highAvailability, else 1 */
  readonly replicas?: number;
  /** @default - size and class from the profile */
  readonly storage?: DatastoreStorage;
  /** Resources of the engine container. @default profile.resources (memory raised to the engine's minimum) */
  readonly resources?: ResourceDefaults;
  /** @default - backups as the profile says */
  readonly backup?: DatastoreBackup;
  /** Restore an empty datastore from another environment's backups; `false` turns the profile's restore off. @default - `{ from: profile.backups.restoreFrom }` when the profile sets it, else no restore */
  readonly restore?: DatastoreRestore | false;
  /** Workloads allowed to connect (adds edges to the connection graph). @default - only workloads that connect themselves */
  readonly clients?: ReadonlyArray<IWorkload | WorkloadRef>;
  /** Use a managed service instead of pods. @default - in-cluster */
  readonly managed?: ManagedEndpoint;
  /** Remote key (secret store) of the credential keys. @default `<namespace>/<name>` */
  readonly credentialsRemoteKey?: string;
  /** This datastore's recovery objective, with the reason it differs from the profile's. @default profile.recoveryObjectives */
  readonly recovery?: DatastoreRecovery;
  /** Owning team (label and alert routing): a label value. @default - none */
  readonly team?: string;
  /** `app.kubernetes.io/part-of`: a label value. @default - none */
  readonly partOf?: string;
}
