import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { InProcessBroker } from './broker';

/** Nest client of the embedded mode; `RpcClient` wraps it exactly as it wraps `ClientNats`. */
export class InProcessClient extends ClientProxy {
  private readonly cancels = new Map<string, () => void>();

  constructor(private readonly broker: InProcessBroker) {
    super();
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  async connect(): Promise<void> {
    this._status$.next('connected');
  }

  /** Fails the requests still waiting, as ClientNats does when its connection closes. */
  async close(): Promise<void> {
    const waiting = [...this.routingMap.values()];
    this.routingMap.clear();
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
    for (const callback of waiting) callback({ err: new Error('Connection closed') });
    this._status$.next('disconnected');
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  protected publish(partialPacket: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const packet = this.assignPacketId(partialPacket);
    const subject = this.normalizePattern(packet.pattern);
    const forget = () => {
      this.routingMap.delete(packet.id);
      this.cancels.get(packet.id)?.();
      this.cancels.delete(packet.id);
    };
    this.routingMap.set(packet.id, callback);
    try {
      const cancel = this.broker.request(subject, packet, (reply) => {
        if (reply.err || reply.isDisposed) forget();
        callback(reply);
      });
      this.cancels.set(packet.id, cancel);
    } catch (error) {
      forget();
      callback({ err: error });
    }
    return forget;
  }

  /** Resolves once handed to the broker, like ClientNats: nothing confirms that anyone received it. */
  protected async dispatchEvent<T = undefined>(packet: ReadPacket): Promise<T> {
    this.broker.publish(this.normalizePattern(packet.pattern), packet);
    return undefined as T;
  }
}
