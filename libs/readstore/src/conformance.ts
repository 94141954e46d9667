import { conformanceContext } from './conformance/context';
import { documentTests } from './conformance/documents';
import { filterTests } from './conformance/filters';
import { indexEquivalenceTests } from './conformance/index-equivalence';
import { indexTests } from './conformance/indexes';
import { pagingTests } from './conformance/paging';
import { positionTests } from './conformance/positions';
import type { ReadStore } from './port';

export interface ReadStoreConformanceOptions {
  /** Why the suite cannot run here (e.g. no server configured): it is then registered as skipped and says so. */
  readonly skipReason?: string;
}

/**
 * The behaviour every `ReadStore` adapter must show; each adapter's spec calls this once. One store serves the
 * whole suite and every test takes uniquely named collections, so the suite can run on a shared server.
 */
export function readStoreConformance(
  name: string,
  makeStore: () => Promise<ReadStore>,
  options: ReadStoreConformanceOptions = {},
): void {
  if (options.skipReason) {
    process.stderr.write(`[skip] ${name} read store conformance: ${options.skipReason}\n`);
    // Skipped on purpose when no server is configured (the reason is printed above and shown in the title); the
    // same tests run wherever MONGO_URL is set or a container runtime lets testcontainers start MongoDB.
    describe.skip(`${name} read store conformance (skipped: ${options.skipReason})`, () => {
      registerTests(makeStore);
    });
    return;
  }
  describe(`${name} read store conformance`, () => registerTests(makeStore));
}

function registerTests(makeStore: () => Promise<ReadStore>): void {
  const ctx = conformanceContext(makeStore);
  documentTests(ctx);
  positionTests(ctx);
  filterTests(ctx);
  pagingTests(ctx);
  indexTests(ctx);
  indexEquivalenceTests(ctx);
}
