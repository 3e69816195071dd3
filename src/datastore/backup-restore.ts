/** Backups (dump CronJob, Velero Schedule) and restores (init steps, or a one-off Job) of a StatefulDatastore. */
import { Construct } from 'constructs';
import { Schedule } from '../../imports/velero.io';
import { ResourceDefaults } from '../core/environment-profile';
import { LABEL_COMPONENT, selectorLabels } from '../core/labels';
import { restrictedPodSecurityContext } from '../core/security';
import { addServiceAccount, container, datastoreObject } from './common';
import { MC_IMAGE } from './minio';
import { StatefulDatastoreProps, VELERO_NAMESPACE } from './props';
import { ResolvedDatastore } from './resolve';
import { RESTORE_DIR, restoreFetchContainer } from './restore';
import { BackupTarget, backupTargetEnv, env, resourcesJson, RestorePlan, RestoreSource, RoleSpec, secretEnv } from './types';
import { DocObject } from '../core/documents';

/** Resources of the restore fetch step (a MinIO client streaming one object). */
const RESTORE_FETCH_RESOURCES: ResourceDefaults = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };
const BACKUP_JOB = {
  startingDeadlineSeconds: 600,
  successfulJobsHistoryLimit: 3,
  failedJobsHistoryLimit: 3,
  backoffLimit: 2,
  activeDeadlineSeconds: 4 * 3600,
  ttlSecondsAfterFinished: 7 * 24 * 3600,
};
/** The one-off restore Job: patient (a big restore takes hours), and gone a day after it finished. */
const RESTORE_JOB = {
  backoffLimit: 3,
  activeDeadlineSeconds: 12 * 3600,
  ttlSecondsAfterFinished: 24 * 3600,
};
/** Scratch space of a restore Job (it only holds the newest backup's name and the client config). */
const RESTORE_JOB_SCRATCH = '64Mi';

/**
 * The main role with the restore in front of the engine: the fetch step downloads the newest backup only when the
 * volume is empty (and the pod seeds the datastore), then the engine's steps load it. Other roles (PostgreSQL read
 * replicas) keep cloning from the primary.
 */
export function withRestoreInit(r: ResolvedDatastore, props: StatefulDatastoreProps, role: RoleSpec, source: RestoreSource, plan: RestorePlan): RoleSpec {
  const mount = { name: 'restore', mountPath: RESTORE_DIR };
  const fetch: DocObject = {
    resources: resourcesJson(RESTORE_FETCH_RESOURCES),
    ...restoreFetchContainer(source, plan, props.backup?.uploaderImage ?? MC_IMAGE),
  };
  const steps = [...((plan.fetch ?? true) ? [fetch] : []), ...plan.steps].map((c) => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), mount] }));
  return {
    ...role,
    initContainers: [...steps, ...(role.initContainers ?? [])],
    // The dump is compressed and never larger than the volume it came from.
    volumes: [...(role.volumes ?? []), { name: 'restore', emptyDir: { sizeLimit: r.ctx.storageSize } }],
  };
}

