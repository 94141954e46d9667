import { getHeapStatistics } from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import type { MetricFamily, MetricSample, ServiceName } from '@roster/contracts';
import type { Infra } from './infra';

/** The content type of the Prometheus text exposition format (0.0.4) that `renderPrometheus` writes. */
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface MetricDefinition<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

/**
 * One service's metrics: a prom-client registry whose every sample carries the constant label `service`. Labels name
 * fixed, small sets (platform, reason, route template, status class) — never personal data, user ids or bot ids.
 * Metrics are created on first use and found again by name, so two instances of a provider share one counter.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly definitions = new Map<string, { kind: string; labelNames: string }>();

  constructor(readonly service: ServiceName) {
    this.registry.setDefaultLabels({ service });
  }

  /**
   * A counter; `zeroes` lists label sets that exist (at 0) from its creation, so that rates and alerts work before the
   * first increment.
   */
  counter<L extends string>(definition: MetricDefinition<L> & { readonly zeroes?: readonly Record<L, string>[] }): Counter<L> {
    return this.getOrCreate('counter', definition, () => {
      const { zeroes = [], ...config } = definition;
      const counter = new Counter({ ...config, labelNames: [...config.labelNames], registers: [this.registry] });
      for (const labels of zeroes) counter.inc(labels as never, 0);
      return counter;
    });
  }

  gauge<L extends string>(definition: MetricDefinition<L>): Gauge<L> {
    return this.getOrCreate('gauge', definition, () => new Gauge({ ...definition, labelNames: [...definition.labelNames], registers: [this.registry] }));
  }

  histogram<L extends string>(definition: MetricDefinition<L> & { readonly buckets: readonly number[] }): Histogram<L> {
    return this.getOrCreate('histogram', definition, () =>
      new Histogram({ ...definition, labelNames: [...definition.labelNames], buckets: [...definition.buckets], registers: [this.registry] }),
    );
  }

  /** The sum of a counter's or gauge's series that have the given labels (0 when none exists yet): for tests. */
  async value(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = this.registry.getSingleMetric(name);
    if (!metric) return 0;
    const { values } = await metric.get();
    const wanted = Object.entries(labels);
    const matching = values.filter((v) => (v as { metricName?: string }).metricName === undefined && wanted.every(([k, want]) => String(v.labels[k]) === want));
    return matching.reduce((sum, v) => sum + v.value, 0);
  }

  /** The registry as JSON families (with the `service` label), as the metrics subject answers them. */
  async families(): Promise<MetricFamily[]> {
    return toFamilies(await this.registry.getMetricsAsJSON());
  }

  private getOrCreate<M extends AnyMetric>(kind: string, definition: MetricDefinition<string>, create: () => M): M {
    const known = this.definitions.get(definition.name);
    const labelNames = [...definition.labelNames].sort().join(',');
    if (known) {
      if (known.kind !== kind || known.labelNames !== labelNames) {
        throw new Error(`metric ${definition.name} is defined twice with different kinds or labels`);
      }
      return this.registry.getSingleMetric(definition.name) as M;
    }
    if (!METRIC_NAME.test(definition.name) || definition.labelNames.some((l) => !LABEL_NAME.test(l) || l === 'service')) {
      throw new Error(`metric ${definition.name}: invalid name or label name`);
    }
    const metric = create();
    this.definitions.set(definition.name, { kind, labelNames });
    return metric;
  }
}

const registries = new WeakMap<Infra, Map<ServiceName, ServiceMetrics>>();

/**
 * The metrics of one service running on this Infra. Embedded mode shares one Infra between the six services, which
 * then still keep six registries (one per service); distributed mode has one Infra and one service per process.
 */
export function serviceMetrics(infra: Infra, service: ServiceName): ServiceMetrics {
  // A worker thread (embedded mode) shares the process with the main thread, which reports it: CPU and memory are
  // the process's, so a worker's copy would only count them twice.
  if (isMainThread) processRegistryOnce();
  let byService = registries.get(infra);
  if (!byService) registries.set(infra, (byService = new Map()));
  let metrics = byService.get(service);
  if (!metrics) byService.set(service, (metrics = new ServiceMetrics(service)));
  return metrics;
}

let processRegistry: Registry | undefined;

