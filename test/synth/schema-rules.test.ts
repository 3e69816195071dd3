import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { EnvironmentChart, SchemaRegistry, SchemaValidator, SynthError, synthesize, synthesizeToJson } from '../../src';
import { parse, plan, celEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { ParsedExprSchema } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import { fromBinary } from '@bufbuild/protobuf';
import { CEL_FUNCTIONS, escapePropertyName, expressionFacts, ruleInventory } from '../../src/synth/schema-cel';
import { environmentRules, renderValidationReport, validationReportPlugin } from '../../src/synth/schema-report';
import type { SchemaBundle, SchemaNode } from '../../src/synth/schema-registry';
import { development } from '../helpers';

const v = new SchemaValidator();

function messages(doc: Record<string, any>, validator = v): string[] {
  return validator.validate(doc).map((p) => `${p.path}: ${p.message}`);
}

function httpRoute(rules: Record<string, any>[], parentRefs: Record<string, any>[] = [{ name: 'public' }]) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'shop', namespace: 'frontend' },
    spec: { parentRefs, rules },
  };
}

function gateway(listeners: Record<string, any>[]) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'public', namespace: 'gateway' },
    spec: { gatewayClassName: 'envoy', listeners },
  };
}

function cnpgCluster(spec: Record<string, any>) {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: 'orders', namespace: 'db-postgres' },
    spec: { instances: 3, storage: { size: '10Gi' }, ...spec },
  };
}

const PATH_RULE = "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']";

