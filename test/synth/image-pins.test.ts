import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { KubeDeployment } from '../../imports/k8s';
import { EnvironmentChart, synthesizeToJson } from '../../src';
import { development } from '../helpers';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function synth(pins: Record<string, string>, image: string) {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile: { ...development, imageDigests: pins } });
  new KubeDeployment(chart, 'd', {
    metadata: { name: 'd', namespace: 'apps' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: {
        metadata: { labels: { a: 'b' } },
        spec: {
          initContainers: [{ name: 'i', image }],
          containers: [
            { name: 'c', image },
            { name: 'other', image: 'busybox:1.36' },
          ],
        },
      },
    },
  });
  return synthesizeToJson(app);
}

describe('profile.imageDigests (digest pinning)', () => {
  it('pins every container and init container whose repository:tag has an entry, and leaves others alone', () => {
    const { envs, problems } = synth({ 'postgres:16.4': DIGEST }, 'postgres:16.4');
    expect(problems).toEqual([]);
    const pod = envs[0]!.documents[0]!.object.spec.template.spec;
    expect(pod.containers[0].image).toBe(`postgres:16.4@${DIGEST}`);
    expect(pod.initContainers[0].image).toBe(`postgres:16.4@${DIGEST}`);
    expect(pod.containers[1].image).toBe('busybox:1.36');
  });

  it('never re-pins an image that already carries a digest', () => {
    const already = `postgres:16.4@sha256:${'b'.repeat(64)}`;
    const { envs } = synth({ 'postgres:16.4': DIGEST }, already);
    expect(envs[0]!.documents[0]!.object.spec.template.spec.containers[0].image).toBe(already);
  });

  it('rejects a malformed table with the key and the rule', () => {
    const { problems } = synth({ postgres: 'sha256:abc' }, 'postgres:16.4');
    expect(problems).toEqual([
      'development: profile.imageDigests["postgres"]: got "postgres"; keys must be "repository:tag"',
      'development: profile.imageDigests["postgres"]: got "sha256:abc"; values must be "sha256:" followed by 64 lowercase hex digits',
    ]);
  });
});
