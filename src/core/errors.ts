import { IConstruct } from 'constructs';

/** Formats a value for an error message: strings quoted, objects as compact JSON, long values cut. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  const s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * A mistake in the input of a construct. The message always names the construct path, the field, the value
 * received and what is allowed, so a user can fix it without reading the library's code:
 *
 *   `production/backend/api-gateway: image: got "api-gateway:latest"; the production image policy forbids "latest": pin a version tag or a digest`
 */
export class PlatformConfigError extends Error {
  public constructor(
    public readonly constructPath: string,
    public readonly field: string,
    public readonly value: unknown,
    public readonly allowed: string,
    /** How the message shows what was received, when a plain rendering of `value` would mislead. @default showValue(value) */
    shown?: string,
  ) {
    super(`${constructPath}: ${field}: got ${shown ?? showValue(value)}; ${allowed}`);
    this.name = 'PlatformConfigError';
  }
}

/** Throws a {@link PlatformConfigError} for `scope` (its construct path is used). */
export function fail(scope: IConstruct | string, field: string, value: unknown, allowed: string): never {
  const path = typeof scope === 'string' ? scope : scope.node.path;
  throw new PlatformConfigError(path, field, value, allowed);
}

/**
 * A mistake in how the library is used that has no single field (an object without a name, a construct outside
 * an environment chart). Like {@link PlatformConfigError} it is the user's to fix: synth prints it without a stack.
 */
export class PlatformUsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'PlatformUsageError';
  }
}

/**
 * `id`, after checking that `scope` has no child with that id yet: constructs would otherwise throw a bare
 * "There is already a Construct with name ..." error. Use it in constructors: `super(scope, uniqueId(scope, id))`.
 */
export function uniqueId(scope: IConstruct, id: string): string {
  const existing = scope.node.tryFindChild(id);
  if (existing) {
    const where = scope.node.path || 'the app';
    fail(
      scope.node.path ? `${scope.node.path}/${id}` : id,
      'id',
      id,
      `${where} already has a construct with this id (a ${existing.constructor.name}); construct ids are API (they name objects' construct paths): give each construct its own id`,
    );
  }
  return id;
}