describe('CRD validation rules (x-kubernetes-validations) at synth', () => {
  it('GIVEN an HTTPRoute path match that does not start with "/" and leaves type to its default WHEN synthesized THEN synth reports the rule message at the field path', () => {
    // GIVEN: `type` is left out; the API server defaults it to PathPrefix before it runs the rule
    const app = new App({ outdir: '.cdk8s.out' });
    const chart = new EnvironmentChart(app, { profile: development });
    new ApiObject(chart, 'route', httpRoute([{ matches: [{ path: { value: 'orders' } }], backendRefs: [{ name: 'shop', port: 8080 }] }]) as any);
    // WHEN
    const { problems } = synthesizeToJson(app);
    // THEN
    expect(problems).toEqual([`development/frontend/HTTPRoute/shop: spec.rules[0].matches[0].path: ${PATH_RULE}`]);
  });

  it('GIVEN a rule broken at synth WHEN synthesize writes THEN it throws with the problem and the output folder is left as it was', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cel-'));
    try {
      fs.writeFileSync(path.join(outdir, 'keep.txt'), 'before');
      const app = new App({ outdir: '.cdk8s.out' });
      const chart = new EnvironmentChart(app, { profile: development });
      new ApiObject(chart, 'pg', cnpgCluster({ postgresql: { synchronous: { method: 'any', number: 0 } } }) as any);
      let error: unknown;
      try {
        synthesize(app, { outdir, plugins: [], warn: () => undefined });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SynthError);
      expect((error as SynthError).problems).toEqual([
        'development/db-postgres/Cluster/orders: spec.postgresql.synchronous.number: The number of synchronous replicas should be greater than zero',
      ]);
      expect(fs.readdirSync(outdir)).toEqual(['keep.txt']);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('GIVEN valid Gateway API and CloudNativePG objects THEN every rule passes (defaults applied, integers as CEL int)', () => {
    expect(messages(httpRoute([{ matches: [{ path: { type: 'PathPrefix', value: '/orders' } }], backendRefs: [{ name: 'shop', port: 8080 }] }]))).toEqual([]);
    expect(
      messages(
        gateway([
          { name: 'http', port: 80, protocol: 'HTTP' },
          { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls: { certificateRefs: [{ name: 'shop-tls' }] } },
        ]),
      ),
    ).toEqual([]);
    expect(messages(cnpgCluster({ postgresql: { synchronous: { method: 'any', number: 1 } } }))).toEqual([]);
  });

  it('GIVEN an HTTPRoute backendRef to a Service without a port (group and kind left to their defaults) THEN the rule of the default kind fires', () => {
    expect(messages(httpRoute([{ backendRefs: [{ name: 'shop' }] }]))).toEqual(['spec.rules[0].backendRefs[0]: Must have port for Service reference']);
  });

  it('GIVEN two parentRefs to the same parent in another namespace THEN the rules that read the escaped `namespace` property fire', () => {
    const backend = [{ backendRefs: [{ name: 'shop', port: 8080 }] }];
    expect(
      messages(
        httpRoute(backend, [
          { name: 'public', namespace: 'gateway' },
          { name: 'public', namespace: 'gateway' },
        ]),
      ),
    ).toEqual(['spec.parentRefs: sectionName must be unique when parentRefs includes 2 or more references to the same parent']);
    expect(
      messages(
        httpRoute(backend, [
          { name: 'public', namespace: 'gateway', sectionName: 'https' },
          { name: 'public', namespace: 'gateway' },
        ]),
      ),
    ).toEqual(['spec.parentRefs: sectionName must be specified when parentRefs includes 2 or more references to the same parent']);
    // in different namespaces they are different parents
    expect(
      messages(
        httpRoute(
          [{ backendRefs: [{ name: 'shop', port: 8080 }] }],
          [
            { name: 'public', namespace: 'a' },
            { name: 'public', namespace: 'b' },
          ],
        ),
      ),
    ).toEqual([]);
  });

  it('GIVEN Gateway listeners on the same port and protocol without hostnames THEN the listener rule reports it with the Gateway API message', () => {
    expect(
      messages(
        gateway([
          { name: 'a', port: 80, protocol: 'HTTP' },
          { name: 'b', port: 80, protocol: 'HTTP' },
        ]),
      ),
    ).toEqual(['spec.listeners: Combination of port, protocol and hostname must be unique for each listener']);
  });

  it('GIVEN an HTTPS listener with TLS passthrough THEN the rule on the listener list fires', () => {
    expect(messages(gateway([{ name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Passthrough' } }]))).toEqual([
      'spec.listeners: tls mode must be Terminate for protocol HTTPS',
    ]);
  });

  it('GIVEN a CloudNativePG Cluster with both imageName and imageCatalogRef THEN the spec-level rule fires at spec', () => {
    const doc = cnpgCluster({
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17',
      imageCatalogRef: { apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'pg', major: 17 },
    });
    expect(messages(doc)).toEqual(['spec: imageName and imageCatalogRef are mutually exclusive']);
  });

  it('GIVEN a rule with fieldPath THEN the problem is reported at that field', () => {
    const doc = {
      apiVersion: 'barmancloud.cnpg.io/v1',
      kind: 'ObjectStore',
      metadata: { name: 'backups', namespace: 'db-postgres' },
      spec: { configuration: { destinationPath: 's3://backups/orders', serverName: 'orders' } },
    };
    expect(messages(doc)).toEqual(["spec.configuration.serverName: use the 'serverName' plugin parameter in the Cluster resource"]);
  });

  it('GIVEN a transition rule (self == oldSelf) THEN it is not applied at create and is listed as a transition rule', () => {
    expect(messages(cnpgCluster({ serviceAccountName: 'orders' }))).toEqual([]);
    const info = SchemaRegistry.default().lookup('postgresql.cnpg.io/v1', 'Cluster')!;
    expect(ruleInventory(info.schema).filter((r) => r.status === 'transition')).toEqual([
      {
        path: 'spec.serviceAccountName',
        rule: 'self == oldSelf',
        message: 'serviceAccountName is immutable',
        status: 'transition',
        note: 'transition rule (reads oldSelf): runs on update only, not at create',
      },
    ]);
  });

  it('GIVEN every vendored CRD THEN every rule outside status compiles with the evaluator (only transition rules are skipped)', () => {
    const registry = SchemaRegistry.default();
    const byStatus: Record<string, number> = {};
    const unsupported: string[] = [];
    for (const key of registry.knownKinds()) {
      const slash = key.lastIndexOf('/');
      const info = registry.lookup(key.slice(0, slash), key.slice(slash + 1))!;
      if (!info.structural) continue;
      for (const r of ruleInventory(info.schema)) {
        byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
        if (r.status === 'unsupported') unsupported.push(`${key} ${r.path}: ${r.note}`);
      }
    }
    expect(unsupported).toEqual([]);
    expect(byStatus.transition).toBe(8);
    expect(byStatus.enforced).toBeGreaterThan(700);
  });

  it('GIVEN the committed production Kafka WHEN its metrics config breaks a Strimzi rule THEN the validator reports it (rules run on dist/ documents)', () => {
    // GIVEN: the committed document is valid, rules included (test/dist.test.ts validates all of dist/ the same way)
    const file = path.resolve(__dirname, '../../dist/production/db-kafka/kafka-kafka.yaml');
    const kafka = load(fs.readFileSync(file, 'utf8')) as Record<string, any>;
    expect(messages(kafka)).toEqual([]);
    // WHEN
    kafka.spec.kafka.metricsConfig = { type: 'jmxPrometheusExporter' };
    // THEN
    expect(messages(kafka)).toEqual(['spec.kafka.metricsConfig: valueFrom property is required']);
  });

  it('GIVEN every vendored rule THEN the token scan that classifies rules agrees with the parser, and every enforced rule compiles', () => {
    const registry = SchemaRegistry.default();
    const texts = new Set<string>();
    for (const key of registry.knownKinds()) {
      const slash = key.lastIndexOf('/');
      const info = registry.lookup(key.slice(0, slash), key.slice(slash + 1))!;
      if (info.structural) for (const r of ruleInventory(info.schema)) texts.add(r.rule);
    }
    const env = celEnv({ funcs: strings });
    const disagreements: string[] = [];
    for (const text of texts) {
      // what the parser sees: calls (macros are expanded, so they are not calls) and free identifiers
      const calls = new Set<string>();
      const idents = new Set<string>();
      const bound = new Set<string>();
      const walk = (e: any): void => {
        if (!e?.exprKind) return;
        const { case: kind, value } = e.exprKind;
        if (kind === 'callExpr') {
          if (/^[A-Za-z]/.test(value.function)) calls.add(value.function);
          walk(value.target);
          value.args.forEach(walk);
        } else if (kind === 'selectExpr') walk(value.operand);
        else if (kind === 'identExpr') idents.add(value.name);
        else if (kind === 'comprehensionExpr') {
          for (const v of [value.iterVar, value.iterVar2, value.accuVar]) if (v) bound.add(v);
          [value.iterRange, value.accuInit, value.loopCondition, value.loopStep, value.result].forEach(walk);
        } else if (kind === 'listExpr') value.elements.forEach(walk);
      };
      const parsed = parse(text);
      walk(parsed.expr);
      const facts = expressionFacts(text);
      const lexicalCalls = [...facts.calls].filter((c) => !['has', 'all', 'exists', 'exists_one', 'map', 'filter'].includes(c)).sort();
      const free = [...idents].filter((i) => !bound.has(i)).sort();
      if (JSON.stringify(lexicalCalls) !== JSON.stringify([...calls].sort()) || JSON.stringify([...facts.variables].sort()) !== JSON.stringify(free)) {
        disagreements.push(text);
      }
      for (const c of calls) expect(CEL_FUNCTIONS.has(c), c).toBe(true);
      if (!free.includes('oldSelf')) expect(() => plan(env, parsed)).not.toThrow();
    }
    expect(disagreements).toEqual([]);
    expect(texts.size).toBeGreaterThan(200);
  });

  it('GIVEN every vendored rule and message expression THEN imports/cel-programs.json holds the very tree the parser returns for it', () => {
    const texts = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node === null || typeof node !== 'object') return;
      const rules = (node as Record<string, unknown>)['x-kubernetes-validations'];
      for (const r of Array.isArray(rules) ? rules : []) {
        texts.add(r.rule);
        if (r.messageExpression) texts.add(r.messageExpression);
      }
      Object.values(node).forEach(walk);
    };
    walk(JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../imports/validation-schemas.json'), 'utf8')));
    expect(texts.size).toBeGreaterThan(250);
    const { programs } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../imports/cel-programs.json'), 'utf8')) as {
      programs: Record<string, string>;
    };
    const missing = [...texts].filter((t) => programs[t] === undefined);
    expect(missing).toEqual([]);
    for (const text of texts) {
      expect(fromBinary(ParsedExprSchema, Buffer.from(programs[text]!, 'base64')), text).toEqual(parse(text));
    }
  });

  it('reads calls and free variables from tokens, ignoring string contents and macro variables', () => {
    const facts = (t: string) => {
      const f = expressionFacts(t);
      return { calls: [...f.calls].sort(), variables: [...f.variables].sort() };
    };
    expect(facts("self.all(x, x.matches(r'''a(b)oldSelf'''))")).toEqual({ calls: ['all', 'matches'], variables: ['self'] });
    expect(facts('"oldSelf(\\"" + self.name')).toEqual({ calls: [], variables: ['self'] });
    expect(facts('isURL(self.url) && oldSelf == self')).toEqual({ calls: ['isURL'], variables: ['oldSelf', 'self'] });
  });

  it('escapes property names as Kubernetes does', () => {
    expect(escapePropertyName('namespace')).toBe('__namespace__');
    expect(escapePropertyName('x-y.z/w__v')).toBe('x__dash__y__dot__z__slash__w__underscores__v');
    expect(escapePropertyName('plain')).toBe('plain');
    expect(escapePropertyName('1abc')).toBeUndefined();
  });
});

describe('x-kubernetes-list-type uniqueness', () => {
  it('GIVEN two Gateway listeners with the same name THEN the list-map key duplicate and the Gateway API rule are both reported', () => {
    expect(
      messages(
        gateway([
          { name: 'web', port: 80, protocol: 'HTTP' },
          { name: 'web', port: 8080, protocol: 'HTTP' },
        ]),
      ),
    ).toEqual([
      'spec.listeners[1]: duplicate entry name="web" (also at [0]): entries of this list must be unique by name (x-kubernetes-list-type: map)',
      'spec.listeners: Listener name must be unique within the Gateway',
    ]);
  });

  it('GIVEN a core Service with two ports of the same port and protocol THEN the list-map keys of Kubernetes 1.27 report it', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'backend' },
      spec: {
        selector: { app: 'api' },
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'alt', port: 80, protocol: 'TCP' },
        ],
      },
    };
    expect(messages(svc)).toEqual([
      'spec.ports[1]: duplicate entry port=80, protocol="TCP" (also at [0]): entries of this list must be unique by port, protocol (x-kubernetes-list-type: map)',
    ]);
    svc.spec.ports[1]!.protocol = 'UDP';
    expect(messages(svc)).toEqual([]);
  });
});

