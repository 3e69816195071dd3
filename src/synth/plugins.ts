import { SynthPlugin } from './synthesizer';

/**
 * The plugins every synth runs, in order: checks first (they can stop synth), then reports.
 * Issues add theirs here (policy gate, prune guard, environment README).
 */
export function defaultPlugins(): SynthPlugin[] {
  return [];
}
