/** Credentials of a StatefulDatastore: ExternalSecrets only, so no value is ever written to the manifests. */
import { Construct } from 'constructs';
import { addExternalSecret } from '../core/external-secret';
import { StatefulDatastoreProps } from './props';
import { ResolvedDatastore } from './resolve';
import { BackupTarget, RestoreSource } from './types';

const OBJECT_STORE_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

/** The engine's credential keys, from `<namespace>/<name>` (or `credentialsRemoteKey`) in the secret store. */
export function addCredentials(scope: Construct, r: ResolvedDatastore, props: StatefulDatastoreProps): void {
  if (r.def.credentialKeys.length === 0) return;
  externalSecret(scope, r, 'Credentials', r.ctx.credentialsSecret, props.credentialsRemoteKey ?? `${props.namespace}/${props.name}`, r.def.credentialKeys);
}

/** The object-store keys the backup job uploads with. */
export function addBackupCredentials(scope: Construct, r: ResolvedDatastore, props: StatefulDatastoreProps, b: BackupTarget): void {
  externalSecret(
    scope,
    r,
    'BackupCredentials',
    b.credentialsSecret,
    props.backup?.credentialsRemoteKey ?? `${props.namespace}/${props.name}-backup`,
    OBJECT_STORE_KEYS,
  );
}

/** The (read-only) object-store keys a restore downloads with. */
export function addRestoreCredentials(scope: Construct, r: ResolvedDatastore, props: StatefulDatastoreProps, source: RestoreSource): void {
  const key = (props.restore ? props.restore.credentialsRemoteKey : undefined) ?? `${props.namespace}/${props.name}-restore`;
  externalSecret(scope, r, 'RestoreCredentials', source.credentialsSecret, key, OBJECT_STORE_KEYS);
}

/** Each key from the property of the same name of `remoteKey`; the Argo CD guard keeps a running datastore's Secret. */
function externalSecret(scope: Construct, r: ResolvedDatastore, id: string, name: string, remoteKey: string, keys: readonly string[]): void {
  addExternalSecret(scope, id, {
    name,
    namespace: r.ctx.namespace,
    labels: r.labels,
    annotations: r.protect,
    data: keys.map((k) => ({ secretKey: k, remoteKey, property: k })),
  });
}
