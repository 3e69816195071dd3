/**
 * Digest pinning: `profile.imageDigests` maps `repository:tag` to a digest; every container image with an entry
 * becomes `repository:tag@sha256:...`. Pod specs are found wherever a `containers` / `initContainers` list sits in
 * a document (Deployment, StatefulSet, DaemonSet, CronJob, Rollout, ...); an operand image named `imageName`
 * (CloudNativePG's Cluster) is pinned too.
 */

import type { ImagePolicy } from '../core/environment-profile';
import type { EnvironmentOutput } from './synthesizer';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** The value the image inventory prints for a digest the user still has to look up (`sha256:<digest>`). */
export const DIGEST_PLACEHOLDER = 'sha256:<digest>';

/** Problems in a digest table (each a full message); empty when valid. */
export function imageDigestProblems(env: string, pins: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [ref, digest] of Object.entries(pins)) {
    if (!/^[^@\s]+:[^:@/\s]+$/.test(ref))
      out.push(`${env}: profile.imageDigests[${JSON.stringify(ref)}]: got ${JSON.stringify(ref)}; keys must be "repository:tag"`);
    if (digest === DIGEST_PLACEHOLDER) {
      out.push(
        `${env}: profile.imageDigests[${JSON.stringify(ref)}]: got ${JSON.stringify(digest)}; replace the placeholder with the image's digest (e.g. the output of \`crane digest ${ref}\`)`,
      );
    } else if (!DIGEST.test(digest)) {
      out.push(
        `${env}: profile.imageDigests[${JSON.stringify(ref)}]: got ${JSON.stringify(digest)}; values must be "sha256:" followed by 64 lowercase hex digits`,
      );
    }
  }
  return out;
}

/** An image reference split into its parts (`repository[:tag][@digest]`; a colon before the last `/` is a port). */
export function splitImage(image: string): { readonly repository: string; readonly tag?: string; readonly digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? { repository: ref.slice(0, colon), tag: ref.slice(colon + 1), digest } : { repository: ref, digest };
}

/**
 * Calls `fn` with every container (containers, init and ephemeral containers) found anywhere in `node`, and with
 * `{ image }` for an operand image an operator runs (`imageName` of a CloudNativePG Cluster).
 */
export function forEachContainer(node: unknown, fn: (container: Record<string, unknown>) => void, depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 16) return;
  if (Array.isArray(node)) {
    for (const v of node) forEachContainer(v, fn, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (CONTAINER_LISTS.has(k) && Array.isArray(v)) {
      for (const c of v) if (c && typeof c === 'object' && typeof (c as { image?: unknown }).image === 'string') fn(c as Record<string, unknown>);
    } else if (k === 'imageName' && typeof v === 'string') {
      fn({ image: v });
    } else if (v && typeof v === 'object') {
      forEachContainer(v, fn, depth + 1);
    }
  }
}

/** How an image reference meets an image policy. */
export type ImagePinning = 'digest' | 'tag' | 'none';

/** The pinning `image` has, and whether the policy accepts it. */
export function imagePinning(image: string, policy: ImagePolicy): { readonly pinning: ImagePinning; readonly accepted: boolean } {
  const { tag, digest } = splitImage(image);
  const pinning: ImagePinning = digest !== undefined ? 'digest' : tag !== undefined && tag !== 'latest' ? 'tag' : 'none';
  const accepted = policy.requireDigest ? pinning === 'digest' : policy.forbidLatest ? pinning !== 'none' : true;
  return { pinning, accepted };
}

/** What an image policy requires, in words. */
export function describeImagePolicy(policy: ImagePolicy): string {
  return policy.requireDigest ? 'digest only' : policy.forbidLatest ? 'pinned tag' : 'any tag';
}

/**
 * The lines a failed synth ends with when images are not pinned as their environment's image policy requires:
 * how many per environment, and the command that lists them with the `profile.imageDigests` entries to add.
 */
export function imagePinningNotes(envs: readonly EnvironmentOutput[], command: string): string[] {
  const byEnv = new Map<string, Set<string>>();
  for (const env of envs) {
    const policy = env.profile.imagePolicy;
    if (!policy.requireDigest && !policy.forbidLatest) continue;
    for (const d of env.documents) {
      forEachContainer(d.object, (c) => {
        const image = c.image as string;
        if (imagePinning(image, policy).accepted) return;
        const set = byEnv.get(env.name) ?? new Set<string>();
        set.add(image);
        byEnv.set(env.name, set);
      });
    }
  }
  if (byEnv.size === 0) return [];
  const counts = [...byEnv]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([env, set]) => `${env} ${set.size}`)
    .join(', ');
  return [
    `Images not pinned as the environment's image policy requires (${counts}): \`${command} images\` lists every image of each environment and prints the profile.imageDigests entries to add.`,
  ];
}

function pinList(list: unknown, pins: Readonly<Record<string, string>>): void {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    const container = c as { image?: unknown } | null;
    if (container && typeof container === 'object' && typeof container.image === 'string') {
      const image = container.image;
      const digest = image.includes('@') ? undefined : pins[image];
      // A malformed entry (or the inventory's placeholder) is reported by imageDigestProblems, never written.
      if (digest !== undefined && DIGEST.test(digest)) container.image = `${image}@${digest}`;
    }
  }
}

/** Rewrites pinned images in place. Only called when the profile has pins. */
export function pinImages(node: unknown, pins: Readonly<Record<string, string>>, depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 16) return;
  if (Array.isArray(node)) {
    for (const v of node) if (v !== null && typeof v === 'object') pinImages(v, pins, depth + 1);
    return;
  }
  const record = node as Record<string, unknown>;
  // Every object of every spec passes here: no entry arrays, and strings other than imageName are skipped at once.
  for (const k in record) {
    const v = record[k];
    if (CONTAINER_LISTS.has(k)) pinList(v, pins);
    else if (typeof v === 'string') {
      if (k === 'imageName' && !v.includes('@') && pins[v] !== undefined && DIGEST.test(pins[v])) record[k] = `${v}@${pins[v]}`;
    } else if (v !== null && typeof v === 'object') pinImages(v, pins, depth + 1);
  }
}
