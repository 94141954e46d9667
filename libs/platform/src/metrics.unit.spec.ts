import type { MetricFamily } from '@roster/contracts';
import type { Infra } from './infra';
import { mergeMetricFamilies, metricFamiliesSchema, renderPrometheus, serviceMetricFamilies, serviceMetrics, ServiceMetrics } from './metrics';
import { parsePrometheusText } from './metrics-text';

const infraOf = (mode: Infra['mode']) => ({ mode }) as Infra;

describe('ServiceMetrics', () => {
  it('labels every sample with its service and counts by the given labels', async () => {
    const metrics = new ServiceMetrics('ingestion');
    const rejected = metrics.counter({ name: 'roster_test_rejected_total', help: 'rejected', labelNames: ['platform', 'reason'] });
    rejected.inc({ platform: 'meta', reason: 'not_json' });
    rejected.inc({ platform: 'meta', reason: 'not_json' });
    rejected.inc({ platform: 'whatsapp', reason: 'unmappable' });
    expect(await metrics.value('roster_test_rejected_total', { platform: 'meta', reason: 'not_json' })).toBe(2);
    expect(await metrics.value('roster_test_rejected_total', { platform: 'whatsapp' })).toBe(1);
    expect(await metrics.value('roster_test_rejected_total', { platform: 'twilio-sms' })).toBe(0);
    expect(await metrics.value('roster_test_rejected_total')).toBe(3);
    const text = await metrics.registry.metrics();
    expect(text).toContain('roster_test_rejected_total{platform="meta",reason="not_json",service="ingestion"} 2');
  });

  it('finds a metric again by name, and refuses the same name with other labels or another kind', () => {
    const metrics = new ServiceMetrics('gateway');
    const a = metrics.counter({ name: 'roster_test_total', help: 'x', labelNames: ['a', 'b'] });
    expect(metrics.counter({ name: 'roster_test_total', help: 'x', labelNames: ['b', 'a'] })).toBe(a);
    expect(() => metrics.counter({ name: 'roster_test_total', help: 'x', labelNames: ['a'] })).toThrow(/defined twice/);
    expect(() => metrics.gauge({ name: 'roster_test_total', help: 'x', labelNames: ['a', 'b'] })).toThrow(/defined twice/);
    expect(() => metrics.counter({ name: 'roster test', help: 'x', labelNames: [] })).toThrow(/invalid name/);
    expect(() => metrics.counter({ name: 'roster_other_total', help: 'x', labelNames: ['service'] })).toThrow(/invalid name/);
  });

  it('keeps one registry per service and Infra: embedded services sharing an Infra do not share samples', async () => {
    const infra = infraOf('embedded');
    expect(serviceMetrics(infra, 'ingestion')).toBe(serviceMetrics(infra, 'ingestion'));
    expect(serviceMetrics(infra, 'ingestion')).not.toBe(serviceMetrics(infra, 'user-profile'));
    expect(serviceMetrics(infraOf('embedded'), 'ingestion')).not.toBe(serviceMetrics(infra, 'ingestion'));
  });

  it('adds the process metrics to a service report only when the service has its process to itself', async () => {
    const embedded = infraOf('embedded');
    serviceMetrics(embedded, 'segmentation').counter({ name: 'roster_test_a_total', help: 'a', labelNames: [] }).inc();
    const embeddedNames = (await serviceMetricFamilies(embedded, 'segmentation')).map((f) => f.name);
    // Embedded: the service's own metrics and which thread runs it, never the shared process's metrics.
    expect(embeddedNames).toEqual(['roster_test_a_total', 'roster_service_thread_id', 'roster_thread_heap_used_bytes', 'roster_thread_heap_committed_bytes', 'roster_thread_external_bytes', 'roster_thread_heap_limit_bytes']);
    const distributed = infraOf('distributed');
    const families = await serviceMetricFamilies(distributed, 'segmentation');
    const cpu = families.find((f) => f.name === 'process_cpu_seconds_total');
    expect(cpu?.values[0]?.labels).toEqual({ service: 'segmentation' });
    expect(metricFamiliesSchema.safeParse(families).success).toBe(true);
  });
});

const family = (name: string, type: MetricFamily['type'], values: MetricFamily['values'], help = `${name} help`): MetricFamily => ({ name, help, type, values });