/** A registry over a hand-made CRD, for rules the vendored CRDs do not have. */
function registryWith(schema: SchemaNode): SchemaRegistry {
  const real = SchemaRegistry.default();
  const bundle: SchemaBundle = {
    k8s: { definitions: { 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': real.objectMeta }, kinds: {} },
    crds: { 'example.com/v1/Widget': { namespaced: true, schema } },
  };
  return new SchemaRegistry(bundle);
}

const widgetSchema: SchemaNode = {
  type: 'object',
  'x-kubernetes-validations': [{ rule: "self.metadata.name.startsWith('w') && self.kind == 'Widget'", message: 'a Widget name starts with w' }],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        url: { type: 'string', 'x-kubernetes-validations': [{ rule: 'isURL(self)', message: 'must be a URL' }] },
        size: { type: 'string', 'x-kubernetes-validations': [{ rule: "quantity(self).isLessThan(quantity('1Gi'))", message: 'too big' }] },
        replicas: {
          type: 'integer',
          'x-kubernetes-validations': [{ rule: 'self <= 5', messageExpression: "'replicas must be at most 5, got ' + string(self)" }],
        },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        owner: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == request.user', message: 'owner' }] },
        mode: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.missing == 1', message: 'mode' }] },
      },
    },
  },
};

function widget(spec: Record<string, any>) {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'apps' }, spec };
}

