import { describe, expect, it } from 'vitest';
import { App } from 'cdk8s';
import { EnvironmentChart, EnvValue, HealthProbe, ImageReference, MicroserviceDeployment } from '../../src';
import { evaluatePolicies, policyPlugin } from '../../src/policy';
import { findSecrets, isSecretName, secretFingerprint } from '../../src/policy/secret-checks';
import { SECRET_CHECKS } from '../../src/policy/secret-checks';
import { development, production } from '../helpers';
import { envOf, goodEnvironment, pick } from './fixtures';

type Objs = Record<string, any>[];

// Test values built at run time so that no scanner flags this file itself.
const STRIPE = ['sk', 'live', '4eC39HqLyjWDarjtT1zdp7dc'].join('_');
const GITHUB = `ghp_${'k2V9xQ7mLp3Rt8Wz5Yb1Nc4Hd6Fg0Js2Ua7E'.slice(0, 36)}`;
const AWS_SECRET = ['wJalrXUtnFEMI', 'K7MDENG', 'bPxRfiCYzq8d3Kx9Ab'].join('/');
const PG_URL = `postgres://app:${'s3cr3t'}@db.data.svc:5432/app`;

const C = 'spec.template.spec.containers[0]';
const setEnv = (o: Objs, env: { name: string; value: string }[]) => {
  pick(o, 'Deployment', 'api').spec.template.spec.containers[0].env = env;
};
const violations = (o: Objs, profile = production) => evaluatePolicies(envOf(o, profile), SECRET_CHECKS).violations.map((v) => v.text);
const advice = (v: string) =>
  `dist/ is committed to Git: take the value from a Secret filled by an ExternalSecret; if it is not a secret, annotate the resource with policy.platform.io/not-secret: "${secretFingerprint(v)} <why it is not a secret>" [literal-secret]`;

describe('literal-secret', () => {
  it('GIVEN the reference environment WHEN checked THEN nothing is flagged', () => {
    expect(violations(goodEnvironment())).toEqual([]);
  });

  it('GIVEN the four literals of issue 16 in env WHEN checked THEN each is flagged by the rule that found it', () => {
    const o = goodEnvironment();
    setEnv(o, [
      { name: 'AWS_SECRET_ACCESS_KEY', value: AWS_SECRET },
      { name: 'DB_PASS', value: 'hunter2' },
      { name: 'STRIPE_KEY', value: STRIPE },
      { name: 'DATABASE_URL', value: PG_URL },
      { name: 'LOG_LEVEL', value: 'info' },
    ]);
    expect(violations(o)).toEqual([
      `production/shop/Deployment/api: ${C}.env[0].value: env AWS_SECRET_ACCESS_KEY holds an AWS Secret Access Key (secretlint-rule-aws); ${advice(AWS_SECRET)}`,
      `production/shop/Deployment/api: ${C}.env[1].value: env DB_PASS holds a literal value for DB_PASS, whose name says it is a secret (secret-name); ${advice('hunter2')}`,
      `production/shop/Deployment/api: ${C}.env[2].value: env STRIPE_KEY holds a Stripe Live Secret Key (secretlint-rule-stripe); ${advice(STRIPE)}`,
      `production/shop/Deployment/api: ${C}.env[3].value: env DATABASE_URL holds a PostgreSQL connection string (secretlint-rule-database-connection-string); ${advice(PG_URL)}`,
    ]);
  });

  it('GIVEN secrets in a ConfigMap, an annotation and a Redis URL WHEN checked THEN each place is named', () => {
    const o = goodEnvironment();
    o.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'shop', annotations: { 'example.com/webhook': 'https://bot:tok3n-9@hooks.example.com/x' } },
      data: { GITHUB_TOKEN: GITHUB, 'app.conf': 'cache = redis://:pw-0123@redis.data.svc:6379/0\n' },
    });
    expect(violations(o)).toEqual([
      `production/shop/ConfigMap/settings: data.GITHUB_TOKEN: holds a GitHub Token(GitHub personal access tokens) (secretlint-rule-github); ${advice(GITHUB)}`,
      `production/shop/ConfigMap/settings: data.app.conf: holds a URL with a password (scheme://user:password@host) (url-credentials); ${advice('cache = redis://:pw-0123@redis.data.svc:6379/0\n')}`,
      `production/shop/ConfigMap/settings: metadata.annotations.example.com/webhook: holds a basic auth credential (secretlint-rule-basicauth); ${advice('https://bot:tok3n-9@hooks.example.com/x')}`,
    ]);
  });

  it('GIVEN a credential in a pod template annotation WHEN checked THEN the template field is named', () => {
    const o = goodEnvironment();
    pick(o, 'Deployment', 'api').spec.template.metadata.annotations = { 'example.com/probe': 'https://bot:tok3n-9@hooks.example.com/x' };
    expect(violations(o)).toEqual([
      `production/shop/Deployment/api: spec.template.metadata.annotations.example.com/probe: holds a basic auth credential (secretlint-rule-basicauth); ${advice('https://bot:tok3n-9@hooks.example.com/x')}`,
    ]);
  });

  it('GIVEN credentials composed from a Secret by reference WHEN checked THEN they are not literals', () => {
    const o = goodEnvironment();
    setEnv(o, [
      { name: 'DATABASE_URL', value: 'postgres://app:$(DB_PASSWORD)@db.data.svc:5432/app' },
      { name: 'REDIS_URL', value: 'redis://:${REDIS_PASSWORD}@redis:6379' },
      { name: 'DB_PASSWORD', value: '$(DB_PASSWORD_FROM_SECRET)' },
      { name: 'TOKEN_FILE', value: '/var/run/secrets/token' },
    ]);
    expect(violations(o)).toEqual([]);
  });

  it("GIVEN a waiver with the value's fingerprint and a reason WHEN checked THEN that value passes; a changed value or no reason does not", () => {
    const o = goodEnvironment();
    setEnv(o, [{ name: 'SIGNING_KEY', value: 'public-test-key' }]);
    const api = pick(o, 'Deployment', 'api');
    api.metadata.annotations = { 'policy.platform.io/not-secret': `${secretFingerprint('public-test-key')} the public half, published in our docs` };
    expect(violations(o)).toEqual([]);

    api.metadata.annotations = { 'policy.platform.io/not-secret': secretFingerprint('public-test-key') };
    expect(violations(o)).toEqual([
      `production/shop/Deployment/api: metadata.annotations.policy.platform.io/not-secret: the waiver of ${secretFingerprint('public-test-key')} has no reason; say why the value is not a secret (the waiver is ignored until then) [literal-secret]`,
      `production/shop/Deployment/api: ${C}.env[0].value: env SIGNING_KEY holds a literal value for SIGNING_KEY, whose name says it is a secret (secret-name); ${advice('public-test-key')}`,
    ]);

    setEnv(o, [{ name: 'SIGNING_KEY', value: 'another-key' }]);
    api.metadata.annotations = { 'policy.platform.io/not-secret': `${secretFingerprint('public-test-key')} the public half` };
    expect(violations(o)).toEqual([
      `production/shop/Deployment/api: metadata.annotations.policy.platform.io/not-secret: the waiver of ${secretFingerprint('public-test-key')} matches no flagged value of this resource (the value changed, or was never flagged); remove it [literal-secret]`,
      `production/shop/Deployment/api: ${C}.env[0].value: env SIGNING_KEY holds a literal value for SIGNING_KEY, whose name says it is a secret (secret-name); ${advice('another-key')}`,
    ]);
  });

  it('GIVEN a literal secret WHEN the gate runs THEN it fails synth in production and warns in development', () => {
    const o = goodEnvironment();
    setEnv(o, [{ name: 'DB_PASS', value: 'hunter2' }]);
    const prod = policyPlugin({ checks: SECRET_CHECKS }).check!(envOf(o, production), { outdir: '/nonexistent' });
    expect(prod.errors).toHaveLength(1);
    expect(prod.warnings).toEqual([]);
    const dev = policyPlugin({ checks: SECRET_CHECKS }).check!(envOf(o, development), { outdir: '/nonexistent' });
    expect(dev.errors).toEqual([]);
    expect(dev.warnings).toEqual([
      `policy: development/shop/Deployment/api: ${C}.env[0].value: env DB_PASS holds a literal value for DB_PASS, whose name says it is a secret (secret-name); ${advice('hunter2')}`,
    ]);
  });
});

