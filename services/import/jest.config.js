module.exports = { ...require('../../jest.preset.js'), displayName: 'import', rootDir: __dirname };
