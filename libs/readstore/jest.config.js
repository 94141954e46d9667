module.exports = { ...require('../../jest.preset.js'), displayName: 'readstore', rootDir: __dirname };
