import { Profiles, SyncPolicy } from '../src';
import { production, productionPlatform } from './production';
import { PlatformSettings } from './platform-settings';

/** Disaster recovery: production's profile on a second cluster and region, at its DR size. */
export const dr = Profiles.extend(production, {
  name: 'dr',
  cluster: {
    name: 'prod-eu-central-1',
    server: 'https://prod-eu-central-1.k8s.example.com',
    region: 'eu-central-1',
    kubernetesVersion: '1.30',
    podCidrs: ['100.65.0.0/16'],
  },
  replicas: 2,
  autoscaling: { minReplicas: 2, maxReplicas: 6 },
  // DR reads production's backups with read-only credentials and writes its own backups to its own bucket, never
  // into production's: PostgreSQL follows production's WAL archive (a replica cluster); the other datastores' empty
  // volumes start from production's newest backup. Failover is `promote: true` here (docs/stateful-datastore.md).
  backups: { destination: 's3://platform-backups-dr', restoreFrom: production.backups.destination, promote: false },
  // Failover is one deliberate sync of the root application (Flux: one resume of the root Kustomization).
  delivery: { syncPolicy: SyncPolicy.manualFailover() },
});

/** The reference platform in dr: production's releases and strategies on the second cluster. */
export const drPlatform: PlatformSettings = {
  ...productionPlatform,
  profile: dr,
  gitops: { ...productionPlatform.gitops, targetRevision: 'production' },
};
