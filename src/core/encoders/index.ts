// One encoder per output format: every value that may come from input reaches a script or a configuration file
// through one of these (or as an environment variable the script quotes), never by concatenation. Internal to the
// library; docs/security.md says what is guaranteed.
export { alertmanagerMatcher } from './alertmanager';
export type { FluentBitEnvRef, FluentBitSection } from './fluent-bit';
export { fluentBitEnvRef, fluentBitValueProblem, renderFluentBitConfig } from './fluent-bit';
export { goTemplateText } from './go-template';
export { haproxyWord } from './haproxy';
export { jsonText } from './json';
export { POSTGRES_CONF_DIRECTIVES, POSTGRES_PARAMETER_NAME, postgresConfLine, postgresParameterNameProblem, postgresParameterValueProblem } from './postgresql';
export { expandingEnv, kubernetesExpand, kubernetesLiteral, literalEnv, shellQuote } from './shell';
export { clickhouseString, postgresIdentifier, postgresLiteral } from './sql';
export { endpointUrl, objectStoreUrl, urlPathSegment } from './url';
export { xmlElement, xmlName, xmlText, xmlTextProblem } from './xml';
export { configYaml } from './yaml';
