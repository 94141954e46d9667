/**
 * The process-wide namespace of NATS subjects and JetStream streams (`ROSTER_NAMESPACE`, default `roster`), so that
 * several Roster deployments — or test runs — can share one NATS server. It is read once at start: `@MessagePattern`
 * subjects are fixed when the classes load.
 */
export const NAMESPACE = namespaceFrom(process.env.ROSTER_NAMESPACE);

export function namespaceFrom(value: string | undefined): string {
  const namespace = value?.trim() || 'roster';
  if (!/^[a-z][a-z0-9]{0,30}$/.test(namespace)) {
    throw new Error('ROSTER_NAMESPACE must be lower-case letters and digits, starting with a letter, at most 31 characters');
  }
  return namespace;
}

/**
 * Request/reply subjects (core NATS in distributed mode, the in-process transport in embedded mode). Names carry no
 * ids and no personal data; payloads do.
 */
export const SUBJECTS = {
  ingestion: {
    ingest: `${NAMESPACE}.ingestion.ingest`,
    connectChannel: `${NAMESPACE}.ingestion.connect-channel`,
    listChannels: `${NAMESPACE}.ingestion.list-channels`,
    disconnectChannel: `${NAMESPACE}.ingestion.disconnect-channel`,
    webhook: `${NAMESPACE}.ingestion.webhook`,
  },
  userProfile: {
    recordInteractions: `${NAMESPACE}.user-profile.record-interactions`,
    getUser: `${NAMESPACE}.user-profile.get-user`,
    history: `${NAMESPACE}.user-profile.history`,
    addTag: `${NAMESPACE}.user-profile.add-tag`,
    removeTag: `${NAMESPACE}.user-profile.remove-tag`,
    setField: `${NAMESPACE}.user-profile.set-field`,
    clearField: `${NAMESPACE}.user-profile.clear-field`,
    addNote: `${NAMESPACE}.user-profile.add-note`,
    editNote: `${NAMESPACE}.user-profile.edit-note`,
    deleteNote: `${NAMESPACE}.user-profile.delete-note`,
    removeSequence: `${NAMESPACE}.user-profile.remove-sequence`,
    removeOtnTopic: `${NAMESPACE}.user-profile.remove-otn-topic`,
    listTags: `${NAMESPACE}.user-profile.list-tags`,
    defineTag: `${NAMESPACE}.user-profile.define-tag`,
    listFields: `${NAMESPACE}.user-profile.list-fields`,
    defineField: `${NAMESPACE}.user-profile.define-field`,
  },
  segmentation: {
    listUsers: `${NAMESPACE}.segmentation.list-users`,
    searchUsers: `${NAMESPACE}.segmentation.search-users`,
    countUsers: `${NAMESPACE}.segmentation.count-users`,
    createSegment: `${NAMESPACE}.segmentation.create-segment`,
    listSegments: `${NAMESPACE}.segmentation.list-segments`,
    getSegment: `${NAMESPACE}.segmentation.get-segment`,
    updateSegment: `${NAMESPACE}.segmentation.update-segment`,
    deleteSegment: `${NAMESPACE}.segmentation.delete-segment`,
  },
  health: (service: ServiceName) => `${NAMESPACE}.${service}.health`,
  /** Each service's Prometheus metrics (as JSON families), gathered and merged by the gateway's `GET /metrics`. */
  metrics: (service: ServiceName) => `${NAMESPACE}.${service}.metrics`,
  /**
   * JetStream intake for channel connectors: publish one normalized event or `{ events: [...] }` to
   * `<ns>.ingest.<botId>` (stream `<NS>_INGEST`), ideally with `Nats-Msg-Id`. Same schema and de-duplication as
   * `POST /v1/bots/{botId}/events`; who may publish is NATS's permissions' concern.
   */
  connectorIngest: (botId: string) => `${NAMESPACE}.ingest.${botId}`,
  connectorIngestStream: `${NAMESPACE.toUpperCase()}_INGEST`,
} as const;

export const SERVICE_NAMES = ['gateway', 'ingestion', 'user-profile', 'segmentation', 'import', 'compliance'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What every service's health subject answers. */
export interface HealthReport {
  readonly service: ServiceName;
  readonly ready: boolean;
  readonly details?: Record<string, string>;
}

/** One sample of a metric family: a histogram's samples name their series (`<name>_bucket`, `_sum`, `_count`). */
export interface MetricSample {
  readonly labels: Readonly<Record<string, string | number>>;
  /** null when the value was not finite (JSON has no NaN or Infinity). */
  readonly value: number | null;
  readonly metricName?: string;
}

/** A Prometheus metric family as prom-client's `getMetricsAsJSON` gives it; labels never hold personal data or ids. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary';
  readonly values: readonly MetricSample[];
}

/** What every service's metrics subject answers. */
export interface MetricsReport {
  readonly service: ServiceName;
  readonly families: readonly MetricFamily[];
}
