#!/usr/bin/env node
/**
 * Regenerates imports/ from the vendored schemas in schemas/, with no network.
 *
 * `cdk8s import k8s` always downloads, and `cdk8s import` given several CRD files keeps only the first
 * and overwrites files of the same API group. So this script drives cdk8s-cli's own generators directly:
 * - k8s.ts from schemas/k8s/v1.27.0/_definitions.json (same code path as `cdk8s import k8s@1.27.0`);
 * - one file per API group from every CRD of that group, merged into one manifest, keeping only
 *   the served versions (storage version first) so the unsuffixed class is the version we emit.
 *
 * Usage: node scripts/import.js [outdir]   (default: imports)
 */
'use strict';
const fs = require('fs');
const path = require('path');
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

const outdir = path.resolve(root, process.argv[2] ?? 'imports');
const K8S_SCHEMA = path.join(root, 'schemas/k8s/v1.27.0/_definitions.json');
const CRD_DIR = path.join(root, 'schemas/crds');

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
  console.log('k8s');
}

/** Served versions only, storage version first, so the unsuffixed class is the one we use. */
function servedOnly(crd) {
  const versions = crd.spec.versions.filter((v) => v.served);
  versions.sort((a, b) => Number(b.storage) - Number(a.storage));
  return { ...crd, spec: { ...crd.spec, versions } };
}

async function importCrds() {
  const byGroup = new Map();
  for (const file of fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of yaml.loadAll(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'))) {
      if (!doc || doc.kind !== 'CustomResourceDefinition') continue;
      const g = doc.spec.group;
      if (!byGroup.has(g)) byGroup.set(g, []);
      byGroup.get(g).push(servedOnly(doc));
    }
  }
  for (const [group, crds] of [...byGroup].sort(([a], [b]) => a.localeCompare(b))) {
    const manifest = crds.map((c) => yaml.dump(c, { noRefs: true, lineWidth: -1 })).join('---\n');
    const importer = new ImportCustomResourceDefinition(manifest);
    await importer.import({ outdir, targetLanguage: 'typescript' });
    void group;
  }
}

/** Core kinds that are cluster-scoped (the definitions file does not record scope). */
const CLUSTER_SCOPED_CORE = new Set([
  'v1/Namespace', 'v1/Node', 'v1/PersistentVolume', 'v1/ComponentStatus',
  'rbac.authorization.k8s.io/v1/ClusterRole', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'storage.k8s.io/v1/StorageClass', 'storage.k8s.io/v1/CSIDriver', 'storage.k8s.io/v1/CSINode',
  'storage.k8s.io/v1/VolumeAttachment', 'scheduling.k8s.io/v1/PriorityClass', 'node.k8s.io/v1/RuntimeClass',
  'networking.k8s.io/v1/IngressClass', 'networking.k8s.io/v1alpha1/ClusterCIDR',
  'networking.k8s.io/v1alpha1/IPAddress',
  'apiextensions.k8s.io/v1/CustomResourceDefinition', 'apiregistration.k8s.io/v1/APIService',
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1alpha1/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/v1alpha1/ValidatingAdmissionPolicyBinding',
  'certificates.k8s.io/v1/CertificateSigningRequest', 'certificates.k8s.io/v1alpha1/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/v1beta2/FlowSchema', 'flowcontrol.apiserver.k8s.io/v1beta2/PriorityLevelConfiguration',
  'flowcontrol.apiserver.k8s.io/v1beta3/FlowSchema', 'flowcontrol.apiserver.k8s.io/v1beta3/PriorityLevelConfiguration',
  'resource.k8s.io/v1alpha2/ResourceClass', 'internal.apiserver.k8s.io/v1alpha1/StorageVersion',
  'authentication.k8s.io/v1/TokenReview', 'authentication.k8s.io/v1beta1/SelfSubjectReview',
  'authentication.k8s.io/v1alpha1/SelfSubjectReview',
  'authorization.k8s.io/v1/SelfSubjectAccessReview', 'authorization.k8s.io/v1/SelfSubjectRulesReview',
  'authorization.k8s.io/v1/SubjectAccessReview',
]);

/** Drops documentation-only keywords so the bundle stays small; `properties` maps keep their keys. */
function strip(node) {
  if (Array.isArray(node)) return node.map(strip);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const key of Object.keys(node).sort()) {
    if (['description', 'example', 'default', 'x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key',
      'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-validations',
      'x-kubernetes-group-version-kind', 'x-kubernetes-unions', '$schema', 'title'].includes(key)) continue;
    const v = node[key];
    if (key === 'properties' || key === 'definitions') {
      const props = {};
      for (const p of Object.keys(v).sort()) props[p] = strip(v[p]);
      out[key] = props;
    } else {
      out[key] = strip(v);
    }
  }
  return out;
}

/** imports/validation-schemas.json: the Kubernetes 1.27 definitions and served CRD versions, for synth-time validation. */
function writeSchemaBundle() {
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
  for (const file of fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of yaml.loadAll(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'))) {
      if (!doc || doc.kind !== 'CustomResourceDefinition') continue;
      for (const v of doc.spec.versions.filter((x) => x.served)) {
        crds[`${doc.spec.group}/${v.name}/${doc.spec.names.kind}`] = {
          namespaced: doc.spec.scope === 'Namespaced',
          schema: strip(v.schema.openAPIV3Schema),
        };
      }
    }
  }
  const sortedKinds = {};
  for (const k of Object.keys(kinds).sort()) sortedKinds[k] = kinds[k];
  const sortedCrds = {};
  for (const k of Object.keys(crds).sort()) sortedCrds[k] = crds[k];
  const bundle = { k8s: { definitions: strip({ definitions: defs }).definitions, kinds: sortedKinds }, crds: sortedCrds };
  fs.writeFileSync(path.join(outdir, 'validation-schemas.json'), JSON.stringify(bundle) + '\n');
  console.log('validation-schemas.json');
}

(async () => {
  fs.mkdirSync(outdir, { recursive: true });
  await importK8s();
  await importCrds();
  writeSchemaBundle();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
