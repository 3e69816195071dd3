import { ApiObject, App, Lazy } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../charts';
import { IntOrString, KubeConfigMap, KubeService, Quantity, KubeLimitRange } from '../../imports/k8s';
import { EnvironmentChart } from '../../src';
import { withFastToJson } from '../../src/synth/fast-json';
import { development } from '../helpers';

function allApiObjects(app: App): ApiObject[] {
  return app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
}

describe('fast serializer', () => {
  it('produces exactly what cdk8s produces for every object of the reference platform', () => {
    const app = buildApp();
    const objects = allApiObjects(app);
    expect(objects.length).toBeGreaterThan(0);
    const slow = objects.map((o) => o.toJson());
    const fast = withFastToJson(() => objects.map((o) => o.toJson()));
    expect(fast).toEqual(slow);
  });

  it('resolves Lazy values, int-or-string and quantities, and drops undefined fields', () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: development });
    let late = 'early';
    new KubeConfigMap(chart, 'cm', { metadata: { name: 'cm', namespace: 'a', annotations: {} }, data: { v: Lazy.any({ produce: () => late }) as any } });
    new KubeService(chart, 'svc', {
      metadata: { name: 'svc', namespace: 'a' },
      spec: { ports: [{ port: 80, targetPort: IntOrString.fromString('http'), name: undefined }] },
    });
    new KubeLimitRange(chart, 'lr', {
      metadata: { name: 'lr', namespace: 'a' },
      spec: { limits: [{ type: 'Container', max: { cpu: Quantity.fromString('2') } }] },
    });
    late = 'late';
    const objects = allApiObjects(app);
    const fast = withFastToJson(() => objects.map((o) => o.toJson()));
    expect(fast).toEqual(objects.map((o) => o.toJson()));
    expect(fast[0].data).toEqual({ v: 'late' });
    expect(fast[0].metadata.annotations).toBeUndefined();
    expect(fast[1].spec.ports).toEqual([{ port: 80, targetPort: 'http' }]);
    expect(fast[2].spec.limits[0].max).toEqual({ cpu: '2' });
  });

  it('restores cdk8s serialization afterwards, even when serialization throws', () => {
    const original = ApiObject.prototype.toJson;
    expect(() =>
      withFastToJson(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(ApiObject.prototype.toJson).toBe(original);
  });
});
