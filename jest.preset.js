// Shared Jest settings for every project. @swc/jest compiles TypeScript (with decorator metadata) to CommonJS,
// and also compiles the ESM-only packages (NestJS 12 and friends) that plain CommonJS Jest cannot load on Node 20.
const path = require('node:path');

const root = __dirname;
const esmOnly = ['@nestjs', 'nestjs-pino', '@nats-io', 'uid', 'file-type', 'strtok3', 'token-types', 'peek-readable', 'load-esm', '@tokenizer'];

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j|mj|cj)s$': [
      '@swc/jest',
      {
        swcrc: false,
        sourceMaps: 'inline',
        module: { type: 'commonjs' },
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          keepClassNames: true,
        },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper: {
    '^@roster/(contracts|eventstore|readstore|messaging|privacy|testing|platform)$': path.join(root, 'libs/$1/src/index.ts'),
  },
  testMatch: ['**/?(*.)+(spec).ts'],
};
