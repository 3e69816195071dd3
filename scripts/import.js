#!/usr/bin/env node
/**
 * Regenerates imports/ from the upstream schemas and chart data in ../shared, with no network.
 *
 * Only what this script writes is committed; the upstream files themselves stay in ../shared (see
 * ../shared/schemas/SOURCES.md and ../shared/charts/SOURCES.md for where each comes from).
 *
 * `cdk8s import k8s` always downloads, and `cdk8s import` given several CRD files keeps only the first
 * and overwrites files of the same API group. So this script drives cdk8s-cli's own generators directly:
 * - k8s.ts from schemas/k8s/v1.27.0/_definitions.json (same code path as `cdk8s import k8s@1.27.0`);
 * - one file per API group from every CRD of that group, merged into one manifest, keeping only
 *   the served versions, most stable first (v1 before v1beta1 before v1alpha1), so the unsuffixed class is the
 *   version we emit;
 * - validation-kinds.json: the scope of every kind of validation-schemas.json (namespaced; core or CRD), without schemas
 * - validation-schemas.json: the Kubernetes 1.27 definitions and every served CRD version, for synth-time
 *   validation (CRD validation rules, list types, map keys and defaults are kept: the validator enforces them);
 * - cel-programs.json: every CEL expression of those schemas (rules and messageExpressions), parsed once here into
 *   the CEL syntax tree (protobuf binary, base64), so synth plans a rule without loading and running the CEL parser;
 * - chart-values.json: per add-on chart folder, the published chart version, repository and chart name, the
 *   Kubernetes versions it installs on (Chart.yaml `kubeVersion`), its values.schema.json where upstream ships one,
 *   the key tree of its default values, and the value paths that default to the ClusterRole cluster-admin.
 *
 * Usage: node scripts/import.js [--shared DIR] [--out DIR]
 *   --shared DIR  the shared data folder (default: ../shared next to the repository)
 *   --out DIR     where to write (default: imports); every *.ts and *.json already there is replaced
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { parseArgs } = require('util');
const yaml = require('js-yaml');
const { createRequire } = require('module');

const root = path.resolve(__dirname, '..');
// cdk8s-cli does not export its generators; load them (and their own dependencies) from its folder.
const cliDir = path.join(root, 'node_modules/cdk8s-cli');
const cliRequire = createRequire(path.join(cliDir, 'package.json'));
const { CodeMaker } = cliRequire('codemaker');
const { TypeGenerator } = cliRequire('json2jsii');
const { ImportCustomResourceDefinition } = cliRequire('./lib/import/crd');
const { findApiObjectDefinitions } = cliRequire('./lib/import/k8s');
const codegen = cliRequire('./lib/import/codegen');
const { parseApiTypeName, safeParseJsonSchema } = cliRequire('./lib/import/k8s-util');

const { values: args } = parseArgs({
  options: { shared: { type: 'string' }, out: { type: 'string' } },
  strict: true,
  allowPositionals: false,
});
const shared = path.resolve(root, args.shared ?? '../shared');
const outdir = path.resolve(root, args.out ?? 'imports');
const K8S_SCHEMA = path.join(shared, 'schemas/k8s/v1.27.0/_definitions.json');
const CRD_DIR = path.join(shared, 'schemas/crds');
const CHART_DIR = path.join(shared, 'charts');

for (const p of [K8S_SCHEMA, CRD_DIR, CHART_DIR]) {
  if (!fs.existsSync(p)) {
    console.error(`import: ${p} not found; pass --shared DIR (the folder holding schemas/ and charts/)`);
    process.exit(2);
  }
}

async function importK8s() {
  const schema = safeParseJsonSchema(fs.readFileSync(K8S_SCHEMA, 'utf8'));
  const code = new CodeMaker();
  code.indentation = 2;
  code.openFile('k8s.ts');
  const topLevelObjects = findApiObjectDefinitions(schema, 'Kube');
  const typeGenerator = new TypeGenerator({
    definitions: schema.definitions,
    renderTypeName: (def) => {
      const parsed = parseApiTypeName(def);
      return parsed.version ? codegen.getTypeName(false, parsed.basename, parsed.version.raw) : parsed.basename;
    },
  });
  for (const o of topLevelObjects) {
    typeGenerator.addDefinition(o.fqn, { $ref: `#/definitions/${codegen.getPropsTypeName(o)}` });
  }
  for (const o of topLevelObjects) codegen.generateConstruct(typeGenerator, o);
  codegen.emitHeader(code, false);
  code.line(typeGenerator.render());
  code.closeFile('k8s.ts');
  await code.save(outdir);
  console.log('k8s.ts');
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first (as kubectl orders them). */
function versionRank(name) {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(name);
  if (!m) return [3, 0, 0];
  const level = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
  return [level, -Number(m[1]), -Number(m[3] ?? 0)];
}

