import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');

describe('npm run import', () => {
  it('regenerates imports/ from the vendored schemas byte for byte, offline', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'imports-'));
    try {
      execFileSync(process.execPath, [path.join(root, 'scripts/import.js'), out], { cwd: root, stdio: 'pipe' });
      const committed = fs.readdirSync(path.join(root, 'imports')).sort();
      expect(fs.readdirSync(out).sort()).toEqual(committed);
      for (const f of committed) {
        const same = fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(root, 'imports', f)));
        expect(same, `imports/${f} differs from a fresh import`).toBe(true);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('binds every CRD kind the platform needs, at the served version', () => {
    const bundle = JSON.parse(fs.readFileSync(path.join(root, 'imports/validation-schemas.json'), 'utf8'));
    expect(Object.keys(bundle.crds)).toEqual([
      'argoproj.io/v1alpha1/AnalysisTemplate',
      'argoproj.io/v1alpha1/AppProject',
      'argoproj.io/v1alpha1/Application',
      'argoproj.io/v1alpha1/ApplicationSet',
      'argoproj.io/v1alpha1/Rollout',
      'autoscaling.k8s.io/v1/VerticalPodAutoscaler',
      'cert-manager.io/v1/Certificate',
      'cert-manager.io/v1/ClusterIssuer',
      'cert-manager.io/v1/Issuer',
      'external-secrets.io/v1/ClusterSecretStore',
      'external-secrets.io/v1/ExternalSecret',
      'external-secrets.io/v1/SecretStore',
      'kafka.strimzi.io/v1/Kafka',
      'kustomize.toolkit.fluxcd.io/v1/Kustomization',
      'monitoring.coreos.com/v1/PodMonitor',
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'source.toolkit.fluxcd.io/v1/GitRepository',
      'velero.io/v1/Backup',
      'velero.io/v1/Schedule',
    ]);
    const es = fs.readFileSync(path.join(root, 'imports/external-secrets.io.ts'), 'utf8');
    expect(es).toMatch(/apiVersion: 'external-secrets\.io\/v1',\s+kind: 'ExternalSecret'/);
    expect(es).not.toContain("apiVersion: 'external-secrets.io/v1beta1'");
  });
});