describe('the scanner', () => {
  it.each([
    ['AWS_SECRET_ACCESS_KEY', true],
    ['DB_PASS', true],
    ['STRIPE_KEY', true],
    ['JWT_SECRET', true],
    ['GITHUB_TOKEN', true],
    ['API_KEY', true],
    ['db_password', true],
    ['SMTP_PASSWD', true],
    ['TOKEN_FILE', false],
    ['SECRET_NAME', false],
    ['TOKEN_TTL', false],
    ['AWS_ACCESS_KEY_ID', false],
    ['NODE_ENV', false],
    ['LOG_LEVEL', false],
    ['PASSWORD_MIN_LENGTH', false],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', false],
  ])('GIVEN the name %s WHEN checked THEN secret is %s', (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });

  it('GIVEN values without credentials WHEN scanned THEN nothing is found', () => {
    for (const v of ['http://prometheus.monitoring.svc:9090', 'info', 'https://github.com/acme/deploy.git', 'postgres://db.data.svc:5432/app'])
      expect(findSecrets(v), v).toEqual([]);
  });
});

describe('MicroserviceDeployment', () => {
  it.each(['AWS_SECRET_ACCESS_KEY', 'DB_PASS', 'STRIPE_KEY'])(
    'GIVEN a literal value for %s WHEN built THEN it is refused at once, without echoing the value',
    (name) => {
      const chart = new EnvironmentChart(new App(), { profile: development });
      expect(
        () =>
          new MicroserviceDeployment(chart, 'svc', {
            name: 'svc',
            namespace: 'backend',
            team: 'backend',
            image: ImageReference.parse('ghcr.io/acme/svc:1.0.0'),
            ports: [{ name: 'http', port: 8080 }],
            probes: { liveness: HealthProbe.http('/health'), readiness: HealthProbe.http('/ready') },
            env: { [name]: EnvValue.value('hunter2') },
          }),
      ).toThrow(
        `development/svc: env.${name}: got "<redacted>"; looks like a secret: a literal value would be written to Git; declare it in \`secrets\` and use EnvValue.fromSecret(key)`,
      );
    },
  );
});
