// Jest globalTeardown: stops the containers global-setup.js started (if any).
module.exports = async function globalTeardown() {
  for (const container of globalThis.__rosterContainers ?? []) await container.stop();
};
