'use strict';
// How the tests compile TypeScript: jest's transform (jest.config.js) and a worker thread started from the
// sources (libs/persistence/src/recording-thread/load-typescript.js) use the same options.
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};
