/**
 * The databases of a PostgreSQL datastore. CloudNativePG creates one database at bootstrap and the vendored CRDs
 * have no `Database` kind, so a Job creates the others, and any added later: each by its owner role (CREATEDB, no
 * superuser), idempotently, failing on the first SQL error. The Job's name carries a hash of the list, so a changed
 * list is a new Job that runs once.
 */
import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeConfigMap, KubeServiceAccount } from '../../imports/k8s';
import { LABEL_COMPONENT, LABEL_INSTANCE, LABEL_NAME } from '../core/labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/security';
import { POSTGRES_PORT, POSTGRES_UID, PostgresSettings, owners, roleSecretName } from './postgres';
import { EngineContext, ExtraObjectContext, SIDECAR_RESOURCES, env, resourcesJson } from './types';

/** Where the Job reads the `<database> <owner>` lines and each owner's password (`<dir>/<owner>/password`). */
const DATABASES_FILE = '/config/databases';
const ROLES_DIR = '/roles';

/**
 * The Job's script. Names reach SQL only as psql variables quoted by `format('%I')`; a missing role, a wrong
 * password or a database owned by someone else stops it (ON_ERROR_STOP) and fails the Job.
 */
export const DATABASES_SCRIPT = [
  '#!/bin/bash',
  'set -euo pipefail',
  'while read -r db owner; do',
  '  [ -n "$db" ] || continue',
  '  PGUSER="$owner" PGPASSWORD="$(cat "$ROLES_DIR/$owner/password")" \\',
  '    psql -X -q -v ON_ERROR_STOP=1 -v db="$db" -v owner="$owner" -d postgres <<\'SQL\'',
  "SELECT set_config('platform.db', :'db', false), set_config('platform.owner', :'owner', false) \\g /dev/null",
  // A database of that name owned by someone else is a conflict to resolve by hand, never "in place".
  'DO $$',
  'DECLARE actual name;',
  'BEGIN',
  "  SELECT pg_get_userbyid(datdba) INTO actual FROM pg_database WHERE datname = current_setting('platform.db');",
  "  IF actual IS NOT NULL AND actual <> current_setting('platform.owner') THEN",
  "    RAISE EXCEPTION 'database % is owned by %, not %', current_setting('platform.db'), actual, current_setting('platform.owner');",
  '  END IF;',
  'END $$;',
  "SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec",
  "SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \\gexec",
  'SQL',
  '  echo "databases: $db (owner $owner) is in place"',
  'done < "$DATABASES_FILE"',
  '',
].join('\n');

/** The `<database> <owner>` lines the Job reads (names are checked SQL identifiers: no spaces, no quotes). */
export function databasesFile(s: PostgresSettings): string {
  return s.databases.map((d) => `${d.name} ${d.owner}\n`).join('');
}

/**
 * Labels selecting the Job's pods. Not the datastore's selector labels: clients may reach the datastore's pods, and
 * nothing may reach these.
 */
export function databasesJobSelector(ctx: { readonly name: string }): Record<string, string> {
  return { [LABEL_NAME]: ctx.name, [LABEL_INSTANCE]: `${ctx.name}-databases`, [LABEL_COMPONENT]: 'databases' };
}

/** The ConfigMap, ServiceAccount and Job that put the declared databases in place on the primary. */
export function addPostgresDatabasesJob(scope: Construct, ctx: EngineContext, common: ExtraObjectContext, s: PostgresSettings): void {
  const config = `${ctx.name}-databases`;
  const data = { databases: databasesFile(s), 'databases.sh': DATABASES_SCRIPT };
  const hash = createHash('sha256')
    .update(JSON.stringify([data, s.image]))
    .digest('hex')
    .slice(0, 8);
  const labels = { ...common.labels, ...databasesJobSelector(ctx) };
  new KubeConfigMap(scope, 'DatabasesConfig', { metadata: { name: config, namespace: ctx.namespace, labels: { ...common.labels } }, data });
  new KubeServiceAccount(scope, 'DatabasesServiceAccount', {
    metadata: { name: config, namespace: ctx.namespace, labels, annotations: { ...common.protectAnnotations } },
    automountServiceAccountToken: false,
  });
  const roles = owners(s);
  // Untyped: plain-JSON containers (see datastoreObject in common.ts).
  new ApiObject(scope, 'DatabasesJob', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${config}-${hash}`, namespace: ctx.namespace, labels },
    spec: {
      // The primary may still be starting: retry for a while before giving up.
      backoffLimit: 10,
      activeDeadlineSeconds: 3600,
      // Gone a day after it finished; Argo CD or Flux then apply it again, and the run finds everything in place.
      ttlSecondsAfterFinished: 24 * 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: config,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: restrictedPodSecurityContext({ runAsUser: POSTGRES_UID, fsGroup: POSTGRES_UID }),
          containers: [
            {
              name: 'databases',
              image: s.image,
              imagePullPolicy: common.pullPolicy,
              command: ['bash', `${DATABASES_FILE.replace(/\/[^/]+$/, '')}/databases.sh`],
              env: [
                // The operator's read-write Service: straight to the primary, never through the pooler.
                env('PGHOST', `${ctx.name}-rw.${ctx.namespace}.svc.cluster.local`),
                env('PGPORT', String(POSTGRES_PORT.port)),
                env('PGSSLMODE', 'require'),
                env('PGCONNECT_TIMEOUT', '10'),
                env('DATABASES_FILE', DATABASES_FILE),
                env('ROLES_DIR', ROLES_DIR),
              ],
              resources: resourcesJson(SIDECAR_RESOURCES),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: 'config', mountPath: DATABASES_FILE.replace(/\/[^/]+$/, ''), readOnly: true },
                ...roles.map((o, i) => ({ name: `role-${i}`, mountPath: `${ROLES_DIR}/${o}`, readOnly: true })),
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: config, defaultMode: 0o444 } },
            ...roles.map((o, i) => ({
              name: `role-${i}`,
              secret: { secretName: roleSecretName(ctx, o), items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 },
            })),
          ],
        },
      },
    },
  });
}
