import { IConstruct } from 'constructs';
import { EnvironmentProfile, ImagePolicy } from '../core/environment-profile';
import { fail, showValue } from '../core/errors';

/** Registry host (optional) and path components, as in the distribution reference grammar. */
const REPOSITORY =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * A container image as repository plus tag and/or digest. Kept as parts (not one string) so the image policy
 * of the environment can tell a pinned digest from a moving tag.
 */
export class ImageReference {
  /** `repository:tag`, e.g. `ImageReference.fromTag('ghcr.io/acme/api', '1.4.2')`. */
  public static fromTag(repository: string, tag: string): ImageReference {
    return new ImageReference(repository, tag, undefined);
  }

  /** `repository@sha256:...`: what a digest-only environment (production) requires. */
  public static fromDigest(repository: string, digest: string, tag?: string): ImageReference {
    return new ImageReference(repository, tag, digest);
  }

  /**
   * Parses `repo`, `repo:tag`, `repo@sha256:...` or `repo:tag@sha256:...`. Never throws: the construct that
   * uses the image validates it, so the error names the construct path and field.
   */
  public static parse(reference: string): ImageReference {
    let rest = reference;
    let digest: string | undefined;
    const at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.slice(at + 1);
      rest = rest.slice(0, at);
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(':');
    // A colon before the last slash belongs to a registry port (`registry:5000/app`), not to a tag.
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
    return new ImageReference(rest, tag, digest);
  }

  private constructor(
    public readonly repository: string,
    public readonly tag: string | undefined,
    public readonly digest: string | undefined,
  ) {}

  /** The reference written into `image:`. */
  public get reference(): string {
    return `${this.repository}${this.tag !== undefined ? `:${this.tag}` : ''}${this.digest !== undefined ? `@${this.digest}` : ''}`;
  }

  /**
   * Checks syntax and the environment's image policy; throws a PlatformConfigError naming `scope` (a construct or
   * its path) and `field`. `environment` is used only in the message. A tag with an entry in `pins`
   * (`profile.imageDigests`) counts as pinned by digest: synth writes the digest.
   */
  public validate(scope: IConstruct | string, field: string, policy: ImagePolicy, environment: string, pins?: Readonly<Record<string, string>>): void {
    const p = this.policyProblem(policy, environment, pins);
    if (p) fail(scope, field, this.reference, p.allowed);
  }

  /**
   * What is wrong with this reference under `policy`, or undefined: syntax, then `latest`, then a missing digest
   * (`missingDigest`: the only problem an entry of `profile.imageDigests` fixes).
   * @internal
   */
  public policyProblem(
    policy: ImagePolicy,
    environment: string,
    pins?: Readonly<Record<string, string>>,
  ): { readonly allowed: string; readonly missingDigest: boolean } | undefined {
    const problem = (allowed: string) => ({ allowed, missingDigest: false });
    if (!REPOSITORY.test(this.repository)) {
      return problem('the repository must be lowercase path components separated by "/", optionally after a registry host[:port] (e.g. "ghcr.io/acme/api")');
    }
    if (this.tag !== undefined && !TAG.test(this.tag)) return problem('a tag is 1-128 characters of [A-Za-z0-9_.-] and does not start with "." or "-"');
    if (this.digest !== undefined && !DIGEST.test(this.digest)) return problem('a digest is "sha256:" followed by 64 lowercase hex characters');
    if (policy.forbidLatest && this.digest === undefined) {
      if (this.tag === undefined) return problem(`the ${environment} image policy forbids untagged images (they mean "latest"): pin a version tag or a digest`);
      if (this.tag === 'latest') return problem(`the ${environment} image policy forbids "latest": pin a version tag or a digest`);
    }
    if (policy.requireDigest && this.digest === undefined) {
      const key = `${this.repository}:${this.tag}`;
      if (this.tag !== undefined && DIGEST.test(pins?.[key] ?? '')) return undefined;
      return {
        allowed: `the ${environment} image policy accepts only digests: use "${this.repository}@sha256:<64 hex characters>"${this.tag !== undefined ? ` or add "${key}" to profile.imageDigests` : ''}`,
        missingDigest: true,
      };
    }
    return undefined;
  }
}

/**
 * Checks `image` for a construct: a bad reference throws at once; a tag the environment wants pinned by digest is
 * reported at synth (with every other problem) instead, so that the image inventory can still list the images and
 * print the `profile.imageDigests` entries that fix it.
 */
export function checkImage(scope: IConstruct | string, field: string, image: ImageReference, profile: EnvironmentProfile): void {
  const p = image.policyProblem(profile.imagePolicy, profile.name, profile.imageDigests);
  if (!p) return;
  if (!p.missingDigest || typeof scope === 'string') fail(scope, field, image.reference, p.allowed);
  const message = `${field}: got ${showValue(image.reference)}; ${p.allowed}`;
  scope.node.addValidation({ validate: () => [message] });
}
