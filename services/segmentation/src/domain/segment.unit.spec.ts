import { SEGMENTATION_EVENTS as E } from '@roster/contracts';
import { deciderSpec } from '@roster/testing';
import { segmentDecider, SegmentNotFoundError } from './segment';

const botId = '6f1c3c1e-6a0e-4d4f-9d7e-6f3f0b1a2c3d';
const segmentId = '0d7f6a2b-1c3e-4f5a-8b9c-0d1e2f3a4b5c';
const now = '2026-11-25T12:00:00.000Z';
const spec = deciderSpec(segmentDecider);
const filter = { all: [{ field: 'tag', op: 'hasAny', value: ['vip'] }] };
const created = { type: E.created, data: { botId, segmentId, name: 'VIPs', filter, at: now } };
const meta = { now };

describe('Segment decider', () => {
  it('creates a segment once', () => {
    spec.given([]).when({ type: 'CreateSegment', data: { botId, segmentId, name: 'VIPs', filter }, metadata: meta }).then([created]);
    spec.given([created]).when({ type: 'CreateSegment', data: { botId, segmentId, name: 'VIPs', filter }, metadata: meta }).thenNothingHappens();
  });
  it('updates only what changed; an identical update decides nothing', () => {
    spec.given([created]).when({ type: 'UpdateSegment', data: { botId, segmentId, name: 'Top', filter }, metadata: meta })
      .then([{ type: E.updated, data: { botId, segmentId, name: 'Top', at: now } }]);
    spec.given([created]).when({ type: 'UpdateSegment', data: { botId, segmentId, name: 'VIPs', filter }, metadata: meta }).thenNothingHappens();
  });
  it('deletes; a deleted or unknown segment cannot be updated or deleted', () => {
    const deleted = { type: E.deleted, data: { botId, segmentId, at: now } };
    spec.given([created]).when({ type: 'DeleteSegment', data: { botId, segmentId }, metadata: meta }).then([deleted]);
    spec.given([created, deleted]).when({ type: 'DeleteSegment', data: { botId, segmentId }, metadata: meta }).thenThrows(SegmentNotFoundError);
    spec.given([]).when({ type: 'UpdateSegment', data: { botId, segmentId, name: 'x' }, metadata: meta }).thenThrows(SegmentNotFoundError);
  });
});
