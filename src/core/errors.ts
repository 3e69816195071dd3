import { IConstruct } from 'constructs';

/** Formats a value for an error message: strings quoted, objects as compact JSON, long values cut. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
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
  ) {
    super(`${constructPath}: ${field}: got ${showValue(value)}; ${allowed}`);
    this.name = 'PlatformConfigError';
  }
}

/** Throws a {@link PlatformConfigError} for `scope` (its construct path is used). */
export function fail(scope: IConstruct | string, field: string, value: unknown, allowed: string): never {
  const path = typeof scope === 'string' ? scope : scope.node.path;
  throw new PlatformConfigError(path, field, value, allowed);
}
