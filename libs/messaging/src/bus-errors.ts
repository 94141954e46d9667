import { Logger } from '@nestjs/common';

/** Where a bus reports failures it recovers from (handler errors, store hiccups). Messages carry names, not data. */
export type BusErrorReporter = (error: unknown, where: { readonly consumer: string; readonly source: string }) => void;

export const defaultBusErrorReporter: BusErrorReporter = (error, where) =>
  new Logger('EventBus').error(
    `consumer ${where.consumer} on ${where.source}: ${error instanceof Error ? error.message : String(error)}`,
  );
