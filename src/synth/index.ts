// The public API of synthesis: the entry point of an app (runSynth), synthesize an app into dist/ atomically (with the
// default plugins), the image inventory, validate documents against the schemas, and the plugin contract. The YAML
// writer, the fast serializer, image pinning and the command-line parser stay internal.
export { DEFAULT_SYNTH_COMMAND, SynthError, synthesize, synthesizeToJson } from './synthesizer';
export type {
  CheckResult,
  EnvironmentOutput,
  SynthContext,
  SynthDocument,
  SynthErrorOptions,
  SynthOptions,
  SynthPlugin,
  SynthResult,
  SynthStage,
} from './synthesizer';
export { DEFAULT_OUTDIR, runSynth } from './run-synth';
export type { PlatformAppSource, RunSynthOptions } from './run-synth';
export { formatImageInventory, imageInventory } from './image-inventory';
export type { EnvironmentImageInventory, ImageInventoryFormatOptions, InventoryImage } from './image-inventory';
export { SchemaValidator } from './schema-validator';
export type { Problem } from './schema-validator';
export { SchemaRegistry } from './schema-registry';
export type { KindInfo, SchemaBundle, SchemaNode } from './schema-registry';
export { defaultPlugins } from './plugins';
export type { DefaultPluginOptions } from './plugins';
export { ALLOW_PRUNE_FLAG, PROTECTED_KINDS, pruneGuard } from './plugins/prune-guard';
export type { ProtectedRemoval, PruneGuardOptions } from './plugins/prune-guard';
export { environmentReadmePlugin } from './plugins/environment-readme';
export { synthFailureMessage } from './failure';
export type { SynthFailureOptions } from './failure';
export { MAX_ALIAS_COUNT, MAX_INPUT_BYTES, readInputDocument } from './input-yaml';
export type { InputDocument, InputYamlOptions } from './input-yaml';
export type { InputOrigin, LazyInputOrigin } from './provenance';
