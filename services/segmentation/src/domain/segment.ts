import { SEGMENTATION_EVENTS as E, type SegmentEvent } from '@roster/contracts';

/** A saved segment: a name and a filter (validated by the caller against the bot's fields before it gets here). */
export interface SegmentState {
  readonly exists: boolean;
  readonly deleted: boolean;
  readonly botId?: string;
  readonly segmentId?: string;
  readonly name?: string;
  readonly filter?: unknown;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

type Meta = { readonly now: string };
type Ref = { readonly botId: string; readonly segmentId: string };
export type SegmentCommand =
  | { readonly type: 'CreateSegment'; readonly data: Ref & { readonly name: string; readonly filter: unknown }; readonly metadata: Meta }
  | { readonly type: 'UpdateSegment'; readonly data: Ref & { readonly name?: string; readonly filter?: unknown }; readonly metadata: Meta }
  | { readonly type: 'DeleteSegment'; readonly data: Ref; readonly metadata: Meta };

export class SegmentNotFoundError extends Error {
  constructor() {
    super('no such segment');
    this.name = 'SegmentNotFoundError';
  }
}

export const initialSegment = (): SegmentState => ({ exists: false, deleted: false });
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function decideSegment(command: SegmentCommand, state: SegmentState): SegmentEvent[] {
  const at = command.metadata.now;
  switch (command.type) {
    case 'CreateSegment':
      if (state.exists) return [];
      return [{ type: E.created, data: { ...command.data, at } }];
    case 'UpdateSegment': {
      if (!state.exists || state.deleted) throw new SegmentNotFoundError();
      const { name, filter, ...ref } = command.data;
      const changes = {
        ...(name !== undefined && name !== state.name ? { name } : {}),
        ...(filter !== undefined && !same(filter, state.filter) ? { filter } : {}),
      };
      return Object.keys(changes).length === 0 ? [] : [{ type: E.updated, data: { ...ref, ...changes, at } }];
    }
    case 'DeleteSegment':
      if (!state.exists || state.deleted) throw new SegmentNotFoundError();
      return [{ type: E.deleted, data: { ...command.data, at } }];
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
}

export function evolveSegment(state: SegmentState, event: SegmentEvent): SegmentState {
  switch (event.type) {
    case E.created:
      return { exists: true, deleted: false, ...event.data, createdAt: event.data.at, updatedAt: event.data.at };
    case E.updated:
      return {
        ...state,
        ...(event.data.name !== undefined ? { name: event.data.name } : {}),
        ...(event.data.filter !== undefined ? { filter: event.data.filter } : {}),
        updatedAt: event.data.at,
      };
    case E.deleted:
      return { ...state, deleted: true, updatedAt: event.data.at };
    default:
      return state;
  }
}

export const segmentDecider = { decide: decideSegment, evolve: evolveSegment, initialState: initialSegment };
