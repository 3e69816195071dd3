/**
 * The image inventory: every container image each environment runs (the library's own third-party images
 * included: exporters, Fluent Bit, Grafana, ...), whether it is pinned as the environment's image policy requires,
 * and the `profile.imageDigests` entries that are missing, printed in the form the table takes so they can be
 * pasted. A production environment (digest-only policy) reaches a clean synth by following it.
 */
import { App } from 'cdk8s';
import { describeImagePolicy, DIGEST_PLACEHOLDER, forEachContainer, ImagePinning, imagePinning, splitImage } from './image-pins';
import { DEFAULT_SYNTH_COMMAND, EnvironmentOutput, synthesizeToJson } from './synthesizer';

/** One image of an environment. */
export interface InventoryImage {
  /** The reference as the constructs wrote it, before `profile.imageDigests` added a digest (`repository:tag`). */
  readonly reference: string;
  /** The reference as synth writes it (with the digest from the table, when it has an entry). */
  readonly written: string;
  /** `digest` (pinned by digest), `tag` (a version tag, no digest) or `none` (untagged or `latest`). */
  readonly pinning: ImagePinning;
  /** The digest comes from `profile.imageDigests` (not from the reference itself). */
  readonly pinnedByTable: boolean;
  /** The environment's image policy accepts it. */
  readonly accepted: boolean;
  /** Objects whose pods run it (`<env>/<namespace>/<kind>/<name>`), sorted. */
  readonly usedBy: readonly string[];
}

/** The images of one environment and what its digest table lacks. */
export interface EnvironmentImageInventory {
  /** Environment name (profile.name). */
  readonly environment: string;
  /** What the image policy requires: `digest only`, `pinned tag` or `any tag`. */
  readonly policy: string;
  /** Every image, sorted by reference. */
  readonly images: readonly InventoryImage[];
  /** Keys (`repository:tag`) to add to `profile.imageDigests` so that every image meets the policy, sorted. */
  readonly missing: readonly string[];
  /** Images the policy rejects that no table entry can pin (they have no tag): reference them by digest. */
  readonly untagged: readonly string[];
  /** Entries of `profile.imageDigests` that no image of the environment uses, sorted. */
  readonly unusedPins: readonly string[];
}

/**
 * The image inventory of every environment of `app`, in the order of their names. Builds the documents as synth
 * does (digests from `profile.imageDigests` applied) but checks nothing else, so it also works while synth fails
 * because images are not pinned.
 */
export function imageInventory(app: App): EnvironmentImageInventory[] {
  return inventoryOf(synthesizeToJson(app).envs);
}

/** The image inventory of synthesized environments (several charts of one environment count as one). */
export function inventoryOf(envs: readonly EnvironmentOutput[]): EnvironmentImageInventory[] {
  const byName = new Map<string, EnvironmentOutput[]>();
  for (const env of envs) byName.set(env.name, [...(byName.get(env.name) ?? []), env]);
  const out: EnvironmentImageInventory[] = [];
  for (const [name, charts] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // Every name in byName came with its first chart.
    const profile = charts[0]!.profile;
    const pins = profile.imageDigests ?? {};
    const uses = new Map<string, Set<string>>();
    for (const env of charts) {
      for (const d of env.documents) {
        forEachContainer(d.object, (c) => {
          const written = c.image as string;
          uses.set(written, (uses.get(written) ?? new Set<string>()).add(d.id));
        });
      }
    }
    const images: InventoryImage[] = [];
    const usedKeys = new Set<string>();
    for (const [written, ids] of uses) {
      const { repository, tag, digest } = splitImage(written);
      const key = tag !== undefined ? `${repository}:${tag}` : repository;
      const pinnedByTable = digest !== undefined && pins[key] === digest;
      if (pinnedByTable) usedKeys.add(key);
      if (digest === undefined && pins[key] !== undefined) usedKeys.add(key);
      const { pinning, accepted } = imagePinning(written, profile.imagePolicy);
      images.push({ reference: pinnedByTable ? key : written, written, pinning, pinnedByTable, accepted, usedBy: [...ids].sort() });
    }
    images.sort((a, b) => (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
    const rejected = images.filter((i) => !i.accepted);
    out.push({
      environment: name,
      policy: describeImagePolicy(profile.imagePolicy),
      images,
      missing: rejected.filter((i) => splitImage(i.written).tag !== undefined).map((i) => i.written),
      untagged: rejected.filter((i) => splitImage(i.written).tag === undefined).map((i) => i.written),
      unusedPins: Object.keys(pins)
        .filter((k) => !usedKeys.has(k))
        .sort(),
    });
  }
  return out;
}

export interface ImageInventoryFormatOptions {
  /** The command that runs synth, named in the text (`<command> images`). @default DEFAULT_SYNTH_COMMAND */
  readonly command?: string;
}

function status(i: InventoryImage): string {
  if (!i.accepted) return 'NOT PINNED';
  if (i.pinning === 'digest') return i.pinnedByTable ? 'pinned by profile.imageDigests' : 'pinned by its reference';
  return i.pinning === 'tag' ? 'tag (accepted)' : 'latest (accepted)';
}

/** One `profile.imageDigests` entry with the digest still to fill in, as TypeScript. */
export function digestTableEntry(key: string): string {
  return `'${key}': '${DIGEST_PLACEHOLDER}',`;
}

/**
 * The inventory as text: per environment every image with its status and the objects that run it, then the
 * entries to add to `profile.imageDigests` (TypeScript, ready to paste; each `<digest>` is the image's digest,
 * e.g. from `crane digest <image>`).
 */
export function formatImageInventory(inventory: readonly EnvironmentImageInventory[], options: ImageInventoryFormatOptions = {}): string {
  const command = options.command ?? DEFAULT_SYNTH_COMMAND;
  const lines: string[] = [];
  for (const env of inventory) {
    const notPinned = env.images.filter((i) => !i.accepted).length;
    lines.push(
      `${env.environment} (image policy: ${env.policy}): ${env.images.length} image(s), ${notPinned === 0 ? 'all pinned as required' : `${notPinned} not pinned as required`}`,
    );
    const width = Math.max(0, ...env.images.map((i) => i.reference.length));
    for (const i of env.images) {
      const more = i.usedBy.length > 1 ? ` and ${i.usedBy.length - 1} more` : '';
      lines.push(`  ${i.reference.padEnd(width)}  ${status(i)}  (${i.usedBy[0]}${more})`);
    }
    if (env.missing.length > 0) {
      lines.push('', `  Add to profile.imageDigests of ${env.environment}, with each image's digest in place of <digest> (e.g. \`crane digest <image>\`):`);
      for (const key of env.missing) lines.push(`    ${digestTableEntry(key)}`);
    }
    if (env.untagged.length > 0) {
      lines.push('', `  Not pinnable through profile.imageDigests (no tag; reference these by digest, repository@sha256:...): ${env.untagged.join(', ')}`);
    }
    if (env.unusedPins.length > 0) lines.push('', `  Entries of profile.imageDigests no image of ${env.environment} uses: ${env.unusedPins.join(', ')}`);
    lines.push('');
  }
  const missing = inventory.reduce((n, e) => n + e.missing.length + e.untagged.length, 0);
  lines.push(
    missing === 0
      ? "Every image is pinned as its environment's image policy requires."
      : `After adding the entries, \`${command}\` synthesizes with every image pinned as required; \`${command} images\` shows this list again.`,
  );
  return `${lines.join('\n')}\n`;
}
