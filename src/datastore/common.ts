/** Building blocks shared by the parts of a StatefulDatastore. */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeServiceAccount } from '../../imports/k8s';
import { restrictedContainerSecurityContext } from '../core/security';
import { ResolvedDatastore } from './resolve';
import { DocObject } from '../core/documents';

/**
 * An untyped object of the datastore, in its namespace unless `metadata` says otherwise. Only for workloads built from
 * the engines' plain-JSON containers (StatefulSet, Job, CronJob): the bindings' toJson reads quantities and ports as
 * Quantity/IntOrString objects and would drop the engines' plain values.
 */
export function datastoreObject(
  scope: Construct,
  r: ResolvedDatastore,
  id: string,
  apiVersion: string,
  kind: string,
  metadata: DocObject,
  body: DocObject,
): ApiObject {
  return new ApiObject(scope, id, { apiVersion, kind, metadata: { namespace: r.ctx.namespace, ...metadata }, ...body });
}

/**
 * A workload's own ServiceAccount, named like it: no pod runs as the namespace's `default` account (CIS 5.1.5),
 * and none mounts a token (no datastore pod calls the API). It carries the Argo CD guard like the StatefulSets,
 * so a protected workload never loses the account its pods need to start.
 */
export function addServiceAccount(scope: Construct, r: ResolvedDatastore, id: string, name: string, labels: Record<string, string>): void {
  new KubeServiceAccount(scope, id, { metadata: { name, namespace: r.ctx.namespace, labels, annotations: r.protect }, automountServiceAccountToken: false });
}

/** Every container: the environment's pull policy and PSS restricted. */
export function container(r: ResolvedDatastore, c: DocObject): DocObject {
  return { ...c, imagePullPolicy: r.profile.imagePolicy.pullPolicy, securityContext: restrictedContainerSecurityContext() };
}
