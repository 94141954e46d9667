import { profileView, type UserDetail } from '@roster/contracts';
import type { BotUserState } from './domain/bot-user';

/** Now in the user's timezone as ISO 8601 with offset; null for a missing or unknown timezone (never an error). */
export function localTimeIn(timezone: string | undefined, now: Date): string | null {
  if (!timezone) return null;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(now);
  } catch {
    return null;
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  const wall = `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
  const offsetMinutes = Math.round((Date.parse(`${wall}Z`) - Math.floor(now.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const iso = (value: string | null | undefined) => (value ? new Date(value).toISOString() : null);

export function toUserDetail(state: BotUserState, version: number, updatedAt: string, now: Date): UserDetail {
  const p = state.profile;
  return {
    id: state.userId!,
    botId: state.botId!,
    channel: state.channel!,
    channelUserId: state.channelUserId!,
    ...profileView(p),
    status: state.status,
    subscribedAt: iso(state.subscribedAt),
    lastInteractionAt: iso(state.lastInteractionAt)!,
    tags: [...state.tags],
    fields: Object.fromEntries(Object.entries(state.fields).map(([key, field]) => [key, field.value])),
    localTime: localTimeIn(p.timezone, now),
    identities: [{ channel: state.channel!, channelUserId: state.channelUserId! }],
    notes: state.notes.map((n) => ({ ...n })),
    sequences: state.sequences.map((q) => ({ ...q })),
    otnTopics: state.otnTopics.map((t) => ({ ...t })),
    createdAt: iso(state.createdAt)!,
    updatedAt: new Date(updatedAt).toISOString(),
    version,
  };
}
