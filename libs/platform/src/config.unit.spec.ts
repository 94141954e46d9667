import { ConfigError, loadConfig, parseWorkerServices } from './config';

describe('ROSTER_WORKER_SERVICES', () => {
  it('places segmentation and user-profile in worker threads of their own when unset, nothing when empty', () => {
    expect(loadConfig({}).workerServices).toEqual([['segmentation'], ['user-profile']]);
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
