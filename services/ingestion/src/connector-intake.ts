import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, StorageType, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { SUBJECTS } from '@roster/contracts';
import { INFRA, type Infra } from '@roster/platform';
import { IngestionService } from './ingestion.service';

const DURABLE = 'ingestion-connectors';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Normalized events from channel connectors over JetStream (distributed mode): subject `<ns>.ingest.<botId>`, a
 * durable consumer with explicit acks. A message is acknowledged only after its events are recorded (or found to be
 * duplicates); a malformed one is recorded nowhere, logged with its reason and terminated (never redelivered).
 */
@Injectable()
export class ConnectorIntake implements OnApplicationBootstrap, OnApplicationShutdown {
  private messages?: ConsumerMessages;
  private running?: Promise<void>;
  /** Messages terminated as malformed since start. */
  rejected = 0;

  constructor(
    @Inject(INFRA) private readonly infra: Infra,
    private readonly ingestion: IngestionService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const nc = this.infra.nats;
    if (!nc) return;
    const jsm = await jetstreamManager(nc);
    const stream = SUBJECTS.connectorIngestStream;
    try {
      await jsm.streams.info(stream);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      await jsm.streams.add({ name: stream, subjects: [SUBJECTS.connectorIngest('*')], storage: StorageType.File, duplicate_window: nanos(2 * 60_000) }).catch(() => jsm.streams.info(stream));
    }
    await jsm.consumers.add(stream, { durable_name: DURABLE, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: nanos(60_000), max_ack_pending: 100 }).catch(async (error: unknown) => {
      await jsm.consumers.info(stream, DURABLE).catch(() => Promise.reject(error));
    });
    const consumer = await jetstream(nc).consumers.get(stream, DURABLE);
    this.messages = await consumer.consume({ max_messages: 100 });
    this.running = this.drain(this.messages);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messages?.close();
    await this.running;
  }

  private async drain(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) await this.take(message);
  }

  async take(message: JsMsg): Promise<void> {
    const botId = message.subject.split('.').pop() ?? '';
    let body: unknown;
    try {
      body = UUID.test(botId) ? message.json() : undefined;
    } catch {
      body = undefined;
    }
    if (body === undefined) return this.terminate(message, botId, 'not a bot id, or not JSON');
    try {
      const reply = await this.ingestion.ingest(botId, body);
      if (!reply.ok) return this.terminate(message, botId, `invalid: ${reply.error.errors?.map((e) => e.path).join(', ') ?? reply.error.message}`);
      message.ack();
    } catch (error) {
      this.infra.logger.warn({ botId, err: { message: (error as Error).message } }, 'connector message not recorded; redelivering');
      message.nak(1000);
    }
  }

  private terminate(message: JsMsg, botId: string, reason: string): void {
    this.rejected++;
    this.infra.logger.warn({ botId: UUID.test(botId) ? botId : undefined, reason }, 'connector message rejected');
    message.term();
  }
}