function compareVersions(a, b) {
  const ra = versionRank(a);
  const rb = versionRank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Served versions only, most stable first, so the unsuffixed class is the version we emit. */
function servedOnly(crd) {
  const versions = crd.spec.versions.filter((v) => v.served);
  versions.sort((a, b) => compareVersions(a.name, b.name));
  return { ...crd, spec: { ...crd.spec, versions } };
}

/** Every CustomResourceDefinition in CRD_DIR, in file order. */
function loadCrds() {
  const out = [];
  for (const file of fs
    .readdirSync(CRD_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of yaml.loadAll(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'))) {
      if (!doc || doc.kind !== 'CustomResourceDefinition') continue;
      out.push(doc);
    }
  }
  return out;
}

async function importCrds(crds) {
  const byGroup = new Map();
  for (const doc of crds) {
    const g = doc.spec.group;
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g).push(servedOnly(doc));
  }
  for (const [group, list] of [...byGroup].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const manifest = list.map((c) => yaml.dump(c, { noRefs: true, lineWidth: -1 })).join('---\n');
    const importer = new ImportCustomResourceDefinition(manifest);
    await importer.import({ outdir, targetLanguage: 'typescript' });
    console.log(`${group}.ts`);
  }
}

/**
 * cdk8s-cli's generated `toJson_*` functions drop undefined fields with
 * `Object.entries(x).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})`, which copies the
 * object once per field (quadratic in its field count, and run for every object at every synth). Each bindings file
 * gets one linear helper with the same result (same keys, same order) in its place.
 */
const QUADRATIC_OMIT = /Object\.entries\(([\w.?]+)\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: i\[1\] \}\), \{\}\)/g;
/** imports/omit-undefined.ts: the helper every bindings file imports in place of the generator's reduce. */
const OMIT_HELPER_FILE = 'omit-undefined.ts';
const OMIT_HELPER = [
  '// generated by scripts/import.js',
  "/** `obj` without its undefined values (linear; replaces the generator's spread in a reduce, see scripts/import.js). */",
  'export function omitUndefined(obj: { [key: string]: any }): { [key: string]: any } {',
  '  const out: { [key: string]: any } = {};',
  '  for (const k of Object.keys(obj)) {',
  '    const v = obj[k];',
  '    if (v !== undefined) out[k] = v;',
  '  }',
  '  return out;',
  '}',
  '',
].join('\n');

function linearizeToJson() {
  for (const file of fs
    .readdirSync(outdir)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const full = path.join(outdir, file);
    const text = fs.readFileSync(full, 'utf8');
    let count = 0;
    const body = text.replace(QUADRATIC_OMIT, (_, expr) => {
      count++;
      return `omitUndefined(${expr})`;
    });
    if (count === 0) continue;
    // Imported after the import lines at the top of the file.
    const lines = body.split('\n');
    let at = 0;
    while (at < lines.length && (lines[at].startsWith('//') || lines[at].startsWith('import '))) at++;
    lines.splice(at, 0, "import { omitUndefined } from './omit-undefined';");
    fs.writeFileSync(full, lines.join('\n'));
  }
  fs.writeFileSync(path.join(outdir, OMIT_HELPER_FILE), OMIT_HELPER);
}

