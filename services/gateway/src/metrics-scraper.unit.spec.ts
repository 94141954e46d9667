import { SUBJECTS, type MetricsReport } from '@roster/contracts';
import { RpcTimeoutError } from '@roster/messaging';
import { EMBEDDED_PROCESS_LABEL, parsePrometheusText, serviceMetrics, type Infra } from '@roster/platform';
import { MetricsScraper } from './metrics-scraper';

const logger = { warn: jest.fn() };

/** A fake Infra whose request/reply answers from a table of subject → behaviour. */
function infraWith(mode: Infra['mode'], answers: Record<string, () => Promise<unknown>>): Infra {
  const rpc = {
    request: jest.fn(async (subject: string) => {
      const answer = answers[subject];
      if (!answer) throw new RpcTimeoutError(subject, 2000);
      return answer();
    }),
  };
  return { mode, rpc, logger } as unknown as Infra;
}

const report = (service: MetricsReport['service'], value: number): MetricsReport => ({
  service,
  families: [
    { name: 'roster_test_total', help: 'test', type: 'counter', values: [{ labels: { service, reason: 'x' }, value }] },
    { name: 'process_cpu_seconds_total', help: 'cpu', type: 'counter', values: [{ labels: { service }, value: 1 }] },
  ],
});

const scrapeUp = (text: string) =>
  Object.fromEntries(parsePrometheusText(text).get('roster_metrics_scrape_up')!.samples.map((s) => [s.labels.service, s.value]));

describe('MetricsScraper', () => {
  it('merges every service into one valid exposition, each service up, process metrics once per process', async () => {
    const infra = infraWith('distributed', {
      [SUBJECTS.metrics('ingestion')]: async () => report('ingestion', 3),
      [SUBJECTS.metrics('user-profile')]: async () => report('user-profile', 4),
      [SUBJECTS.metrics('segmentation')]: async () => report('segmentation', 0),
      [SUBJECTS.metrics('import')]: async () => report('import', 0),
      [SUBJECTS.metrics('compliance')]: async () => report('compliance', 0),
    });
    serviceMetrics(infra, 'gateway').counter({ name: 'roster_test_total', help: 'test', labelNames: ['reason'] }).inc({ reason: 'x' }, 7);
    const parsed = parsePrometheusText(await new MetricsScraper(infra).scrape());
    expect(Object.fromEntries(parsed.get('roster_test_total')!.samples.map((s) => [s.labels.service, s.value]))).toEqual({
      gateway: 7,
      ingestion: 3,
      'user-profile': 4,
      segmentation: 0,
      import: 0,
      compliance: 0,
    });
    expect(parsed.get('process_cpu_seconds_total')!.samples.map((s) => s.labels.service).sort()).toEqual(
      ['compliance', 'gateway', 'import', 'ingestion', 'segmentation', 'user-profile'],
    );
    expect(Object.values(scrapeUp(await new MetricsScraper(infra).scrape()))).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('reports a service that does not answer, fails, or answers what cannot be exposed as down, and still answers', async () => {
    const infra = infraWith('distributed', {
      [SUBJECTS.metrics('ingestion')]: async () => report('ingestion', 3),
      [SUBJECTS.metrics('user-profile')]: async () => ({ service: 'user-profile', families: [{ name: 'bad name', help: '', type: 'counter', values: [] }] }),
      [SUBJECTS.metrics('segmentation')]: async () => {
        throw new Error('no responders');
      },
      [SUBJECTS.metrics('compliance')]: async () => undefined,
    });
    const text = await new MetricsScraper(infra).scrape();
    expect(scrapeUp(text)).toEqual({ gateway: 1, ingestion: 1, 'user-profile': 0, segmentation: 0, import: 0, compliance: 0 });
    expect(parsePrometheusText(text).get('roster_test_total')!.samples).toHaveLength(1);
  });

  it("keeps only a service's own series (its service label), so one service cannot speak for another", async () => {
    const infra = infraWith('distributed', {
      [SUBJECTS.metrics('ingestion')]: async () => ({
        service: 'ingestion',
        families: [{ name: 'roster_test_total', help: 'test', type: 'counter', values: [{ labels: { service: 'ingestion' }, value: 1 }, { labels: { service: 'gateway' }, value: 99 }] }],
      }),
    });
    const samples = parsePrometheusText(await new MetricsScraper(infra).scrape()).get('roster_test_total')!.samples;
    expect(samples).toEqual([{ name: 'roster_test_total', labels: { service: 'ingestion' }, value: 1 }]);
  });

  it('in embedded mode labels the shared process once, as all-in-one', async () => {
    const infra = infraWith('embedded', {});
    const parsed = parsePrometheusText(await new MetricsScraper(infra).scrape());
    expect(parsed.get('process_cpu_seconds_total')!.samples.map((s) => s.labels.service)).toEqual([EMBEDDED_PROCESS_LABEL]);
  });
});
