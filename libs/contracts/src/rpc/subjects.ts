/**
 * Request/reply subjects (core NATS in distributed mode, the in-process transport in embedded mode). Names carry no
 * ids and no personal data; payloads do.
 */
export const SUBJECTS = {
  ingestion: {
    ingest: 'roster.ingestion.ingest',
  },
  userProfile: {
    recordInteractions: 'roster.user-profile.record-interactions',
    getUser: 'roster.user-profile.get-user',
  },
  segmentation: {
    listUsers: 'roster.segmentation.list-users',
  },
  health: (service: ServiceName) => `roster.${service}.health`,
} as const;

export const SERVICE_NAMES = ['gateway', 'ingestion', 'user-profile', 'segmentation', 'import', 'compliance'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What every service's health subject answers. */
export interface HealthReport {
  readonly service: ServiceName;
  readonly ready: boolean;
  readonly details?: Record<string, string>;
}
