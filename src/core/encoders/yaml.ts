/**
 * YAML configuration files inside ConfigMaps (prometheus.yml, rule files, alertmanager.yml, Grafana provisioning,
 * the OpenTelemetry Collector's and Jaeger's config.yaml): documents are built as data and dumped here, so no value
 * is ever read as YAML syntax. Keys keep the order they are written in (`alert` before `expr`, as people read rule
 * files), and strings Go's YAML 1.1 decoder would read as something else are quoted.
 */
import * as yaml from 'js-yaml';
import { isYaml11Ambiguous } from '../../synth/yaml';
import { yamlWriter } from './yaml-writer';

const YAML11_COMPAT = new yaml.Type('tag:cdk8s-platform/config-yaml11', {
  kind: 'scalar',
  resolve: (data: string) => typeof data === 'string' && isYaml11Ambiguous(data),
  construct: (data: string) => data,
});
const CONFIG_SCHEMA = yaml.DEFAULT_SCHEMA.extend({ implicit: [YAML11_COMPAT] });

/** A configuration document as YAML text. */
export const configYaml: (doc: unknown) => string = yamlWriter({ schema: CONFIG_SCHEMA });
