module.exports = { ...require('../../jest.preset.js'), displayName: 'user-profile', rootDir: __dirname };
