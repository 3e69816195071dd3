import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { AddOn, resolveAddOns } from '../../src';
import { addOnReadmeLines } from '../../src/addons/readme';
import { addOnVersionChanges } from '../../src/review/add-on-versions';
import { renderDiffReport } from '../../src/review/diff-report';
import { diffTrees } from '../../src/review/manifest-diff';
import { production } from '../helpers';
import { cleanup, deliverEnvironment } from './helpers';
import { readTreeFromDir } from '../../src/review/manifest-tree';

afterEach(cleanup);

describe('dist/<env>/README.md: the add-ons and the prerequisites', () => {
  it('GIVEN production THEN the README says what one apply installs, in which wave, and what must exist before', () => {
    const text = addOnReadmeLines('production', production, resolveAddOns('production', production)).join('\n');
    expect(text).toContain(
      [
        '| Wave | What |',
        '| ---: | --- |',
        '| 0 | `_cluster`: the namespaces (Pod Security labels), cluster roles |',
        '| 1 | add-ons: cert-manager v1.21.1, external-secrets 2.9.0, envoy-gateway v1.9.0, argo-rollouts 2.41.0, keda 2.20.2, cloudnative-pg 0.29.0, strimzi 1.2.0, velero 12.1.0 |',
        '| 2 | add-ons: plugin-barman-cloud 0.7.0 |',
        "| 3 | `_cluster-config` (ClusterIssuers, ClusterSecretStores, ...) and the add-ons' namespaces (guard rails, Velero's locations) |",
        '| 4 | system and tenant namespaces |',
        '| 5 | observability |',
        '| 6 | datastores |',
        '| 7 | services |',
      ].join('\n'),
    );
    expect(text).toContain(
      "| envoy-gateway | `docker.io/envoyproxy` gateway-helm | v1.9.0 | any (the chart states none) | envoy-gateway-system | yes, never pruned | the Gateway API implementation: the environment's Gateway, its routes and traffic policies (rate limits, TLS) |",
    );
    expect(text).toContain(
      "- `velero`: Velero's node agent (file-system backups) mounts the kubelet's pod volumes from the node (hostPath /var/lib/kubelet/pods) and reads them as root",
    );
    expect(text).toContain('- StorageClasses: `gp3-encrypted`');
    expect(text).toContain('- Argo CD only: the OCI Helm repositories `docker.io/envoyproxy`, `quay.io/strimzi-helm` registered with `enableOCI: "true"`');
    expect(text).toContain(
      '- velero: the bucket s3://platform-backups-production and the IAM role arn:aws:iam::123456789012:role/production-velero allowed to read and write it and to create volume snapshots',
    );
  });

  it('GIVEN an add-on staged at another version THEN the README says which chart data checked its values', () => {
    const staged = { ...production, addOns: [AddOn.keda({ version: '2.21.0' })] };
    const text = addOnReadmeLines('production', staged, resolveAddOns('production', staged)).join('\n');
    expect(text).toContain(
      '| keda | `https://kedacore.github.io/charts` keda | 2.21.0 (values checked against 2.20.2) | `>=v1.23.0-0` | keda | yes, never pruned |',
    );
  });
});

describe('npm run diff: add-on upgrades', () => {
  it('GIVEN an add-on upgraded in one environment THEN the review lists one line with the old and new version, once for both tools', () => {
    const before = readTreeFromDir(path.join(deliverEnvironment(production).repo, 'dist'));
    const upgraded = {
      ...production,
      addOns: (production.addOns ?? []).map((a) =>
        a.name === 'strimzi' ? AddOn.strimzi({ version: '1.3.0' }) : a.name === 'keda' ? AddOn.keda({ values: { operator: { replicaCount: 3 } } }) : a,
      ),
    };
    const after = readTreeFromDir(path.join(deliverEnvironment(upgraded).repo, 'dist'));
    const changes = addOnVersionChanges(before, after);
    // keda changed its values only: no version line.
    expect(changes).toEqual([{ environment: 'production', addOn: 'strimzi', before: '1.2.0', after: '1.3.0' }]);
    const report = renderDiffReport(diffTrees(before, after), { addOnVersions: changes });
    expect(report).toContain('#### Add-on versions\n\n- production: **strimzi** `1.2.0` → `1.3.0`\n');
  });

  it('GIVEN an add-on enabled or removed THEN the line says so', () => {
    const withKeda = readTreeFromDir(path.join(deliverEnvironment({ ...production, addOns: [AddOn.keda()] }).repo, 'dist'));
    const without = readTreeFromDir(path.join(deliverEnvironment({ ...production, addOns: [AddOn.velero()] }).repo, 'dist'));
    expect(addOnVersionChanges(withKeda, without)).toEqual([
      { environment: 'production', addOn: 'keda', before: '2.20.2' },
      { environment: 'production', addOn: 'velero', after: '12.1.0' },
    ]);
  });
});