/** Registered with the first service's metrics, at start: prom-client counts CPU time from registration on. */
function processRegistryOnce(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * prom-client's default metrics of this process (CPU, memory, event loop lag, GC, handles), registered once per
 * process and labelled `service` = `processLabel` when read.
 */
export async function processMetricFamilies(processLabel: string): Promise<MetricFamily[]> {
  const families = toFamilies(await processRegistryOnce().getMetricsAsJSON());
  return families.map((family) => ({ ...family, values: family.values.map((v) => ({ ...v, labels: { ...v.labels, service: processLabel } })) }));
}

/** The process label of the default process metrics in embedded mode, where all six services share one process. */
export const EMBEDDED_PROCESS_LABEL = 'all-in-one';

/**
 * What a service's metrics subject answers: its own registry, plus the process metrics when the service has its
 * process to itself (distributed mode). Embedded mode reports the shared process once, through the gateway.
 */
export async function serviceMetricFamilies(infra: Infra, service: ServiceName): Promise<MetricFamily[]> {
  const own = await serviceMetrics(infra, service).families();
  return infra.mode === 'distributed' ? [...own, ...(await processMetricFamilies(service))] : [...own, ...threadMetricFamilies(service)];
}

/**
 * Embedded mode: which thread runs the service (0 = the main thread, with the gateway) and that thread's V8 heap —
 * the process metrics' `nodejs_heap_*` describe the main thread's heap only. Services sharing a thread report the
 * same heap.
 */
export function threadMetricFamilies(service: ServiceName): MetricFamily[] {
  const heap = getHeapStatistics();
  return [
    { name: 'roster_service_thread_id', help: 'The worker thread id running the service in embedded mode (0: the main thread)', type: 'gauge', values: [{ labels: { service }, value: threadId }] },
    { name: 'roster_thread_heap_used_bytes', help: "V8 heap used by the thread that runs the service (embedded mode)", type: 'gauge', values: [{ labels: { service }, value: heap.used_heap_size }] },
    { name: 'roster_thread_heap_committed_bytes', help: 'Physical memory V8 has committed for the heap of the thread that runs the service (embedded mode; used plus V8 slack)', type: 'gauge', values: [{ labels: { service }, value: heap.total_physical_size }] },
    { name: 'roster_thread_external_bytes', help: 'Memory outside the V8 heap held for the thread that runs the service: external (Buffers, ArrayBuffers) plus V8 malloced (embedded mode)', type: 'gauge', values: [{ labels: { service }, value: heap.external_memory + heap.malloced_memory }] },
    { name: 'roster_thread_heap_limit_bytes', help: 'V8 heap limit of the thread that runs the service (embedded mode)', type: 'gauge', values: [{ labels: { service }, value: heap.heap_size_limit }] },
  ];
}

function toFamilies(json: Awaited<ReturnType<Registry['getMetricsAsJSON']>>): MetricFamily[] {
  return json.map((metric) => ({
    name: metric.name,
    help: metric.help,
    type: String(metric.type) as MetricFamily['type'],
    values: metric.values.map((v) => ({
      labels: { ...v.labels } as Record<string, string | number>,
      value: Number.isFinite(v.value) ? v.value : null,
      ...((v as { metricName?: string }).metricName ? { metricName: (v as { metricName?: string }).metricName } : {}),
    })),
  }));
}

const sampleSchema = z
  .object({
    labels: z.record(z.string().regex(LABEL_NAME), z.union([z.string().max(1024), z.number()])),
    value: z.number().nullable(),
    metricName: z.string().regex(METRIC_NAME).optional(),
  })
  .strip();

/** Families as another process sent them: checked before they reach the exposition (names, label names, types). */
export const metricFamiliesSchema = z.array(
  z
    .object({
      name: z.string().regex(METRIC_NAME),
      help: z.string().max(1024),
      type: z.enum(['counter', 'gauge', 'histogram', 'summary']),
      values: z.array(sampleSchema),
    })
    .strip(),
);

const seriesKey = (sample: MetricSample) =>
  `${sample.metricName ?? ''}{${Object.keys(sample.labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(String(sample.labels[k]))}`)
    .join(',')}}`;

/**
 * Merges the families of several sources (services) into one list: families of one name are joined (the first
 * source's help and type win; a family of the same name but another type is left out, as Prometheus would reject
 * it), and a series that appears twice is kept once (the first). Sources carry distinct `service` labels, so series
 * of different services never collide.
 */
export function mergeMetricFamilies(sources: readonly (readonly MetricFamily[])[]): MetricFamily[] {
  const merged = new Map<string, { family: MetricFamily; values: MetricSample[]; seen: Set<string> }>();
  for (const families of sources) {
    for (const family of families) {
      let target = merged.get(family.name);
      if (!target) merged.set(family.name, (target = { family, values: [], seen: new Set() }));
      if (target.family.type !== family.type) continue;
      for (const sample of family.values) {
        const key = seriesKey(sample);
        if (target.seen.has(key)) continue;
        target.seen.add(key);
        target.values.push(sample);
      }
    }
  }
  return [...merged.values()].map(({ family, values }) => ({ name: family.name, help: family.help, type: family.type, values }));
}

/** The Prometheus text exposition (0.0.4) of merged families, written by prom-client's own formatter (escaping included). */
export async function renderPrometheus(families: readonly MetricFamily[]): Promise<string> {
  const registry = new Registry();
  for (const family of families) {
    // A value that was not finite could not cross JSON (null): left out rather than guessed.
    const values = family.values.filter((v) => v.value !== null);
    const snapshot = { name: family.name, help: family.help, type: family.type, values, aggregator: 'sum' };
    // A read-only metric: the registry only calls `get()` (the same device prom-client's AggregatorRegistry uses).
    registry.registerMetric({ ...snapshot, get: async () => snapshot } as never);
  }
  return registry.metrics();
}
