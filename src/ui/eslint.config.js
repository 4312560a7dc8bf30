// @ts-check
// The browser modules in static/ are plain ES modules served as they are (no build step). They
// are linted with the browser's globals and with type information from static/tsconfig.json
// (JSDoc types); everything else in src/ui follows the root configuration.
import tseslint from 'typescript-eslint';
import root from '../../eslint.config.js';

const browserGlobals = [
  'AbortController',
  'Element',
  'Event',
  'EventListener',
  'FormData',
  'HTMLElement',
  'Intl',
  'Node',
  'ResizeObserver',
  'Response',
  'SVGElement',
  'URLSearchParams',
  'document',
  'fetch',
  'history',
  'window',
];

export default tseslint.config(
  ...root,
  {
    files: ['static/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(browserGlobals.map((name) => [name, 'readonly'])),
      parserOptions: {
        projectService: false,
        project: ['./static/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
