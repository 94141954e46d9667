import { Server, type CustomTransportStrategy, type MessageHandler, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { InProcessBroker } from './broker';
import { InProcessContext } from './context';

export const IN_PROCESS_TRANSPORT = Symbol.for('roster.messaging.in-process');

/**
 * Nest transport strategy of the embedded mode: `app.connectMicroservice({ strategy: new InProcessServer(broker) })`.
 * Registers the module's `@MessagePattern`/`@EventPattern` handlers with the shared broker on `listen`.
 */
export class InProcessServer extends Server implements CustomTransportStrategy {
  override readonly transportId = IN_PROCESS_TRANSPORT;
  private registrations: (() => void)[] = [];

  constructor(private readonly broker: InProcessBroker) {
    super();
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  listen(callback: (...optionalParams: unknown[]) => void): void {
    try {
      for (const [subject, handler] of this.messageHandlers) {
        this.registrations.push(
          handler.isEventHandler
            ? this.broker.addListener(subject, (packet) => this.onEvent(subject, packet))
            : this.broker.addResponder(subject, (packet, reply) => this.onRequest(subject, handler, packet, reply)),
        );
      }
    } catch (error) {
      this.close();
      callback(error);
      return;
    }
    this._status$.next('connected');
    callback();
  }

  close(): void {
    for (const unregister of this.registrations) unregister();
    this.registrations = [];
    this._status$.next('disconnected');
  }

  on(): never {
    throw new Error('the in-process transport has no connection events');
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  private onRequest(subject: string, handler: MessageHandler, packet: ReadPacket, reply: (packet: WritePacket) => void): void {
    const context = new InProcessContext([subject]);
    const produce = async () => this.transformToObservable(await handler(packet.data, context));
    Promise.resolve(this.handleRequest(context, produce, reply)).catch((error: unknown) => {
      this.handleError(error as string);
      reply({ err: { status: 'error', message: 'Internal server error' }, isDisposed: true });
    });
  }

  private onEvent(subject: string, packet: ReadPacket): void {
    const context = new InProcessContext([subject]);
    Promise.resolve(this.handleEvent(subject, packet, context)).catch((error: unknown) => this.handleError(error as string));
  }
}
