import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  ReplayPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { isApiError, positionAt } from './event-stream';

export interface DurableSpec {
  readonly stream: string;
  readonly name: string;
  /** One event type's subject, or undefined for the whole source stream. */
  readonly filterSubject: string | undefined;
  readonly maxAckPending: number;
  readonly ackWaitMs: number;
}

/**
 * Makes the durable consumer start exactly where the consumer's own state (`floor`, from `resumeAfter`) says:
 * - no floor: the read model is empty, so the durable is recreated to deliver everything;
 * - the durable's acknowledged prefix ends at or before the floor and nothing is awaiting an ack: it resumes as is;
 * - otherwise (missing, other settings, acknowledged beyond the floor, or unacknowledged messages left by a previous
 *   process, which JetStream would redeliver only after `ack_wait` and behind newer messages) it is recreated at
 *   the first stream message after the floor.
 */
export async function prepareDurable(jsm: JetStreamManager, spec: DurableSpec, floor: bigint | undefined): Promise<void> {
  const existing = await consumerInfo(jsm, spec);
  if (existing && floor !== undefined && (await canResume(jsm, spec, existing, floor))) return;
  if (existing) await jsm.consumers.delete(spec.stream, spec.name);
  const start = floor === undefined ? undefined : await firstSeqAfter(jsm, spec.stream, floor);
  await jsm.consumers.add(spec.stream, {
    ...durableConfig(spec),
    ...(start === undefined
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start }),
  });
}

function durableConfig(spec: DurableSpec): Partial<ConsumerConfig> {
  return {
    durable_name: spec.name,
    ack_policy: AckPolicy.Explicit,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(spec.ackWaitMs),
    max_ack_pending: spec.maxAckPending,
    max_deliver: -1,
    ...(spec.filterSubject ? { filter_subject: spec.filterSubject } : {}),
  };
}

async function consumerInfo(jsm: JetStreamManager, spec: DurableSpec): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(spec.stream, spec.name);
  } catch (error) {
    if (isApiError(error, JetStreamApiCodes.ConsumerNotFound)) return undefined;
    throw error;
  }
}

async function canResume(jsm: JetStreamManager, spec: DurableSpec, info: ConsumerInfo, floor: bigint): Promise<boolean> {
  const { config } = info;
  const sameSettings =
    (config.filter_subject || undefined) === spec.filterSubject &&
    config.ack_policy === AckPolicy.Explicit &&
    config.max_ack_pending === spec.maxAckPending &&
    config.ack_wait === nanos(spec.ackWaitMs);
  if (!sameSettings || info.num_ack_pending > 0) return false;
  const acked = info.ack_floor.stream_seq;
  if (acked === 0) return true;
  const ackedPosition = await positionAt(jsm, spec.stream, acked);
  return ackedPosition !== undefined && ackedPosition <= floor;
}

/**
 * Stream sequence of the first event after `floor` (or the next sequence to be written). Binary search is valid
 * because the relay stores positions in strictly increasing order.
 */
export async function firstSeqAfter(jsm: JetStreamManager, stream: string, floor: bigint): Promise<number> {
  const { state } = await jsm.streams.info(stream);
  if (state.messages === 0) return state.last_seq + 1;
  let low = state.first_seq;
  let high = state.last_seq + 1;
  while (low < high) {
    const mid = low + Math.floor((high - low) / 2);
    const probe = await firstSurvivingFrom(jsm, stream, mid, high);
    if (probe === undefined || probe.position > floor) high = mid;
    else low = probe.seq + 1;
  }
  return low;
}

async function firstSurvivingFrom(jsm: JetStreamManager, stream: string, from: number, end: number) {
  for (let seq = from; seq < end; seq++) {
    const position = await positionAt(jsm, stream, seq);
    if (position !== undefined) return { seq, position };
  }
  return undefined;
}
