import { z } from 'zod';

/** Events of a saved segment (stream `segment-<botId>-<segmentId>`), owned by segmentation. */
export const SEGMENTATION_EVENTS = {
  created: 'segmentation.SegmentCreated.v1',
  updated: 'segmentation.SegmentUpdated.v1',
  deleted: 'segmentation.SegmentDeleted.v1',
} as const;

const iso = z.iso.datetime({ offset: true });
const ref = { botId: z.uuid(), segmentId: z.uuid(), at: iso };
export const segmentCreatedSchema = z.object({ ...ref, name: z.string(), filter: z.unknown() });
export const segmentUpdatedSchema = z.object({ ...ref, name: z.string().optional(), filter: z.unknown().optional() });
export const segmentDeletedSchema = z.object(ref);

export type SegmentEvent =
  | { type: typeof SEGMENTATION_EVENTS.created; data: z.infer<typeof segmentCreatedSchema> }
  | { type: typeof SEGMENTATION_EVENTS.updated; data: z.infer<typeof segmentUpdatedSchema> }
  | { type: typeof SEGMENTATION_EVENTS.deleted; data: z.infer<typeof segmentDeletedSchema> };
