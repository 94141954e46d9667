import type { MessagePort } from 'node:worker_threads';
import type { ReadPacket, WritePacket } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception.js';
import { JsonText, type InProcessBroker, type InProcessResponder } from './broker';

/**
 * What crosses the port. Packets were already copied through JSON by the broker, so they clone cheaply; a reply's
 * response crosses as its JSON text (`json`), which the receiving side parses.
 */
type BridgeMessage =
  | { readonly t: 'subjects'; readonly subjects: readonly string[] }
  | { readonly t: 'request'; readonly id: number; readonly subject: string; readonly packet: ReadPacket }
  | { readonly t: 'reply'; readonly id: number; readonly packet: WritePacket; readonly json?: string }
  | { readonly t: 'signal'; readonly name: string };

/** An `err` that was an Error object crosses as its name and message (the far side rebuilds what the client expects). */
interface WireError {
  readonly $error: string;
  readonly message: string;
}

/**
 * Joins two `InProcessBroker`s in two threads over a `MessagePort`. Each side announces the subjects it answers
 * (its own handlers and what its other bridges forward, never what this bridge brought in); the other side adds a
 * forwarding responder per subject, so a request crosses at most once per bridge and replies come back matched by id.
 * When the port closes (the other thread stopped or died) its subjects disappear and requests still waiting fail at
 * once with the "no responders" error, as NATS answers when a service is down.
 *
 * `signal(name)` sends a bare notification (coalesced per turn of the event loop) that `onSignal(name)` receives on
 * the other side: embedded mode uses it to wake event-store subscriptions after a commit in another thread.
 */
export class BrokerBridge {
  readonly #origin = Symbol('bridge');
  readonly #forwarded = new Map<string, () => void>();
  readonly #waiting = new Map<number, { readonly subject: string; readonly reply: (packet: WritePacket) => void }>();
  readonly #signalHandlers = new Map<string, Set<() => void>>();
  readonly #pendingSignals = new Set<string>();
  readonly #unwatch: () => void;
  #announced = '';
  #announceScheduled = false;
  #nextId = 0;
  #closed = false;

  constructor(
    private readonly broker: InProcessBroker,
    private readonly port: MessagePort,
  ) {
    port.on('message', (message: BridgeMessage) => this.receive(message));
    port.on('close', () => this.disconnect());
    this.#unwatch = broker.watchSubjects(() => this.scheduleAnnounce());
    this.scheduleAnnounce();
  }

  /** The subjects the other side answers through this bridge (tests, diagnostics). */
  get remoteSubjects(): string[] {
    return [...this.#forwarded.keys()];
  }

  get closed(): boolean {
    return this.#closed;
  }

  signal(name: string): void {
    if (this.#closed) return;
    if (this.#pendingSignals.size === 0) {
      queueMicrotask(() => {
        for (const pending of this.#pendingSignals) this.post({ t: 'signal', name: pending });
        this.#pendingSignals.clear();
      });
    }
    this.#pendingSignals.add(name);
  }

  onSignal(name: string, handler: () => void): () => void {
    const handlers = this.#signalHandlers.get(name) ?? new Set<() => void>();
    handlers.add(handler);
    this.#signalHandlers.set(name, handlers);
    return () => handlers.delete(handler);
  }

  /** Stops forwarding both ways and closes the port (the other side sees it as gone). */
  close(): void {
    if (this.#closed) return;
    this.disconnect();
    this.port.close();
  }

  private receive(message: BridgeMessage): void {
    if (this.#closed) return;
    switch (message.t) {
      case 'subjects':
        return this.forwardSubjects(message.subjects);
      case 'request':
        return this.serve(message.id, message.subject, message.packet);
      case 'reply':
        return this.settle(message.id, message.json === undefined ? message.packet : { ...message.packet, response: JSON.parse(message.json) });
      case 'signal':
        for (const handler of this.#signalHandlers.get(message.name) ?? []) handler();
        return;
      default:
        message satisfies never;
    }
  }

  private forwardSubjects(subjects: readonly string[]): void {
    const wanted = new Set(subjects);
    for (const [subject, unregister] of this.#forwarded) {
      if (!wanted.has(subject)) {
        this.#forwarded.delete(subject);
        unregister();
      }
    }
    for (const subject of wanted) {
      if (this.#forwarded.has(subject)) continue;
      const forward: InProcessResponder = (packet, reply) => this.forward(subject, packet, reply);
      this.#forwarded.set(subject, this.broker.addResponder(subject, forward, this.#origin));
    }
  }

  private forward(subject: string, packet: ReadPacket, reply: (packet: WritePacket) => void): void {
    if (this.#closed) {
      reply({ err: new EmptyResponseException(subject), isDisposed: true });
      return;
    }
    const id = ++this.#nextId;
    this.#waiting.set(id, { subject, reply });
    this.post({ t: 'request', id, subject, packet });
  }

  private serve(id: number, subject: string, packet: ReadPacket): void {
    this.broker.request(subject, packet, (reply) => this.post(replyMessage(id, reply)), this.#origin, true);
  }

  private settle(id: number, packet: WritePacket): void {
    const waiting = this.#waiting.get(id);
    if (!waiting) return;
    if (packet.isDisposed || packet.err) this.#waiting.delete(id);
    waiting.reply(fromWire(packet, waiting.subject));
  }

  private scheduleAnnounce(): void {
    if (this.#announceScheduled || this.#closed) return;
    this.#announceScheduled = true;
    queueMicrotask(() => {
      this.#announceScheduled = false;
      const subjects = this.broker.answeredSubjects(this.#origin).sort();
      const key = subjects.join('\n');
      if (key === this.#announced) return;
      this.#announced = key;
      this.post({ t: 'subjects', subjects });
    });
  }

  private post(message: BridgeMessage): void {
    if (this.#closed) return;
    this.port.postMessage(message);
  }

  private disconnect(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unwatch();
    for (const unregister of this.#forwarded.values()) unregister();
    this.#forwarded.clear();
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const { subject, reply } of waiting) reply({ err: new EmptyResponseException(subject), isDisposed: true });
    this.#signalHandlers.clear();
  }
}

const NO_RESPONDERS = 'no-responders';

function replyMessage(id: number, reply: WritePacket): BridgeMessage {
  if (!(reply.response instanceof JsonText)) return { t: 'reply', id, packet: toWire(reply) };
  const { response, ...rest } = reply;
  return { t: 'reply', id, packet: toWire(rest), json: response.text };
}

function toWire(packet: WritePacket): WritePacket {
  if (!(packet.err instanceof Error)) return packet;
  const err: WireError = { $error: packet.err instanceof EmptyResponseException ? NO_RESPONDERS : packet.err.name, message: packet.err.message };
  return { ...packet, err };
}

function fromWire(packet: WritePacket, subject: string): WritePacket {
  const err = packet.err as Partial<WireError> | undefined;
  if (typeof err !== 'object' || err === null || typeof err.$error !== 'string') return packet;
  const error = err.$error === NO_RESPONDERS ? new EmptyResponseException(subject) : Object.assign(new Error(err.message), { name: err.$error });
  return { ...packet, err: error };
}
