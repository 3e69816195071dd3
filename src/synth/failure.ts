/**
 * How a failed synth is told to the user: a mistake of theirs (bad input, a violated policy) as its message
 * alone, since a stack trace into the library only hides it; anything else as an internal error with its stack.
 */
import { PlatformConfigError, PlatformUsageError } from '../core/errors';
import { outputLabel, SynthError } from './synthesizer';

/** constructs' own message for a reused id, for scopes that are not the library's constructs (raw ApiObjects). */
const DUPLICATE_ID = /^There is already a Construct with name '([^']*)' in (\S+)(?: \[([^\]]*)\])?/;

/** True for errors the user fixes in their input: the message says what and where, a stack adds nothing. */
export function isUserMistake(e: unknown): boolean {
  return e instanceof PlatformConfigError || e instanceof PlatformUsageError || e instanceof SynthError || (e instanceof Error && DUPLICATE_ID.test(e.message));
}

export interface SynthFailureOptions {
  /**
   * The output directory synth was to write (named as left unchanged); a {@link SynthError} names its own.
   * @default - "the output folder"
   */
  readonly outdir?: string;
}

/** The text to print for an error that stopped synth (the output directory is unchanged in every case). */
export function synthFailureMessage(e: unknown, options: SynthFailureOptions = {}): string {
  if (e instanceof SynthError) return e.message;
  const unchanged = `${outputLabel(options.outdir)} was left unchanged`;
  if (e instanceof PlatformConfigError || e instanceof PlatformUsageError) return `synth failed; ${unchanged}:\n  ${e.message}`;
  const dup = e instanceof Error ? DUPLICATE_ID.exec(e.message) : null;
  if (dup) {
    const scope = dup[3] ?? dup[2];
    return `synth failed; ${unchanged}:\n  ${scope}/${dup[1]}: id: got ${JSON.stringify(dup[1])}; ${scope} already has a construct with this id; construct ids are API (they name objects' construct paths): give each construct its own id`;
  }
  const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  return `synth failed; ${unchanged}. This is an internal error of the platform library (not a mistake in your input); please report it with this trace:\n${detail}`;
}
