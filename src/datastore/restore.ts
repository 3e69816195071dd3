import { MC_IMAGE } from './minio';
import { RestorePlan, RestoreSource, env, restoreSourceEnv, secretEnv } from './types';
import { DocObject } from '../core/documents';

/** Mount path of the scratch volume restore steps share (downloaded dump, or the newest backup's name). */
export const RESTORE_DIR = '/restore';
/** Endpoint of `gs://` sources: Cloud Storage's S3-compatible XML API (HMAC keys). */
export const GCS_ENDPOINT = 'storage.googleapis.com';

/** Environment of a MinIO client reading the source bucket (credentials only from the restore Secret). */
export function restoreClientEnv(source: RestoreSource, configDir = '/tmp/.mc'): DocObject[] {
  return [
    env('MC_CONFIG_DIR', configDir),
    secretEnv('AWS_ACCESS_KEY_ID', source.credentialsSecret),
    secretEnv('AWS_SECRET_ACCESS_KEY', source.credentialsSecret),
  ];
}

/**
 * The first restore step: finds the newest object of the plan's pattern below the source prefix (backup names end in
 * a UTC timestamp and object listings are sorted, so the last match is the newest). In `init` mode it downloads it
 * into `/restore` unless `skipWhen` holds; in `job` mode it writes its name to `/restore/latest`. No backup at all is
 * an error: a DR datastore must not silently start empty (`restore: false` says so explicitly). The script is the
 * same for every datastore of an engine: the source and the object prefix are environment variables.
 */
export function restoreFetchContainer(source: RestoreSource, plan: RestorePlan, image: string = MC_IMAGE): DocObject {
  const lines = ['set -eu'];
  if (plan.mode === 'init' && plan.skipWhen) {
    lines.push(`if ${plan.skipWhen}; then echo "restore: volume holds data (or not the seed pod): nothing to restore"; exit 0; fi`);
  }
  lines.push(
    'mc alias set restore "$SOURCE_ENDPOINT_URL" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null',
    'LATEST=""',
    `for o in $(mc ls "restore/$SOURCE_BUCKET/$SOURCE_PREFIX/"); do case "$o" in "$OBJECT_PREFIX"${plan.objectPattern}) LATEST="$o" ;; esac; done`,
    'if [ -z "$LATEST" ]; then echo "restore: no backup named $OBJECT_PREFIX$OBJECT_PATTERN below $SOURCE_ENDPOINT_URL/$SOURCE_BUCKET/$SOURCE_PREFIX/" >&2; exit 1; fi',
    plan.mode === 'init'
      ? `mc cp "restore/$SOURCE_BUCKET/$SOURCE_PREFIX/$LATEST" "${RESTORE_DIR}/$LATEST"`
      : `printf '%s' "\${LATEST%/}" > ${RESTORE_DIR}/latest`,
    'echo "restore: newest backup is $LATEST"',
  );
  return {
    name: 'restore-fetch',
    image,
    command: ['sh', '-c', lines.join('\n')],
    // The client's config lives on the restore scratch volume: the fetch step needs no other writable path.
    env: [
      ...restoreClientEnv(source, `${RESTORE_DIR}/.mc`),
      ...restoreSourceEnv(source),
      env('OBJECT_PREFIX', plan.objectPrefix),
      env('OBJECT_PATTERN', plan.objectPattern),
      ...(plan.fetchEnv ?? []),
    ],
    volumeMounts: plan.mode === 'init' && plan.dataMountPath ? [{ name: 'data', mountPath: plan.dataMountPath }] : [],
  };
}
