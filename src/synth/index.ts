// The public API of synthesis: synthesize an app into dist/ atomically (with the default plugins), validate documents
// against the schemas, and the plugin contract. The YAML writer, the fast serializer and image pinning stay internal.
export { SynthError, synthesize, synthesizeToJson } from './synthesizer';
export type {
  CheckResult, EnvironmentOutput, SynthContext, SynthDocument, SynthOptions, SynthPlugin, SynthResult, SynthStage,
} from './synthesizer';
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
export { MAX_ALIAS_COUNT, MAX_INPUT_BYTES, readInputDocument } from './input-yaml';
export type { InputDocument, InputYamlOptions } from './input-yaml';
