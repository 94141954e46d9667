import { parsePrometheusText, ServiceMetrics } from '@roster/platform';
import { HttpMetrics, httpLabels } from './http-metrics';

describe('HttpMetrics', () => {
  it('labels by route template, method and status class only', () => {
    expect(httpLabels('get', '/v1/bots/:botId/users', 200)).toEqual({ method: 'GET', route: '/v1/bots/:botId/users', status_class: '2xx' });
    expect(httpLabels('PROPFIND', undefined, 404)).toEqual({ method: 'OTHER', route: 'unmatched', status_class: '4xx' });
    expect(httpLabels('POST', '', 503)).toEqual({ method: 'POST', route: 'unmatched', status_class: '5xx' });
    expect(httpLabels('GET', '/x', 999).status_class).toBe('other');
  });

  it('counts requests and observes their duration in seconds', async () => {
    const metrics = new ServiceMetrics('gateway');
    const http = new HttpMetrics(metrics);
    http.observe('GET', '/v1/bots/:botId', 200, 0.02);
    http.observe('GET', '/v1/bots/:botId', 204, 0.2);
    http.observe('GET', '/v1/bots/:botId', 401, Number.NaN);
    expect(await metrics.value('roster_http_requests_total', { route: '/v1/bots/:botId', status_class: '2xx' })).toBe(2);
    const families = parsePrometheusText(await metrics.registry.metrics());
    const histogram = families.get('roster_http_request_duration_seconds')!.samples;
    const ok = { method: 'GET', route: '/v1/bots/:botId', status_class: '2xx', service: 'gateway' };
    expect(histogram).toContainEqual({ name: 'roster_http_request_duration_seconds_bucket', labels: { ...ok, le: '0.025' }, value: 1 });
    expect(histogram).toContainEqual({ name: 'roster_http_request_duration_seconds_count', labels: ok, value: 2 });
    // A duration that is not a number is not observed (the request is still counted).
    expect(histogram.filter((s) => s.labels.status_class === '4xx')).toEqual([]);
    expect(await metrics.value('roster_http_requests_total', { status_class: '4xx' })).toBe(1);
  });
});
