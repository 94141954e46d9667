import { ConfigError, DEFAULT_HEAP_GROWING_PERCENT, DEFAULT_READSTORE_YOUNG_GENERATION_MB, loadConfig, parseWorkerServices } from './config';
import { applyHeapSettings } from './heap';

describe('ROSTER_WORKER_SERVICES', () => {
  it('places segmentation, user-profile and ingestion in worker threads of their own when unset, nothing when empty', () => {
    expect(loadConfig({}).workerServices).toEqual([['segmentation'], ['user-profile'], ['ingestion']]);
    expect(loadConfig({ ROSTER_WORKER_SERVICES: '' }).workerServices).toEqual([]);
  });

  it('reads one worker per comma-separated entry and joins services of one worker with +', () => {
    expect(parseWorkerServices(' segmentation , user-profile+import ')).toEqual([['segmentation'], ['user-profile', 'import']]);
  });

  it('refuses unknown services, the gateway, and a service named twice', () => {
    expect(() => parseWorkerServices('search')).toThrow(ConfigError);
    expect(() => parseWorkerServices('gateway')).toThrow(/main thread/);
    expect(() => parseWorkerServices('segmentation,ingestion+segmentation')).toThrow(/twice/);
  });
});

describe('ROSTER_HEAP_GROWING_PERCENT', () => {
  it('defaults to DEFAULT_HEAP_GROWING_PERCENT and reads a whole percentage from 0 to 400', () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(DEFAULT_HEAP_GROWING_PERCENT);
    expect(loadConfig({ ROSTER_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadConfig({ ROSTER_HEAP_GROWING_PERCENT: '35' }).heapGrowingPercent).toBe(35);
  });

  it('refuses what is not a percentage V8 can use', () => {
    for (const bad of ['-5', '12.5', 'lots', '401']) expect(() => loadConfig({ ROSTER_HEAP_GROWING_PERCENT: bad })).toThrow(/ROSTER_HEAP_GROWING_PERCENT/);
  });

  it('sets V8 --heap-growing-percent when above 0, nothing at 0 (V8 decides)', () => {
    const set: string[] = [];
    expect(applyHeapSettings({ heapGrowingPercent: 30 }, (flag) => set.push(flag))).toEqual(['--heap-growing-percent=30']);
    expect(set).toEqual(['--heap-growing-percent=30']);
    expect(applyHeapSettings({ heapGrowingPercent: 0 }, (flag) => set.push(flag))).toEqual([]);
    expect(set).toHaveLength(1);
  });
});

describe('ROSTER_READSTORE_YOUNG_GENERATION_MB', () => {
  it('defaults to DEFAULT_READSTORE_YOUNG_GENERATION_MB and reads whole MiB from 0 to 1024', () => {
    expect(loadConfig({}).readStoreYoungGenerationMb).toBe(DEFAULT_READSTORE_YOUNG_GENERATION_MB);
    expect(loadConfig({ ROSTER_READSTORE_YOUNG_GENERATION_MB: '0' }).readStoreYoungGenerationMb).toBe(0);
    expect(loadConfig({ ROSTER_READSTORE_YOUNG_GENERATION_MB: '192' }).readStoreYoungGenerationMb).toBe(192);
  });

  it('refuses what is not a size V8 can use', () => {
    for (const bad of ['-1', '1.5', 'big', '1025']) expect(() => loadConfig({ ROSTER_READSTORE_YOUNG_GENERATION_MB: bad })).toThrow(/ROSTER_READSTORE_YOUNG_GENERATION_MB/);
  });
});

describe('ROSTER_READSTORE_SORT_COLUMNS', () => {
  it('is on unless set to off', () => {
    expect(loadConfig({}).readStoreSortColumns).toBe(true);
    expect(loadConfig({ ROSTER_READSTORE_SORT_COLUMNS: 'on' }).readStoreSortColumns).toBe(true);
    expect(loadConfig({ ROSTER_READSTORE_SORT_COLUMNS: 'off' }).readStoreSortColumns).toBe(false);
  });

  it('refuses anything but on and off', () => {
    for (const bad of ['true', '0', 'OFF', '']) expect(() => loadConfig({ ROSTER_READSTORE_SORT_COLUMNS: bad })).toThrow(/ROSTER_READSTORE_SORT_COLUMNS must be on or off/);
  });
});