describe('rules the evaluator cannot run', () => {
  const registry = registryWith(widgetSchema);
  const validator = new SchemaValidator(registry);

  it('GIVEN rules that call functions or read variables the evaluator lacks THEN they are listed, in schema order, with the reason', () => {
    const rules = ruleInventory(registry.lookup('example.com/v1', 'Widget')!.schema).filter((r) => r.status === 'unsupported');
    expect(rules.map((r) => `${r.path}: ${r.note}`)).toEqual([
      'spec.owner: reads request, which a CRD rule does not have',
      'spec.size: uses isLessThan(), quantity(), which the evaluator does not provide',
      'spec.url: uses isURL(), which the evaluator does not provide',
    ]);
    // and they are not run (never passed or failed silently by accident)
    expect(messages(widget({ url: 'not a url', size: '5Gi', owner: 'x' }), validator)).toEqual([]);
  });

  it('GIVEN the same environment twice THEN VALIDATION.md is byte-identical and lists the rules synth cannot evaluate', () => {
    const render = () => {
      const app = new App({ outdir: '.cdk8s.out' });
      const chart = new EnvironmentChart(app, { profile: development });
      new ApiObject(chart, 'w', widget({ replicas: 2 }) as any);
      const { envs } = synthesizeToJson(app, validator);
      const env = envs[0]!;
      return { env, text: renderValidationReport(env, environmentRules(env, registry)) };
    };
    const a = render();
    expect(render().text).toBe(a.text);
    expect(a.text).toContain('| example.com/v1/Widget | 1 | 3 | 0 | 3 |');
    expect(a.text).toContain('| example.com/v1/Widget | `spec.url` | `isURL(self)` | must be a URL | uses isURL(), which the evaluator does not provide |');
    expect(a.text.indexOf('`spec.owner`')).toBeLessThan(a.text.indexOf('`spec.size`'));
    const plugin = validationReportPlugin(registry);
    expect(plugin.check!(a.env, { outdir: '/tmp/x' }).warnings).toEqual([
      'development: 3 CRD validation rule(s) of emitted kinds cannot be evaluated at synth; they are listed in development/VALIDATION.md',
    ]);
  });

  it('GIVEN a messageExpression THEN the message is computed from the object', () => {
    expect(messages(widget({ replicas: 7 }), validator)).toEqual(['spec.replicas: replicas must be at most 5, got 7']);
  });

  it('GIVEN a rule that fails to evaluate on the object THEN synth reports it instead of passing it', () => {
    expect(messages(widget({ mode: 'fast' }), validator)).toEqual([
      'spec.mode: validation rule could not be evaluated (field not found: missing): self.missing == 1',
    ]);
  });

  it('GIVEN a rule at the root THEN it sees kind and metadata.name', () => {
    expect(messages(widget({}), validator)).toEqual([]);
    expect(messages({ ...widget({}), metadata: { name: 'x', namespace: 'apps' } }, validator)).toEqual(['(root): a Widget name starts with w']);
  });

  it('GIVEN a set with a repeated item THEN the duplicate is reported at its index', () => {
    expect(messages(widget({ tags: ['a', 'b', 'a'] }), validator)).toEqual([
      'spec.tags[2]: duplicate value "a" (also at [0]): the list is a set (x-kubernetes-list-type: set)',
    ]);
  });
});
