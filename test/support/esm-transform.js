/**
 * Jest transform for the ESM-only packages (`@platformatic/kafka` and its helpers): jest 30 on Node 20
 * cannot `require()` ES modules, so they are compiled to CommonJS like our own TypeScript.
 * `import.meta.url` has no CommonJS form; it becomes the file's URL (the WASM codecs load a file next
 * to their module with it).
 */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { createTransformer } = require('@swc/jest');

const swc = createTransformer({
  jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
  module: { type: 'commonjs' },
});

const FILE_URL = `('file://' + (__filename.startsWith('/') ? '' : '/') + encodeURI(__filename.replace(/\\\\/g, '/')))`;

/** Editing this file invalidates jest's cache of the compiled modules. */
const SELF = readFileSync(__filename);

module.exports = {
  process(source, filename, options) {
    // Compiled to CommonJS, a module has its own `require`: drop the ones it builds.
    const patched = source
      .replaceAll('const require = createRequire(import.meta.url);', '')
      .replaceAll('import.meta.url', FILE_URL);
    return swc.process(patched, filename, options);
  },
  getCacheKey(source, filename, options) {
    return createHash('sha256')
      .update(SELF)
      .update(swc.getCacheKey(source, filename, options))
      .digest('hex');
  },
};
