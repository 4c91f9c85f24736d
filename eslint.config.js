// Dependency direction (docs/ARCHITECTURE.md, dependency direction): ui -> state -> train -> {explain -> models, eval, data} -> core.
import tseslint from 'typescript-eslint';

const noUi = [
  {
    group: ['react', 'react-dom', 'react/*', 'zustand', 'zustand/*', 'echarts', 'echarts/*'],
    message: 'core code must not import UI libraries (docs/ARCHITECTURE.md, dependency direction)',
  },
  { group: ['**/ui/**', '**/state/**'], message: 'core code must not import ui/ or state/' },
];
const noTf = { group: ['@tensorflow/*'], message: 'eval/ and data/ never import tfjs' };
const noTrain = { group: ['**/train/**'], message: 'train/ sits above this layer' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'scripts/webgpu-harness/out/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noUi,
            noTf,
            noTrain,
            { group: ['**/data/**', '**/models/**', '**/eval/**', '**/explain/**'], message: 'core imports nothing' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/data/**', 'src/eval/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...noUi, noTf, noTrain, { group: ['**/models/**', '**/explain/**'], message: 'data/eval sit below models/explain' }] },
      ],
    },
  },
  {
    files: ['src/models/**', 'src/explain/**'],
    ignores: ['src/models/**/*.test.ts', 'src/models/*/views/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noUi,
            noTrain,
            {
              group: ['**/views', '**/views/**'],
              message: 'a model never imports its UI views (only ui/ does, through src/ui/model-views.ts)',
            },
          ],
        },
      ],
    },
  },
  // the run bundle: pure TS for Node and the browser (no node:*, no DOM libraries, no tfjs; train/ only for its
  // record types, the run key and re-evaluation types)
  {
    files: ['src/bundle/**'],
    ignores: ['src/bundle/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noUi,
            noTf,
            { group: ['node:*', 'fs', 'path'], message: 'src/bundle runs in the browser too: no node modules (docs/ARCHITECTURE.md)' },
            { group: ['**/train/worker*', '**/train/loop*', '**/train/runner*', '**/train/dataset*'], message: 'the bundle never trains' },
          ],
        },
      ],
    },
  },
  // a model's tests may drive it through the one training loop and runner (src/train)
  {
    files: ['src/models/**/*.test.ts'],
    ignores: ['src/models/*/views/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: noUi }] },
  },
  // a model's views (src/models/<id>/views/) are UI code: they sit at the ui layer and may import state/ and ui/
  { files: ['src/train/**'], rules: { 'no-restricted-imports': ['error', { patterns: noUi }] } },
  {
    files: ['src/state/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/ui/**'], message: 'state must not import ui' },
            { group: ['echarts', 'echarts/*'], message: 'charts belong in ui/' },
          ],
        },
      ],
    },
  },
);