/** A one-off Job `<name>-restore` for engines restored through their running server (MinIO, ClickHouse). */
export function addRestoreJob(
  scope: Construct,
  r: ResolvedDatastore,
  props: StatefulDatastoreProps,
  source: RestoreSource,
  plan: RestorePlan,
  uid: number,
): void {
  const ctx = r.ctx;
  const mounts = [
    { name: 'restore', mountPath: RESTORE_DIR },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const fetch = plan.fetch ?? true;
  const containers = [...(fetch ? [restoreFetchContainer(source, plan, props.backup?.uploaderImage ?? MC_IMAGE)] : []), ...plan.steps].map((c, i) =>
    container(r, {
      resources: resourcesJson(fetch && i === 0 ? RESTORE_FETCH_RESOURCES : ctx.resources),
      ...c,
      volumeMounts: [...(c.volumeMounts ?? []), ...mounts],
    }),
  );
  const main = containers.pop()!;
  const labels = { ...r.labels, ...selectorLabels(ctx.name), [LABEL_COMPONENT]: 'restore' };
  const name = `${ctx.name}-restore`;
  addServiceAccount(scope, r, 'RestoreServiceAccount', name, labels);
  // Untyped: the containers are the engine's plain JSON (see datastoreObject).
  datastoreObject(
    scope,
    r,
    'Restore',
    'batch/v1',
    'Job',
    { name, labels },
    {
      spec: {
        backoffLimit: RESTORE_JOB.backoffLimit,
        activeDeadlineSeconds: RESTORE_JOB.activeDeadlineSeconds,
        ttlSecondsAfterFinished: RESTORE_JOB.ttlSecondsAfterFinished,
        template: {
          metadata: { labels },
          spec: jobPodSpec(name, uid, containers.length > 0 ? containers : undefined, main, [
            { name: 'restore', emptyDir: { sizeLimit: RESTORE_JOB_SCRATCH } },
            { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
          ]),
        },
      },
    },
  );
}

/** The dump CronJob `<name>-backup`: the engine's steps, then an upload to object storage that prunes old dumps. */
export function addBackupJob(scope: Construct, r: ResolvedDatastore, props: StatefulDatastoreProps, b: BackupTarget, uid: number): void {
  const ctx = r.ctx;
  const plan = r.def.backup!(ctx, b);
  const backupVol = { name: 'backup', emptyDir: { sizeLimit: ctx.storageSize } };
  const tmpVol = { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } };
  const mounts = [
    { name: 'backup', mountPath: '/backup' },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const step = (c: DocObject) =>
    container(r, {
      resources: resourcesJson(ctx.resources),
      ...c,
      volumeMounts: [...(c.volumeMounts ?? []), ...mounts],
    });
  const steps = plan.steps.map(step);
  if (plan.upload) {
    steps.push(
      step({
        name: 'upload',
        image: props.backup?.uploaderImage ?? MC_IMAGE,
        // The same script for every datastore: where it writes comes from the environment (backupTargetEnv).
        command: [
          'sh',
          '-c',
          [
            'set -eu',
            'mc alias set backup "$BACKUP_ENDPOINT_URL" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null',
            'if [ -n "$(ls -A /backup)" ]; then mc cp --recursive /backup/ "backup/$BACKUP_BUCKET/$BACKUP_PREFIX/"; fi',
            'mc rm --recursive --force --older-than "${RETENTION_DAYS}d" "backup/$BACKUP_BUCKET/$BACKUP_PREFIX/"',
          ].join('\n'),
        ],
        env: [
          env('MC_CONFIG_DIR', '/tmp/.mc'),
          secretEnv('AWS_ACCESS_KEY_ID', b.credentialsSecret),
          secretEnv('AWS_SECRET_ACCESS_KEY', b.credentialsSecret),
          ...backupTargetEnv(b),
          env('RETENTION_DAYS', String(b.retentionDays)),
        ],
      }),
    );
  }
  const main = steps.pop()!;
  const labels = { ...r.labels, ...selectorLabels(ctx.name), [LABEL_COMPONENT]: 'backup' };
  const name = `${ctx.name}-backup`;
  addServiceAccount(scope, r, 'BackupServiceAccount', name, labels);
  // Untyped: the containers are the engine's plain JSON (see datastoreObject).
  datastoreObject(
    scope,
    r,
    'Backup',
    'batch/v1',
    'CronJob',
    { name, labels },
    {
      spec: {
        schedule: b.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: BACKUP_JOB.startingDeadlineSeconds,
        successfulJobsHistoryLimit: BACKUP_JOB.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: BACKUP_JOB.failedJobsHistoryLimit,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: BACKUP_JOB.backoffLimit,
            activeDeadlineSeconds: BACKUP_JOB.activeDeadlineSeconds,
            ttlSecondsAfterFinished: BACKUP_JOB.ttlSecondsAfterFinished,
            template: {
              metadata: { labels },
              spec: jobPodSpec(name, uid, steps.length > 0 ? steps : undefined, main, [backupVol, tmpVol]),
            },
          },
        },
      },
    },
  );
}

/** The Velero Schedule `<namespace>-<name>` (in Velero's namespace) snapshotting the datastore's volumes. */
export function addVeleroSchedule(scope: Construct, r: ResolvedDatastore, props: StatefulDatastoreProps, b: BackupTarget): void {
  const ctx = r.ctx;
  new Schedule(scope, 'VolumeBackup', {
    metadata: { name: `${ctx.namespace}-${ctx.name}`, namespace: VELERO_NAMESPACE, labels: r.labels },
    spec: {
      schedule: b.veleroSchedule,
      useOwnerReferencesInBackup: false,
      template: {
        includedNamespaces: [ctx.namespace],
        labelSelector: { matchLabels: { ...r.podSelector } },
        includeClusterResources: false,
        snapshotVolumes: true,
        ttl: props.backup?.veleroTtl ?? `${b.retentionDays * 24}h0m0s`,
      },
    },
  });
}

/** The pod of a backup or restore Job: runs once, under its own tokenless ServiceAccount, PSS restricted. */
function jobPodSpec(serviceAccountName: string, uid: number, initContainers: unknown[] | undefined, main: unknown, volumes: unknown[]) {
  return {
    restartPolicy: 'Never',
    serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext({ runAsUser: uid, fsGroup: uid }),
    initContainers,
    containers: [main],
    volumes,
  };
}
