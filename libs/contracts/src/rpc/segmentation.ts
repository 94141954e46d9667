import { z } from 'zod';

/**
 * Search, count and saved segments (api.md "Users" search/count, "Filter language"; issue "Segmentation"). The
 * filter itself is validated by segmentation against the bot's field definitions, so here it is `unknown`.
 */
export const SORT_FIELDS = ['lastInteractionAt', 'subscribedAt', 'name'] as const;
export const searchSortSchema = z
  .object({ by: z.enum(SORT_FIELDS).default('lastInteractionAt'), order: z.enum(['desc', 'asc']).default('desc') })
  .strict();
export type SearchSort = z.infer<typeof searchSortSchema>;

const page = {
  sort: searchSortSchema.optional(),
  limit: z.number().int().min(1).max(500).default(50),
  cursor: z.string().max(4000).optional(),
};

/** `segmentId` instead of `filter`: search with a saved segment's filter. */
export const searchUsersRequestSchema = z.object({ botId: z.uuid(), filter: z.unknown().optional(), segmentId: z.string().max(100).optional(), ...page });
export const countUsersRequestSchema = z.object({ botId: z.uuid(), filter: z.unknown().optional(), segmentId: z.string().max(100).optional() });

export const segmentNameSchema = z.string().trim().min(1, 'a segment needs a name').max(200);
export const createSegmentRequestSchema = z.object({
  botId: z.uuid(),
  name: segmentNameSchema,
  filter: z.unknown().refine((filter) => filter !== undefined, 'a segment needs a filter'),
});
export const updateSegmentRequestSchema = z.object({ botId: z.uuid(), segmentId: z.string().max(100), name: segmentNameSchema.optional(), filter: z.unknown().optional() });
export const segmentRefRequestSchema = z.object({ botId: z.uuid(), segmentId: z.string().max(100) });

export interface Segment {
  id: string;
  botId: string;
  name: string;
  filter: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface CountResult {
  count: number;
}
