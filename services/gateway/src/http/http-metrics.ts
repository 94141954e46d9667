import type { Histogram, Counter } from 'prom-client';
import type { ServiceMetrics } from '@roster/platform';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const LABELS = ['method', 'route', 'status_class'] as const;
type Label = (typeof LABELS)[number];

/**
 * The gateway's HTTP metrics. Labels are bounded: the route *template* (`/v1/bots/:botId/users`, never the path with
 * its ids), `unmatched` when no route matched, the method (others as `OTHER`) and the status class (`2xx` … `5xx`).
 */
export class HttpMetrics {
  private readonly requests: Counter<Label>;
  private readonly duration: Histogram<Label>;

  constructor(metrics: ServiceMetrics) {
    this.requests = metrics.counter({ name: 'roster_http_requests_total', help: 'HTTP requests answered by the gateway', labelNames: LABELS });
    this.duration = metrics.histogram({
      name: 'roster_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to the end of its answer',
      labelNames: LABELS,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  observe(method: string, routeTemplate: string | undefined, status: number, seconds: number): void {
    const labels = httpLabels(method, routeTemplate, status);
    this.requests.inc(labels);
    if (Number.isFinite(seconds) && seconds >= 0) this.duration.observe(labels, seconds);
  }
}

export function httpLabels(method: string, routeTemplate: string | undefined, status: number): Record<Label, string> {
  const upper = method.toUpperCase();
  return {
    method: METHODS.has(upper) ? upper : 'OTHER',
    route: routeTemplate && routeTemplate.startsWith('/') ? routeTemplate : 'unmatched',
    status_class: status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other',
  };
}
