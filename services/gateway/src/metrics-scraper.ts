import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_NAMES, SUBJECTS, type MetricFamily, type MetricsReport, type ServiceName } from '@roster/contracts';
import {
  EMBEDDED_PROCESS_LABEL,
  INFRA,
  mergeMetricFamilies,
  metricFamiliesSchema,
  processMetricFamilies,
  renderPrometheus,
  serviceMetrics,
  threadMetricFamilies,
  type Infra,
} from '@roster/platform';

/** How long the gateway waits for each service's metrics (asked in parallel) before reporting it as down. */
export const SCRAPE_TIMEOUT_MS = 2000;

interface ServiceScrape {
  readonly service: ServiceName;
  readonly up: boolean;
  readonly seconds: number;
  readonly families: readonly MetricFamily[];
}

/**
 * One Prometheus exposition for the whole deployment: the gateway's own metrics (and its process's), plus every
 * other service's, asked over request/reply (`<ns>.<service>.metrics`; in-process in embedded mode, NATS in
 * distributed mode) and merged. A service that does not answer in time, or answers something that could not be
 * exposed, does not fail the scrape: `roster_metrics_scrape_up{service}` says 0 for it.
 */
@Injectable()
export class MetricsScraper {
  constructor(@Inject(INFRA) private readonly infra: Infra) {}

  async scrape(correlationId?: string): Promise<string> {
    const others = SERVICE_NAMES.filter((service) => service !== 'gateway');
    const started = process.hrtime.bigint();
    const [own, ...scrapes] = await Promise.all([this.own(), ...others.map((service) => this.ask(service, correlationId))]);
    const gateway: ServiceScrape = { service: 'gateway', up: true, seconds: Number(process.hrtime.bigint() - started) / 1e9, families: own };
    const all = [gateway, ...scrapes];
    return renderPrometheus(mergeMetricFamilies([...all.map((s) => s.families), scrapeFamilies(all)]));
  }

  /** The gateway reads its own registry directly; the process metrics come once per process (embedded: all six). */
  private async own(): Promise<MetricFamily[]> {
    const embedded = this.infra.mode === 'embedded';
    const own = await serviceMetrics(this.infra, 'gateway').families();
    return [...own, ...(embedded ? threadMetricFamilies('gateway') : []), ...(await processMetricFamilies(embedded ? EMBEDDED_PROCESS_LABEL : 'gateway'))];
  }

  private async ask(service: ServiceName, correlationId: string | undefined): Promise<ServiceScrape> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const report = await this.infra.rpc.request<MetricsReport>(SUBJECTS.metrics(service), {}, { timeoutMs: SCRAPE_TIMEOUT_MS, correlationId });
      const families = metricFamiliesSchema.safeParse(report?.families);
      if (!families.success) {
        this.infra.logger.warn({ service }, 'metrics answer could not be exposed');
        return { service, up: false, seconds: seconds(), families: [] };
      }
      // Only that service's own series: a `service` label naming another service is not its to report.
      return { service, up: true, seconds: seconds(), families: families.data.map((f) => ({ ...f, values: f.values.filter((v) => v.labels.service === service) })) };
    } catch (error) {
      this.infra.logger.warn({ service, err: { type: (error as Error)?.name, message: (error as Error)?.message } }, 'metrics scrape failed');
      return { service, up: false, seconds: seconds(), families: [] };
    }
  }
}

function scrapeFamilies(scrapes: readonly ServiceScrape[]): MetricFamily[] {
  return [
    {
      name: 'roster_metrics_scrape_up',
      help: "1 if the service's metrics were gathered for this scrape, 0 if it did not answer in time or answered badly",
      type: 'gauge',
      values: scrapes.map((s) => ({ labels: { service: s.service }, value: s.up ? 1 : 0 })),
    },
    {
      name: 'roster_metrics_scrape_duration_seconds',
      help: "How long gathering the service's metrics took in this scrape",
      type: 'gauge',
      values: scrapes.map((s) => ({ labels: { service: s.service }, value: s.seconds })),
    },
  ];
}
