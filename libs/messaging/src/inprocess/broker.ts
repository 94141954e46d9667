import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception.js';
import type { ReadPacket, WritePacket } from '@nestjs/microservices';
import { jsonClone } from './json-clone';

export type InProcessResponder = (packet: ReadPacket, reply: (packet: WritePacket) => void) => void;
export type InProcessListener = (packet: ReadPacket) => void;

/** Who registered a responder: this thread's handlers (`local`), or a bridge forwarding to another thread. */
export type ResponderOrigin = 'local' | symbol;

interface Registered {
  readonly responder: InProcessResponder;
  readonly origin: ResponderOrigin;
}

/**
 * The process-wide switchboard of the in-process transport. It copies every packet through JSON and hands it over on
 * a later turn of the event loop, so handlers and callers observe what they would over NATS: no shared object
 * identity, no bigints or class instances, no synchronous re-entry into the caller's stack.
 */
export class InProcessBroker {
  private readonly responders = new Map<string, Registered[]>();
  private readonly listeners = new Map<string, Set<InProcessListener>>();
  private readonly subjectWatchers = new Set<() => void>();
  private nextResponder = 0;

  /**
   * Several responders on one subject share the load, like the instances of one NATS queue group. `origin` names a
   * bridge that forwards to another thread (see `BrokerBridge`); handlers of this thread leave it out.
   */
  addResponder(subject: string, responder: InProcessResponder, origin: ResponderOrigin = 'local'): () => void {
    assertExactSubject(subject);
    const entry: Registered = { responder, origin };
    const list = this.responders.get(subject) ?? [];
    this.responders.set(subject, [...list, entry]);
    this.subjectsChanged();
    return () => {
      const remaining = (this.responders.get(subject) ?? []).filter((r) => r !== entry);
      if (remaining.length > 0) this.responders.set(subject, remaining);
      else this.responders.delete(subject);
      this.subjectsChanged();
    };
  }

  /** The subjects someone answers here, leaving out responders registered by `except` (a bridge asking what to announce). */
  answeredSubjects(except?: ResponderOrigin): string[] {
    const subjects: string[] = [];
    for (const [subject, list] of this.responders) if (list.some((r) => r.origin !== except)) subjects.push(subject);
    return subjects;
  }

  /** Called (synchronously) whenever a responder is added or removed. */
  watchSubjects(watcher: () => void): () => void {
    this.subjectWatchers.add(watcher);
    return () => this.subjectWatchers.delete(watcher);
  }

  addListener(subject: string, listener: InProcessListener): () => void {
    assertExactSubject(subject);
    const set = this.listeners.get(subject) ?? new Set<InProcessListener>();
    set.add(listener);
    this.listeners.set(subject, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(subject);
    };
  }

  /**
   * Routes a request; replies arrive through `onReply` until the returned cancel function runs. Throws if the
   * packet cannot be serialized, as the NATS client does. `asText`: a reply of a handler of this thread comes with its
   * response as JSON text (`JsonText`) instead of a copy — for a bridge, which posts it to another thread.
   */
  request(subject: string, packet: ReadPacket, onReply: (packet: WritePacket) => void, avoid?: ResponderOrigin, asText = false): () => void {
    const wire = jsonCopy(packet);
    let cancelled = false;
    const deliver = (reply: WritePacket) =>
      setImmediate(() => {
        if (!cancelled) onReply(reply);
      });
    // A request a bridge brought in is never sent back over that bridge (no ping-pong between two threads).
    const responders = (this.responders.get(subject) ?? []).filter((r) => avoid === undefined || r.origin !== avoid);
    if (responders.length === 0) {
      deliver({ err: new EmptyResponseException(subject), isDisposed: true });
    } else {
      const { responder, origin } = responders[this.nextResponder++ % responders.length]!;
      // A bridge's reply is already a copy: the other thread's broker made its response JSON text, which the bridge
      // parsed (or copied it through JSON, which the port cloned). Copying it again cost the main thread a deep copy
      // of every page of users it relays. Errors are copied
      // still (the bridge rebuilt them as Error objects; the copy makes them what a local reply's error becomes).
      const copy = origin !== 'local' ? (reply: WritePacket) => (reply.err === undefined ? reply : replyCopy(reply)) : asText ? replyText : replyCopy;
      setImmediate(() => responder(wire, (reply) => deliver(copy(reply))));
    }
    return () => {
      cancelled = true;
    };
  }

  /** Fire and forget, like core NATS: nobody listening means the event is dropped. */
  publish(subject: string, packet: ReadPacket): void {
    const wire = jsonCopy(packet);
    for (const listener of this.listeners.get(subject) ?? []) {
      setImmediate(() => listener(jsonCopy(wire)));
    }
  }

  hasResponder(subject: string): boolean {
    return (this.responders.get(subject)?.length ?? 0) > 0;
  }

  private subjectsChanged(): void {
    for (const watcher of this.subjectWatchers) watcher();
  }
}

/** What crossing the wire as JSON leaves of a packet (`jsonClone` gives it without building the text). */
function jsonCopy<T>(value: T): T {
  return jsonClone(value);
}

/** A reply that cannot cross the wire becomes an error the caller sees at once, instead of a silent timeout. */
function replyCopy(reply: WritePacket): WritePacket {
  // "No responders" (a bridge whose thread is gone) stays the error the client recognises, as a local one does.
  if (reply.err instanceof EmptyResponseException) return reply;
  try {
    return jsonCopy(reply);
  } catch (error) {
    return unserializable(error);
  }
}

function unserializable(error: unknown): WritePacket {
  const reason = error instanceof Error ? error.message : String(error);
  return { err: { status: 'error', message: `reply is not serializable: ${reason}` }, isDisposed: true };
}

/**
 * A reply's response as the JSON text crossing the wire would carry: what a bridge posts to another thread, which
 * parses it. A page of 50 users cost the answering thread a deep copy through JSON (~48 µs) and then the port's
 * structured clone of that object graph (~76 µs); the text costs ~62 µs and the port copies a string (~21 µs) — and
 * the receiving thread parses it (~92 µs) instead of deserializing the graph (~140 µs) (micro-benchmark, 2026-12-05).
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** `replyCopy`, with the response as `JsonText` (errors and empty responses are copied as before). */
function replyText(reply: WritePacket): WritePacket {
  if (reply.err !== undefined || reply.response === undefined) return replyCopy(reply);
  let text: string | undefined;
  try {
    text = JSON.stringify(reply.response);
  } catch (error) {
    return unserializable(error);
  }
  const { response: _response, ...rest } = reply;
  return text === undefined ? jsonCopy(rest) : { ...jsonCopy(rest), response: new JsonText(text) };
}

function assertExactSubject(subject: string): void {
  if (/[*>\s]/.test(subject) || subject.length === 0) {
    throw new Error(`in-process transport routes exact subjects only, not "${subject}"`);
  }
}