/** Core kinds that are cluster-scoped (the definitions file does not record scope). */
const CLUSTER_SCOPED_CORE = new Set([
  'v1/Namespace',
  'v1/Node',
  'v1/PersistentVolume',
  'v1/ComponentStatus',
  'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'storage.k8s.io/v1/StorageClass',
  'storage.k8s.io/v1/CSIDriver',
  'storage.k8s.io/v1/CSINode',
  'storage.k8s.io/v1/VolumeAttachment',
  'scheduling.k8s.io/v1/PriorityClass',
  'node.k8s.io/v1/RuntimeClass',
  'networking.k8s.io/v1/IngressClass',
  'networking.k8s.io/v1alpha1/ClusterCIDR',
  'networking.k8s.io/v1alpha1/IPAddress',
  'apiextensions.k8s.io/v1/CustomResourceDefinition',
  'apiregistration.k8s.io/v1/APIService',
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1alpha1/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/v1alpha1/ValidatingAdmissionPolicyBinding',
  'certificates.k8s.io/v1/CertificateSigningRequest',
  'certificates.k8s.io/v1alpha1/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/v1beta2/FlowSchema',
  'flowcontrol.apiserver.k8s.io/v1beta2/PriorityLevelConfiguration',
  'flowcontrol.apiserver.k8s.io/v1beta3/FlowSchema',
  'flowcontrol.apiserver.k8s.io/v1beta3/PriorityLevelConfiguration',
  'resource.k8s.io/v1alpha2/ResourceClass',
  'internal.apiserver.k8s.io/v1alpha1/StorageVersion',
  'authentication.k8s.io/v1/TokenReview',
  'authentication.k8s.io/v1beta1/SelfSubjectReview',
  'authentication.k8s.io/v1alpha1/SelfSubjectReview',
  'authorization.k8s.io/v1/SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview',
  'authorization.k8s.io/v1/SubjectAccessReview',
]);

/** Documentation and patch-strategy keywords: never read by the validator. */
const DOC_KEYWORDS = new Set([
  'description',
  'example',
  'examples',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-map-type',
  'x-kubernetes-group-version-kind',
  'x-kubernetes-unions',
  '$schema',
  'title',
  '$comment',
]);

/**
 * Drops documentation-only keywords so the bundle stays small; keys of `properties`/`definitions`/`$defs` maps are
 * names, not keywords, and are kept. `keepDefault` keeps `default` (CRD structural defaults, which the API server
 * applies before it evaluates validation rules); `x-kubernetes-validations` keep only what the rule needs.
 */
function strip(node, keepDefault) {
  if (Array.isArray(node)) return node.map((n) => strip(n, keepDefault));
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const key of Object.keys(node).sort()) {
    if (DOC_KEYWORDS.has(key) || (key === 'default' && !keepDefault)) continue;
    const v = node[key];
    if (['properties', 'definitions', '$defs', 'patternProperties', 'dependencies', 'dependentSchemas'].includes(key)) {
      const props = {};
      for (const p of Object.keys(v).sort()) props[p] = strip(v[p], keepDefault);
      out[key] = props;
    } else if (key === 'default' || key === 'enum' || key === 'const') {
      out[key] = v; // data, not schema
    } else if (key === 'x-kubernetes-validations') {
      out[key] = v.map((r) => {
        const rule = {};
        for (const f of ['fieldPath', 'message', 'messageExpression', 'optionalOldSelf', 'reason', 'rule']) {
          if (r[f] !== undefined) rule[f] = r[f];
        }
        return rule;
      });
    } else {
      out[key] = strip(v, keepDefault);
    }
  }
  return out;
}

function sortedObject(obj) {
  const out = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k];
  return out;
}

