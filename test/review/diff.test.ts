import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, it, test } from 'vitest';
import { diffTrees, fieldChanges } from '../../src/review/manifest-diff';
import { readTreeFromDir, readTreeFromGit } from '../../src/review/manifest-tree';
import { reviewDiff } from '../../src/review/review-diff';

const DEPLOYMENT = (replicas: number, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: backend
spec:
  replicas: ${replicas}
  template:
    spec:
      containers:
        - name: api
          image: ${image}
        - name: sidecar
          image: envoy:1.0
`;
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: backend\nspec:\n  ports:\n    - port: 80\n';
const STATEFULSET = 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: postgres\n  namespace: data\n';
const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\n  namespace: backend\ndata:\n  LOG_LEVEL: info\n';

let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', '-c', 'commit.gpgsign=false', ...args], { cwd: repo })
    .toString()
    .trim();
}

function write(files: Record<string, string>, root = repo): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
}

beforeEach(() => {
  // GIVEN a fixture repository whose commit "base" has dist/ for production and development.
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-fixture-'));
  git('init', '-q', '-b', 'main');
  write({ 'README.md': 'fixture\n' });
  git('add', '.');
  git('commit', '-q', '-m', 'no dist yet');
  git('tag', 'empty');
  write({
    'dist/production/backend/deployment-api.yaml': DEPLOYMENT(3, 'api:1.0'),
    'dist/production/backend/service-api.yaml': SERVICE,
    'dist/production/data/statefulset-postgres.yaml': STATEFULSET,
    'dist/production/README.md': '# production\n',
    'dist/development/backend/service-api.yaml': SERVICE,
  });
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  git('tag', 'base');
});

afterEach(() => {
  fs.rmSync(repo, { recursive: true, force: true });
});

/** WHEN the fresh synth changes the Deployment, removes the Service and StatefulSet and adds a ConfigMap. */
function freshTree() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-after-'));
  write(
    {
      'production/backend/deployment-api.yaml': DEPLOYMENT(5, 'api:1.1'),
      'production/backend/configmap-api-config.yaml': CONFIGMAP,
      'production/README.md': '# production (new)\n',
      'development/backend/service-api.yaml': SERVICE,
    },
    dir,
  );
  const tree = readTreeFromDir(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  return tree;
}

describe('npm run diff', () => {
  test('GIVEN a git ref WHEN its dist/ is read THEN every file comes back with its text in one pass', () => {
    const tree = readTreeFromGit(repo, 'base');
    expect([...tree.keys()].sort()).toEqual([
      'development/backend/service-api.yaml',
      'production/README.md',
      'production/backend/deployment-api.yaml',
      'production/backend/service-api.yaml',
      'production/data/statefulset-postgres.yaml',
    ]);
    expect(tree.get('production/backend/service-api.yaml')).toBe(SERVICE);
  });

  test('GIVEN base and a fresh synth WHEN diffed THEN added, removed and changed resources are listed per environment', () => {
    const diffs = diffTrees(readTreeFromGit(repo, 'base'), freshTree());
    expect(diffs).toHaveLength(1);
    const prod = diffs[0]!;
    expect(prod.environment).toBe('production');
    expect(prod.added.map((r) => `${r.kind} ${r.namespace}/${r.name}`)).toEqual(['ConfigMap backend/api-config']);
    expect(prod.removed.map((r) => `${r.kind} ${r.namespace}/${r.name}`)).toEqual(['Service backend/api', 'StatefulSet data/postgres']);
    expect(prod.changed.map((r) => `${r.kind} ${r.namespace}/${r.name}`)).toEqual(['Deployment backend/api']);
    expect(prod.changed[0]!.fields).toEqual([
      { path: 'spec.replicas', before: 3, after: 5 },
      { path: 'spec.template.spec.containers[name=api].image', before: 'api:1.0', after: 'api:1.1' },
    ]);
  });

  test('GIVEN the diff WHEN rendered THEN the Markdown has a summary, sections and field changes old → new', () => {
    const { markdown } = reviewDiff({ repoDir: repo, ref: 'base', after: freshTree() });
    expect(markdown).toBe(
      [
        '### Rendered manifests: `base` → this change',
        '',
        '| Environment | Added | Removed | Changed |',
        '| --- | ---: | ---: | ---: |',
        '| production | 1 | 2 | 1 |',
        '',
        '#### production',
        '',
        '**Added**',
        '',
        '- `ConfigMap` `backend/api-config`',
        '',
        '**Removed**',
        '',
        '- `Service` `backend/api`',
        '- `StatefulSet` `data/postgres` ⚠️ holds data',
        '',
        '**Changed**',
        '',
        '- `Deployment` `backend/api`',
        '  - `spec.replicas`: `3` → `5`',
        '  - `spec.template.spec.containers[name=api].image`: `api:1.0` → `api:1.1`',
        '',
      ].join('\n'),
    );
  });

  test('GIVEN a ref without dist/ WHEN diffed THEN everything is added', () => {
    const { diffs } = reviewDiff({ repoDir: repo, ref: 'empty', after: freshTree() });
    expect(diffs.map((d) => [d.environment, d.added.length, d.removed.length, d.changed.length])).toEqual([
      ['development', 1, 0, 0],
      ['production', 2, 0, 0],
    ]);
  });

  test('GIVEN identical trees WHEN diffed THEN the report says nothing changed', () => {
    const { diffs, markdown } = reviewDiff({ repoDir: repo, ref: 'base', after: readTreeFromGit(repo, 'base') });
    expect(diffs).toEqual([]);
    expect(markdown).toBe('### Rendered manifests: `base` → this change\n\nNo changes to the rendered manifests.\n');
  });

  test('GIVEN an unknown ref WHEN diffed THEN it fails naming the ref', () => {
    expect(() => reviewDiff({ repoDir: repo, ref: 'nope', after: new Map() })).toThrow(`"nope" is not a commit, branch or tag of the repository at ${repo}`);
  });

  test('GIVEN labels, list items and removed keys WHEN compared THEN paths quote odd keys and show absent sides', () => {
    expect(
      fieldChanges(
        { metadata: { labels: { 'app.kubernetes.io/version': '1' } }, spec: { args: ['a', 'b'], paused: true } },
        { metadata: { labels: { 'app.kubernetes.io/version': '2' } }, spec: { args: ['a'] } },
      ),
    ).toEqual([
      { path: 'metadata.labels["app.kubernetes.io/version"]', before: '1', after: '2' },
      { path: 'spec.args[1]', before: 'b', after: undefined },
      { path: 'spec.paused', before: true, after: undefined },
    ]);
  });
});

describe('fieldChanges on lists of unnamed objects', () => {
  it('GIVEN an item inserted in the middle THEN reports that item as added, not every later index as changed', () => {
    const before = {
      spec: {
        whitelist: [
          { group: 'apps', kind: 'Deployment' },
          { group: 'policy', kind: 'PodDisruptionBudget' },
        ],
      },
    };
    const after = {
      spec: {
        whitelist: [
          { group: 'apps', kind: 'Deployment' },
          { group: 'batch', kind: 'Job' },
          { group: 'policy', kind: 'PodDisruptionBudget' },
        ],
      },
    };
    expect(fieldChanges(before, after)).toEqual([{ path: 'spec.whitelist[+]', before: undefined, after: { group: 'batch', kind: 'Job' } }]);
  });

  it('GIVEN an item removed THEN reports it as removed', () => {
    const before = { rules: [{ a: 1 }, { b: 2 }] };
    const after = { rules: [{ b: 2 }] };
    expect(fieldChanges(before, after)).toEqual([{ path: 'rules[-]', before: { a: 1 }, after: undefined }]);
  });
});
