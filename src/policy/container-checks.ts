/** Container hygiene: resources, image references, pull policy and probes. */
import { isDeepStrictEqual } from 'util';
import { LONG_RUNNING_KINDS } from './policy-index';
import { eachContainer } from './pod-security-checks';
import { PolicyCheck } from './types';

const KUBE_SCORE = 'https://github.com/zegl/kube-score/blob/master/README_CHECKS.md';
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The tag and digest of an image reference (`registry:5000/repo:tag@sha256:...`). */
export function parseImage(image: string): { readonly tag?: string; readonly digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  const tag = colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : undefined;
  return { tag, digest };
}

/** True when the reference always resolves to the same image bytes or a fixed version tag. */
function isMutable(image: string): boolean {
  const { tag, digest } = parseImage(image);
  return digest === undefined && (tag === undefined || tag === 'latest');
}

function has(o: unknown, key: string): boolean {
  return o !== null && typeof o === 'object' && (o as Record<string, unknown>)[key] !== undefined;
}

export const CONTAINER_CHECKS: readonly PolicyCheck[] = [
  {
    id: 'resources-requests',
    severity: 'medium',
    rationale: 'Without CPU and memory requests the scheduler overcommits nodes and pods are evicted first.',
    docs: 'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/',
    coverage: { kubeScore: ['container-resources'], polaris: ['cpuRequestsMissing', 'memoryRequestsMissing'] },
    run: (ctx) =>
      eachContainer(ctx, (c) => {
        if (c.kind === 'ephemeralContainer') return undefined;
        const missing = ['cpu', 'memory'].filter((r) => !has(c.container.resources?.requests, r));
        return missing.length > 0
          ? {
              field: `${c.path}.resources.requests`,
              message: `container ${JSON.stringify(String(c.container.name ?? ''))} has no ${missing.join(' or ')} request; set resources.requests.cpu and .memory`,
            }
          : undefined;
      }),
  },
  {
    id: 'resources-memory-limit',
    severity: 'medium',
    rationale: 'A container without a memory limit can exhaust its node and get its neighbours OOM-killed.',
    docs: 'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/',
    coverage: { kubeScore: ['container-resources'], polaris: ['memoryLimitsMissing'] },
    run: (ctx) =>
      eachContainer(ctx, (c) =>
        c.kind !== 'ephemeralContainer' && !has(c.container.resources?.limits, 'memory')
          ? {
              field: `${c.path}.resources.limits.memory`,
              message: `container ${JSON.stringify(String(c.container.name ?? ''))} has no memory limit; set resources.limits.memory`,
            }
          : undefined,
      ),
  },
  {
    id: 'image-tag-pinned',
    severity: 'high',
    rationale: 'A missing or `latest` tag makes a rollback or a rebuild deploy a different image.',
    docs: KUBE_SCORE,
    coverage: { kubeScore: ['container-image-tag'], polaris: ['tagNotSpecified'] },
    skipReason: (ctx) => (ctx.profile.imagePolicy.forbidLatest ? undefined : "the environment's image policy accepts any tag"),
    run: (ctx) =>
      eachContainer(ctx, (c) => {
        const image = String(c.container.image ?? '');
        return isMutable(image)
          ? { field: `${c.path}.image`, message: `image ${JSON.stringify(image)} has no pinned tag; use a version tag or a digest, never "latest"` }
          : undefined;
      }),
  },
  {
    id: 'image-digest',
    severity: 'high',
    rationale: 'Only a digest guarantees that the image that was tested is the image that runs.',
    docs: 'https://kubernetes.io/docs/concepts/containers/images/#image-names',
    coverage: {},
    skipReason: (ctx) => (ctx.profile.imagePolicy.requireDigest ? undefined : "the environment's image policy does not require digests"),
    run: (ctx) =>
      eachContainer(ctx, (c) => {
        const image = String(c.container.image ?? '');
        const { digest } = parseImage(image);
        return digest === undefined || !DIGEST.test(digest)
          ? {
              field: `${c.path}.image`,
              message: `image ${JSON.stringify(image)} is not pinned by digest; the environment's image policy requires repository@sha256:<64 hex>`,
            }
          : undefined;
      }),
  },
  {
    id: 'image-pull-policy',
    severity: 'low',
    rationale: 'An explicit pull policy; Always for mutable tags so nodes never run a stale image, never Never.',
    docs: 'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy',
    coverage: { kubeScore: ['container-image-pull-policy'], polaris: ['pullPolicyNotAlways'] },
    run: (ctx) =>
      eachContainer(ctx, (c) => {
        const policy = c.container.imagePullPolicy;
        const name = JSON.stringify(String(c.container.name ?? ''));
        if (policy === undefined)
          return { field: `${c.path}.imagePullPolicy`, message: `container ${name} does not set imagePullPolicy; set Always or IfNotPresent explicitly` };
        if (policy === 'Never')
          return { field: `${c.path}.imagePullPolicy`, message: `container ${name} uses imagePullPolicy Never; use Always or IfNotPresent` };
        if (policy !== 'Always' && isMutable(String(c.container.image ?? '')))
          return {
            field: `${c.path}.imagePullPolicy`,
            message: `container ${name} uses a mutable image tag with imagePullPolicy ${policy}; use Always (or pin the image)`,
          };
        return undefined;
      }),
  },
  {
    id: 'probes-configured',
    severity: 'medium',
    rationale: 'Readiness keeps traffic away from pods that cannot serve; liveness restarts pods that hang.',
    docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/',
    coverage: { kubeScore: ['pod-probes'], polaris: ['readinessProbeMissing', 'livenessProbeMissing'] },
    run: (ctx) =>
      eachContainer(ctx, (c, p) => {
        if (c.kind !== 'container' || !LONG_RUNNING_KINDS.has(p.kind)) return undefined;
        const missing = ['readinessProbe', 'livenessProbe'].filter((k) => c.container[k] === undefined);
        return missing.length > 0
          ? { field: `${c.path}.${missing[0]}`, message: `container ${JSON.stringify(String(c.container.name ?? ''))} has no ${missing.join(' and no ')}` }
          : undefined;
      }),
  },
  {
    id: 'probes-distinct',
    severity: 'medium',
    rationale: 'Identical liveness and readiness probes restart pods that are merely busy, turning load into an outage.',
    docs: 'https://github.com/zegl/kube-score/blob/master/README_PROBES.md',
    coverage: { kubeScore: ['pod-probes-identical'] },
    run: (ctx) =>
      eachContainer(ctx, (c, p) => {
        if (c.kind !== 'container' || !LONG_RUNNING_KINDS.has(p.kind)) return undefined;
        const { livenessProbe, readinessProbe } = c.container;
        return livenessProbe !== undefined && isDeepStrictEqual(livenessProbe, readinessProbe)
          ? {
              field: `${c.path}.livenessProbe`,
              message: `container ${JSON.stringify(String(c.container.name ?? ''))} has identical liveness and readiness probes; make liveness cheaper and more tolerant (other path or higher failureThreshold)`,
            }
          : undefined;
      }),
  },
];