/** imports/validation-schemas.json: the Kubernetes 1.27 definitions and served CRD versions, for synth-time validation. */
function writeSchemaBundle(crdDocs) {
  const defs = JSON.parse(fs.readFileSync(K8S_SCHEMA, 'utf8')).definitions;
  const kinds = {};
  for (const name of Object.keys(defs).sort()) {
    const def = defs[name];
    const gvks = def['x-kubernetes-group-version-kind'];
    if (!gvks || !def.properties || !def.properties.metadata) continue;
    for (const { group, version, kind } of gvks) {
      const apiVersion = group ? `${group}/${version}` : version;
      const key = `${apiVersion}/${kind}`;
      kinds[key] = { definition: name, namespaced: !CLUSTER_SCOPED_CORE.has(key) };
    }
  }
  const crds = {};
  for (const doc of crdDocs) {
    for (const v of doc.spec.versions.filter((x) => x.served)) {
      const key = `${doc.spec.group}/${v.name}/${doc.spec.names.kind}`;
      if (crds[key]) throw new Error(`${key} is defined by two CRD files`);
      crds[key] = {
        namespaced: doc.spec.scope === 'Namespaced',
        schema: strip(v.schema.openAPIV3Schema, true),
      };
    }
  }
  const bundle = {
    k8s: { definitions: strip({ definitions: defs }, false).definitions, kinds: sortedObject(kinds) },
    crds: sortedObject(crds),
  };
  fs.writeFileSync(path.join(outdir, 'validation-schemas.json'), JSON.stringify(bundle) + '\n');
  console.log('validation-schemas.json');
  // The scope of every kind, without its schema: what synth needs before (and mostly instead of) the 1.8 MB bundle.
  const index = {};
  for (const [key, k] of Object.entries(kinds)) index[key] = { namespaced: k.namespaced, structural: false };
  for (const [key, c] of Object.entries(crds)) index[key] = { namespaced: c.namespaced, structural: true };
  fs.writeFileSync(path.join(outdir, 'validation-kinds.json'), JSON.stringify(sortedObject(index)) + '\n');
  console.log('validation-kinds.json');
  writeCelPrograms(bundle);
}

/**
 * imports/cel-programs.json: each CEL expression of the bundle (x-kubernetes-validations rule and
 * messageExpression) parsed into its syntax tree, `cel.expr.ParsedExpr` in protobuf binary, base64. Synth plans rules
 * from these (decoding is several times faster than parsing); an expression missing here is parsed at synth. Expressions that do not parse are left out:
 * synth reports them.
 */
function writeCelPrograms(bundle) {
  const cel = require('@bufbuild/cel');
  const { toBinary } = require('@bufbuild/protobuf');
  const { ParsedExprSchema } = require('@bufbuild/cel-spec/cel/expr/syntax_pb.js');
  const texts = new Set();
  (function walk(node) {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const rules = node['x-kubernetes-validations'];
    for (const r of Array.isArray(rules) ? rules : []) {
      texts.add(r.rule);
      if (r.messageExpression) texts.add(r.messageExpression);
    }
    for (const k of Object.keys(node)) walk(node[k]);
  })(bundle);
  const programs = {};
  for (const text of [...texts].sort()) {
    let parsed;
    try {
      parsed = cel.parse(text);
    } catch {
      continue;
    }
    programs[text] = Buffer.from(toBinary(ParsedExprSchema, parsed)).toString('base64');
  }
  // The version of the parser that wrote them (the package does not export its package.json).
  const { version } = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('@bufbuild/cel')), '../../package.json'), 'utf8'));
  fs.writeFileSync(path.join(outdir, 'cel-programs.json'), JSON.stringify({ cel: version, programs }) + '\n');
  console.log('cel-programs.json');
}

/** Rows of the table in charts/SOURCES.md, keyed by its header names. */
function readChartSources() {
  const text = fs.readFileSync(path.join(CHART_DIR, 'SOURCES.md'), 'utf8');
  const lines = text.split('\n').filter((l) => l.startsWith('|'));
  const cells = (l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const header = cells(lines[0] ?? '');
  for (const col of ['folder', 'chart version', 'Helm repository', 'source repo', 'path', 'tag', 'commit']) {
    if (!header.includes(col)) throw new Error(`${CHART_DIR}/SOURCES.md: the table has no "${col}" column`);
  }
  return lines.slice(2).map((l) => {
    const row = {};
    cells(l).forEach((c, i) => {
      row[header[i]] = c;
    });
    return row;
  });
}

/** `https://host/path (chart name)` or `oci://host/path/name`: the repository as written and the chart's name. */
function parseRepository(folder, text) {
  const helm = /^(https?:\/\/\S+) \(chart ([^)\s]+)\)$/.exec(text);
  if (helm) return { repository: helm[1], chart: helm[2], oci: false };
  const oci = /^(oci:\/\/\S+)$/.exec(text);
  if (oci) return { repository: oci[1], chart: oci[1].slice(oci[1].lastIndexOf('/') + 1), oci: true };
  throw new Error(`charts/SOURCES.md: folder ${folder}: cannot read the Helm repository "${text}"`);
}

