'use strict';
// A worker thread started from the TypeScript sources (the tests run them through jest, which compiles
// only inside its own thread) loads them through this hook: @swc/core compiles each .ts file with jest's
// options (test/support/swc-options.js), and the @app/* paths of tsconfig.json resolve to the sources.
// The built product never comes here: its worker entry is compiled JavaScript.
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const { workerData } = require('node:worker_threads');
const { transformSync } = require('@swc/core');

const ROOT = join(__dirname, '..', '..', '..', '..');
const swcOptions = require(join(ROOT, 'test', 'support', 'swc-options.js'));
const aliased = (request) => {
  const lib = /^@app\/([a-z-]+)(\/[a-z-]+)?$/.exec(request);
  if (!lib) return request;
  const base = lib[1] === 'gateway' ? join(ROOT, 'apps', 'gateway', 'src') : join(ROOT, 'libs', lib[1], 'src');
  return lib[2] ? join(base, lib[2]) : base;
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, aliased(request), ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...swcOptions, filename, sourceMaps: 'inline' });
  module._compile(code, filename);
};
require(workerData.entry);
