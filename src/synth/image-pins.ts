/**
 * Digest pinning: `profile.imageDigests` maps `repository:tag` to a digest; every container image with an entry
 * becomes `repository:tag@sha256:...`. Pod specs are found wherever a `containers` / `initContainers` list sits in
 * a document (Deployment, StatefulSet, DaemonSet, CronJob, Rollout, ...); an operand image named `imageName`
 * (CloudNativePG's Cluster) is pinned too.
 */

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Problems in a digest table (each a full message); empty when valid. */
export function imageDigestProblems(env: string, pins: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [ref, digest] of Object.entries(pins)) {
    if (!/^[^@\s]+:[^:@/\s]+$/.test(ref)) out.push(`${env}: profile.imageDigests[${JSON.stringify(ref)}]: got ${JSON.stringify(ref)}; keys must be "repository:tag"`);
    if (!DIGEST.test(digest)) out.push(`${env}: profile.imageDigests[${JSON.stringify(ref)}]: got ${JSON.stringify(digest)}; values must be "sha256:" followed by 64 lowercase hex digits`);
  }
  return out;
}

function pinList(list: unknown, pins: Readonly<Record<string, string>>): void {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    if (c && typeof c === 'object' && typeof (c as any).image === 'string') {
      const image = (c as any).image as string;
      const digest = image.includes('@') ? undefined : pins[image];
      if (digest) (c as any).image = `${image}@${digest}`;
    }
  }
}

/** Rewrites pinned images in place. Only called when the profile has pins. */
export function pinImages(node: unknown, pins: Readonly<Record<string, string>>, depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 16) return;
  if (Array.isArray(node)) {
    for (const v of node) pinImages(v, pins, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (CONTAINER_LISTS.has(k)) pinList(v, pins);
    else if (k === 'imageName' && typeof v === 'string' && !v.includes('@') && pins[v]) (node as Record<string, unknown>)[k] = `${v}@${pins[v]}`;
    else if (v && typeof v === 'object') pinImages(v, pins, depth + 1);
  }
}