/**
 * The key tree of a chart's default values: an object with keys maps each key to its subtree; leaves are the
 * type of the default ('string', 'number', 'boolean', 'list'), 'map' for an empty object (a free-form map such
 * as `nodeSelector: {}`), 'any' for a null default (left to the user; any type, e.g. `affinity: null`).
 */
function keyTree(value) {
  if (value === null || value === undefined) return 'any';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return 'map';
    const out = {};
    for (const k of keys) out[k] = keyTree(value[k]);
    return out;
  }
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'string';
}

/**
 * Dotted paths of the default values whose value is the built-in ClusterRole `cluster-admin` (Velero's
 * `rbac.clusterAdministratorName`): what a chart binds to its service account unless told otherwise.
 */
function clusterAdminPaths(value, prefix = '') {
  if (value === 'cluster-admin') return [prefix];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value)
    .sort()
    .flatMap((k) => clusterAdminPaths(value[k], prefix === '' ? k : `${prefix}.${k}`));
}

/** imports/chart-values.json: what add-on constructs need to check chart values at synth, without ../shared. */
function writeChartData() {
  const charts = {};
  const rows = readChartSources();
  const folders = fs
    .readdirSync(CHART_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const folder of folders) {
    const row = rows.find((r) => r.folder === folder);
    if (!row) throw new Error(`charts/${folder} has no row in charts/SOURCES.md`);
    const dir = path.join(CHART_DIR, folder);
    const chartYaml = yaml.load(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8'));
    const valuesFile = ['values.yaml', 'values.tmpl.yaml'].find((f) => fs.existsSync(path.join(dir, f)));
    if (!valuesFile) throw new Error(`charts/${folder} has no values.yaml`);
    const defaults = yaml.load(fs.readFileSync(path.join(dir, valuesFile), 'utf8')) ?? {};
    const schemaFile = path.join(dir, 'values.schema.json');
    const { repository, chart, oci } = parseRepository(folder, row['Helm repository']);
    if (chart !== chartYaml.name) {
      throw new Error(`charts/${folder}: SOURCES.md names chart "${chart}" but Chart.yaml names "${chartYaml.name}"`);
    }
    charts[folder] = {
      chart,
      version: row['chart version'],
      repository,
      oci,
      source: { repo: row['source repo'], path: row.path, tag: row.tag, commit: row.commit },
      // Helm refuses to install a chart on a cluster outside this constraint (Masterminds semver syntax).
      kubeVersion: typeof chartYaml.kubeVersion === 'string' ? chartYaml.kubeVersion.trim() : null,
      valuesSchema: fs.existsSync(schemaFile) ? strip(JSON.parse(fs.readFileSync(schemaFile, 'utf8')), false) : null,
      defaultValueKeys: keyTree(defaults),
      // The policy gate refuses an add-on that leaves these at cluster-admin without a declared reason.
      clusterAdminDefaults: clusterAdminPaths(defaults),
    };
  }
  for (const r of rows) if (!charts[r.folder]) throw new Error(`charts/SOURCES.md lists ${r.folder}, which has no folder`);
  fs.writeFileSync(path.join(outdir, 'chart-values.json'), JSON.stringify({ charts }) + '\n');
  console.log('chart-values.json');
}

(async () => {
  fs.mkdirSync(outdir, { recursive: true });
  // Everything here is generated: remove what an earlier run wrote so a dropped API group leaves no stale file.
  for (const f of fs.readdirSync(outdir)) if (/\.(ts|json)$/.test(f)) fs.rmSync(path.join(outdir, f));
  const crds = loadCrds();
  await importK8s();
  await importCrds(crds);
  linearizeToJson();
  writeSchemaBundle(crds);
  writeChartData();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
