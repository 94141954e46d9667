import { keyVaultConformance } from '../conformance';
import { MemoryKeyVault } from './memory-key-vault';

keyVaultConformance(
  'MemoryKeyVault',
  async () => {
    const vault = new MemoryKeyVault();
    return { open: async () => vault, dispose: async () => undefined };
  },
  { durable: false },
);
