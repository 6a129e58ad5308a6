// @ts-check
/**
 * Lint for sensortrace: the layer boundaries of docs/design.md, the size limits, and
 * typescript-eslint's recommended set. Runs in `npm test` (`npm run lint`); no rule needs type
 * information, so the whole repository lints in about 6 s of CPU (tsc's type-check takes 9).
 *
 * Boundaries are checked on the import specifier as written (no resolver): eslint-plugin-boundaries
 * needs an import resolver that maps our `./x.js` specifiers to `./x.ts` files, and the installed
 * node resolver does not, so the plugin saw none of our imports. `no-restricted-imports` covers
 * `import`, `import type` and `export … from`; `no-restricted-syntax` covers `import()`, `require()`,
 * `createRequire` and `import('…')` types. test/core/architecture.test.ts proves every form.
 */
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Writes `/` as \x2F: esquery (the selector language) ends a regular expression at the first `/`. */
const selectorRegex = (/** @type {RegExp} */ regex) => `/${regex.source.replaceAll('\\/', '/').replaceAll('/', '\\x2F')}/`;

const builtins = builtinModules.filter((name) => !name.startsWith('_')).map((name) => name.replaceAll('/', '\\/'));
/** `node:fs`, `fs`, `fs/promises`, … */
const NODE_BUILTIN = new RegExp(`^(node:.*|(${builtins.join('|')})(\\/.*)?)$`);
/** The I/O libraries: MQTT.js, the aedes broker, the vega renderers, WebSockets, resvg (and their siblings: mqtt-packet, aedes-persistence, vega-lite…). */
const IO_LIBRARY = /^((mqtt|aedes|vega|ws)(-[\w-]+)?(\/.*)?|@resvg\/.*)$/;
/** A relative specifier that reaches into one of the given layers (`../app/x.js`, `../../cli/main.js`, `./cli/x.js`). */
const layerPath = (/** @type {string[]} */ layers) => new RegExp(`^\\.{1,2}\\/(.*\\/)?(${layers.join('|')})\\/`);

/**
 * no-restricted-imports and no-restricted-syntax for a layer: each forbidden specifier, in every
 * form a module can be loaded. (One call per layer: a later config replaces a rule's options.)
 * @param {string} layer
 * @param {Array<{ regex: RegExp, message: string }>} forbidden
 * @param {Array<{ selector: string, message: string }>} [extraSyntax]
 */
/**
 * `mkdirSync(path, { recursive: true })` never returns for a path under /proc on Node 20 (it spins,
 * deaf to signals): output folders are made by io/output/output-path.ts, one level at a time.
 */
const NO_RECURSIVE_MKDIR = {
  selector: "CallExpression:matches([callee.name=/^mkdir(Sync)?$/], [callee.property.name=/^mkdir(Sync)?$/]) > ObjectExpression > Property[key.name='recursive']",
  message: 'no recursive mkdir (it hangs under /proc on Node 20): use prepareOutputPath/prepareOutputFolder from src/io/output/output-path.ts',
};

function forbidImports(layer, forbidden, extraSyntax = []) {
  const loads = forbidden.flatMap(({ regex, message }) => [
    { selector: `ImportExpression[source.value=${selectorRegex(regex)}]`, message },
    { selector: `CallExpression[callee.name='require'][arguments.0.value=${selectorRegex(regex)}]`, message },
    { selector: `TSImportType[argument.literal.value=${selectorRegex(regex)}]`, message },
  ]);
  return {
    files: [layer],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbidden.map(({ regex, message }) => ({ regex: regex.source, message })) }],
      'no-restricted-syntax': ['error', ...loads, ...extraSyntax, NO_RECURSIVE_MKDIR],
    },
  };
}

const NOT_CLI = { regex: layerPath(['cli']), message: 'the CLI is the outermost layer: nothing below it (nor src/index.ts) imports src/cli' };

const coreRules = forbidImports('src/core/**/*.ts', [
  { regex: NODE_BUILTIN, message: 'src/core is pure: no Node built-in module (I/O belongs in src/io)' },
  { regex: IO_LIBRARY, message: 'src/core is pure: no MQTT, broker, renderer or WebSocket library (they belong in src/io)' },
  { regex: layerPath(['io', 'app', 'cli']), message: 'src/core imports nothing from io, app or cli' },
], [
  { selector: 'ImportExpression[source.type!="Literal"]', message: 'src/core: import() of a computed specifier cannot be checked; core loads no modules at run time' },
  { selector: 'CallExpression[callee.name="require"]', message: 'src/core: no require() (ESM, and core loads no modules)' },
  { selector: 'Identifier[name="createRequire"]', message: 'src/core: no createRequire (core loads no modules)' },
  { selector: 'MemberExpression[object.name="globalThis"][property.name="process"]', message: 'src/core: no process (exit codes, env and streams belong to the CLI)' },
]);

export default defineConfig(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'coverage/**'] },

  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // tsc (strict) already reports undefined names, and knows Node's globals and TS namespaces such as NodeJS.
      'no-undef': 'off',
      // `const { url: _url, ...rest } = options` is how we drop keys from an object.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },

  {
    // CommonJS for tools that load it with require() (flows/settings.cjs: Node-RED's settings file).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  // Layer boundaries (docs/design.md): core ← io ← app ← cli; src/index.ts is the library's door, not the CLI's.
  coreRules,
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'src/core: no process (exit codes, env and streams belong to the CLI)' }],
    },
  },
  forbidImports('src/io/**/*.ts', [{ regex: layerPath(['app', 'cli']), message: 'src/io is adapters: it never imports the use cases (app) or the CLI' }]),
  forbidImports('src/app/**/*.ts', [{ regex: layerPath(['cli']), message: 'src/app never imports the CLI: use cases take options, the CLI maps flags onto them' }]),
  forbidImports('src/index.ts', [NOT_CLI]),
  { files: ['src/cli/**/*.ts'], rules: { 'no-restricted-syntax': ['error', NO_RECURSIVE_MKDIR] } },

  // House rule: a function fits on one screen, a file is read in one sitting.
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
    },
  },
);