describe('mergeMetricFamilies + renderPrometheus', () => {
  it('joins the families of several services into valid exposition text, each series once', async () => {
    const ingestion = [
      family('roster_webhooks_rejected_total', 'counter', [{ labels: { platform: 'meta', reason: 'not_json', service: 'ingestion' }, value: 3 }]),
      family('process_cpu_seconds_total', 'counter', [{ labels: { service: 'ingestion' }, value: 1.5 }]),
    ];
    const profile = [
      family('process_cpu_seconds_total', 'counter', [{ labels: { service: 'user-profile' }, value: 2 }]),
      family('roster_test_duration_seconds', 'histogram', [
        { labels: { le: 0.1, service: 'user-profile' }, value: 1, metricName: 'roster_test_duration_seconds_bucket' },
        { labels: { le: '+Inf', service: 'user-profile' }, value: 2, metricName: 'roster_test_duration_seconds_bucket' },
        { labels: { service: 'user-profile' }, value: 0.7, metricName: 'roster_test_duration_seconds_sum' },
        { labels: { service: 'user-profile' }, value: 2, metricName: 'roster_test_duration_seconds_count' },
      ]),
    ];
    const duplicate = [family('process_cpu_seconds_total', 'counter', [{ labels: { service: 'ingestion' }, value: 99 }])];
    const merged = mergeMetricFamilies([ingestion, profile, duplicate]);
    const text = await renderPrometheus(merged);
    const parsed = parsePrometheusText(text);
    expect(parsed.get('process_cpu_seconds_total')?.samples).toEqual([
      { name: 'process_cpu_seconds_total', labels: { service: 'ingestion' }, value: 1.5 },
      { name: 'process_cpu_seconds_total', labels: { service: 'user-profile' }, value: 2 },
    ]);
    expect(parsed.get('roster_webhooks_rejected_total')).toMatchObject({ type: 'counter', help: 'roster_webhooks_rejected_total help' });
    const histogram = parsed.get('roster_test_duration_seconds')!;
    expect(histogram.type).toBe('histogram');
    expect(histogram.samples.map((s) => `${s.name} ${s.labels.le ?? ''} ${s.value}`)).toEqual([
      'roster_test_duration_seconds_bucket 0.1 1',
      'roster_test_duration_seconds_bucket +Inf 2',
      'roster_test_duration_seconds_sum  0.7',
      'roster_test_duration_seconds_count  2',
    ]);
  });

  it('leaves out a family that another source declares with a different type', () => {
    const merged = mergeMetricFamilies([
      [family('roster_x', 'counter', [{ labels: { service: 'a' }, value: 1 }])],
      [family('roster_x', 'gauge', [{ labels: { service: 'b' }, value: 5 }])],
    ]);
    expect(merged).toEqual([family('roster_x', 'counter', [{ labels: { service: 'a' }, value: 1 }])]);
  });

  it('escapes label values and help text, and leaves out a value that was not finite', async () => {
    const text = await renderPrometheus([
      family('roster_y', 'gauge', [{ labels: { reason: 'a "quoted"\\ value\nnext' }, value: 1 }, { labels: { reason: 'b' }, value: null }], 'help with \\ and\nnewline'),
    ]);
    const parsed = parsePrometheusText(text);
    expect(parsed.get('roster_y')).toMatchObject({ help: 'help with \\\\ and\\nnewline', samples: [{ labels: { reason: 'a "quoted"\\ value\nnext' }, value: 1 }] });
    expect(parsed.get('roster_y')?.samples).toHaveLength(1);
  });

  it('rejects families from another process that could not be exposed', () => {
    expect(metricFamiliesSchema.safeParse([family('bad name', 'counter', [])]).success).toBe(false);
    expect(metricFamiliesSchema.safeParse([family('roster_z', 'counter', [{ labels: { 'bad-label': 'x' }, value: 1 }])]).success).toBe(false);
    expect(metricFamiliesSchema.safeParse([{ ...family('roster_z', 'counter', []), type: 'exotic' }]).success).toBe(false);
  });
});

describe('parsePrometheusText (strict)', () => {
  const ok = '# HELP a_total an a\n# TYPE a_total counter\na_total{x="1"} 2\n';
  it('reads a valid exposition', () => {
    expect(parsePrometheusText(ok).get('a_total')).toEqual({ name: 'a_total', type: 'counter', help: 'an a', samples: [{ name: 'a_total', labels: { x: '1' }, value: 2 }] });
  });
  it.each([
    ['no final line feed', ok.trimEnd()],
    ['a sample without TYPE', 'b 1\n'],
    ['a malformed sample', `${ok}a_total{x=1} 2\n`],
    ['the same series twice', `${ok}a_total{x="1"} 3\n`],
    ['a family split in two', `${ok}# TYPE b gauge\nb 1\na_total{x="2"} 2\n`],
    ['TYPE twice', `${ok}# TYPE a_total counter\n`],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1\n'],
    ['an unknown type', '# TYPE h exotic\n'],
    ['a bad value', '# TYPE g gauge\ng one\n'],
  ])('rejects %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
