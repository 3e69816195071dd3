/** Managed mode of a StatefulDatastore: clients keep their Service name, which points at the managed service. */
import { Construct } from 'constructs';
import { KubeService } from '../../imports/k8s';
import { fail } from '../core/errors';
import { ManagedEndpoint } from './props';
import { DNS1123_SUBDOMAIN, ResolvedDatastore } from './resolve';

/** An ExternalName Service `<name>` resolving to the managed service's DNS name. */
export function addManagedService(scope: Construct, r: ResolvedDatastore, m: ManagedEndpoint): void {
  if (typeof m.host !== 'string' || m.host.length === 0 || m.host.length > 253 || !DNS1123_SUBDOMAIN.test(m.host) || /^[0-9.]+$/.test(m.host)) {
    fail(
      scope,
      'managed.host',
      m.host,
      'must be the DNS name of the managed service (e.g. "orders.abc123.eu-west-1.rds.amazonaws.com"); an ExternalName Service cannot point at an IP address',
    );
  }
  new KubeService(scope, 'Service', {
    metadata: { name: r.ctx.name, namespace: r.ctx.namespace, labels: r.labels, annotations: r.protect },
    spec: {
      type: 'ExternalName',
      externalName: m.host,
      ports: r.clientPorts.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
    },
  });
}
