// End-to-end suites start real Roster processes from dist/ (run `npm run build` first; `npm test` does).
module.exports = { ...require('../jest.preset.js'), displayName: 'e2e', rootDir: __dirname, testTimeout: 60_000 };
