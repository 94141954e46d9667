import { GATEWAY_EVENTS as E, type BotEvent } from '@roster/contracts';

export interface BotState {
  readonly exists: boolean;
  readonly botId?: string;
  readonly keyIds: readonly string[];
}

export type BotCommand =
  | { type: 'CreateBot'; data: { botId: string; name: string; timezone: string | null }; metadata: { now: string } }
  | { type: 'IssueApiKey'; data: { botId: string; keyId: string; keyHash: string }; metadata: { now: string } };

export class BotNotFoundError extends Error {
  constructor() {
    super('no such bot');
    this.name = 'BotNotFoundError';
  }
}

export const initialState = (): BotState => ({ exists: false, keyIds: [] });

export function decide(command: BotCommand, state: BotState): BotEvent[] {
  switch (command.type) {
    case 'CreateBot':
      if (state.exists) return [];
      return [{ type: E.botCreated, data: { ...command.data, createdAt: command.metadata.now } }];
    case 'IssueApiKey':
      if (!state.exists) throw new BotNotFoundError();
      if (state.keyIds.includes(command.data.keyId)) return [];
      return [{ type: E.apiKeyIssued, data: { ...command.data, createdAt: command.metadata.now } }];
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
}

export function evolve(state: BotState, event: BotEvent): BotState {
  switch (event.type) {
    case E.botCreated:
      return { ...state, exists: true, botId: event.data.botId };
    case E.apiKeyIssued:
      return { ...state, keyIds: [...state.keyIds, event.data.keyId] };
    default:
      return state;
  }
}

export const botDecider = { decide, evolve, initialState };
