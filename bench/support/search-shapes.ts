/**
 * What bench/search (over HTTP) and bench/readstore (the store alone) share: the deterministic PRNG of their data and
 * the 20 query shapes, selective to match-all, each with one of the three sorts.
 */

/** Deterministic PRNG (mulberry32): the same users every run. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks from lists with a given PRNG: uniformly, or by weight. */
export function sampler(rand: () => number) {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  function weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    let r = rand() * pairs.reduce((s, [, w]) => s + w, 0);
    for (const [v, w] of pairs) if ((r -= w) < 0) return v;
    return pairs[pairs.length - 1]![0];
  }
  return { pick, weighted };
}

// ---- the users' vocabulary --------------------------------------------------------------------------------------
export const FIRST = ['Anna', 'Bram', 'Chloe', 'Daan', 'Emma', 'Finn', 'Greta', 'Hugo', 'Iris', 'Jan', 'Karin', 'Lars', 'Mila', 'Noah', 'Olga', 'Piet', 'Quinn', 'Rosa', 'Sem', 'Tess', 'Umar', 'Vera', 'Wim', 'Xena', 'Yara', 'Zoe', 'Annika', 'Andreas', 'Bella', 'Carlos', 'Diego', 'Elena', 'Fatima', 'George', 'Hannah', 'Ivan', 'Julia', 'Kevin', 'Laura', 'Mohammed', 'Nina', 'Oscar', 'Paula', 'Ruben', 'Sara', 'Tom', 'Ursula', 'Victor', 'Willem', 'Yusuf'];
export const LAST = ['de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'Meijer', 'Mulder', 'Bos', 'Vos', 'Peters', 'Hendriks', 'Dekker', 'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Martin', 'Bernard', 'Dubois', 'Garcia', 'Lopez', 'Rossi', 'Russo', 'Smith', 'Johnson', 'Brown', 'Kowalski', 'Nowak', 'Silva', 'Santos', 'Andersen', 'Nielsen', 'Novak', 'Horvat', 'Ahmed', 'Khan', 'Yilmaz', 'Kaya', 'Wong'];
export const LANGS: [string, string, string, number][] = [
  ['en', 'en_GB', 'Europe/London', 40], ['nl', 'nl_NL', 'Europe/Amsterdam', 15], ['de', 'de_DE', 'Europe/Berlin', 12], ['fr', 'fr_FR', 'Europe/Paris', 10],
  ['es', 'es_ES', 'Europe/Madrid', 8], ['pt', 'pt_BR', 'America/Sao_Paulo', 6], ['it', 'it_IT', 'Europe/Rome', 4], ['pl', 'pl_PL', 'Europe/Warsaw', 3], ['tr', 'tr_TR', 'Europe/Istanbul', 2],
];
/** 50 tags, Zipf-like: tag-00 is on ~1 in 4 users, tag-49 on ~1 in 200. */
export const TAGS = Array.from({ length: 50 }, (_, i) => `tag-${String(i).padStart(2, '0')}`);
export const TAG_WEIGHTS = TAGS.map((t, i) => [t, 1 / (i + 1)] as const);
export const PLANS = [['free', 60], ['basic', 25], ['pro', 12], ['gold', 3]] as const;

export type Sort = { by: 'lastInteractionAt' | 'subscribedAt' | 'name'; order: 'desc' | 'asc' };
const LAST_DESC: Sort = { by: 'lastInteractionAt', order: 'desc' };
const SUB_DESC: Sort = { by: 'subscribedAt', order: 'desc' };
const NAME_ASC: Sort = { by: 'name', order: 'asc' };
const c = (field: string, op: string, value?: unknown) => (value === undefined ? { field, op } : { field, op, value });

export const SHAPES: { name: string; filter: object; sort: Sort }[] = [
  { name: 'rare tag', filter: { all: [c('tag', 'hasAny', ['tag-49'])] }, sort: LAST_DESC },
  { name: 'tag hasAll of two', filter: { all: [c('tag', 'hasAll', ['tag-03', 'tag-07'])] }, sort: NAME_ASC },
  { name: 'email startsWith', filter: { all: [c('email', 'startsWith', 'zoe.')] }, sort: SUB_DESC },
  { name: 'name startsWith', filter: { all: [c('name', 'startsWith', 'Ann')] }, sort: NAME_ASC },
  { name: 'vip isTrue', filter: { all: [c('fields.vip', 'isTrue')] }, sort: LAST_DESC },
  { name: 'plan is gold + nl', filter: { all: [c('fields.plan', 'is', 'gold'), c('language', 'is', 'nl')] }, sort: SUB_DESC },
  { name: 'score gt 90', filter: { all: [c('fields.score', 'gt', 90)] }, sort: LAST_DESC },
  { name: 'last_order withinLast P30D', filter: { all: [c('fields.last_order', 'withinLast', 'P30D')] }, sort: SUB_DESC },
  { name: 'lastInteraction withinLast P7D', filter: { all: [c('lastInteractionAt', 'withinLast', 'P7D')] }, sort: LAST_DESC },
  { name: 'sequence hasAny', filter: { all: [c('sequence', 'hasAny', ['seq-1'])] }, sort: LAST_DESC },
  { name: 'otnTopic hasAny', filter: { all: [c('otnTopic', 'hasAny', ['otn-0', 'otn-2'])] }, sort: NAME_ASC },
  { name: 'status unsubscribed', filter: { all: [c('status', 'is', 'unsubscribed')] }, sort: SUB_DESC },
  { name: 'language in [nl,de,fr]', filter: { all: [c('language', 'in', ['nl', 'de', 'fr'])] }, sort: LAST_DESC },
  { name: 'email isSet', filter: { all: [c('email', 'isSet')] }, sort: SUB_DESC },
  {
    name: 'nested any/all (6 conditions)',
    filter: { any: [{ all: [c('tag', 'hasAny', ['tag-01', 'tag-02']), c('fields.score', 'gte', 50)] }, { all: [c('language', 'is', 'de'), c('gender', 'is', 'female')] }, c('fields.vip', 'isTrue'), c('fields.plan', 'is', 'pro')] },
    sort: LAST_DESC,
  },
  {
    name: 'nested depth 3 (10 conditions)',
    filter: {
      all: [
        c('status', 'is', 'subscribed'),
        c('email', 'isSet'),
        { any: [c('tag', 'hasAny', ['tag-00', 'tag-04']), { all: [c('fields.score', 'gt', 20), c('fields.score', 'lt', 80), c('language', 'notIn', ['en'])] }] },
        { any: [c('fields.plan', 'isNot', 'free'), c('subscribedAt', 'withinLast', 'P180D'), c('sequence', 'hasAny', ['seq-0'])] },
        c('timezone', 'isSet'),
      ],
    },
    sort: NAME_ASC,
  },
  { name: 'negative: hasNone + notIn + neq', filter: { all: [c('tag', 'hasNone', ['tag-00']), c('language', 'notIn', ['en']), c('fields.score', 'neq', 50)] }, sort: LAST_DESC },
  { name: 'negative: notContains + notWithinLast', filter: { all: [c('email', 'notContains', 'example'), c('lastInteractionAt', 'notWithinLast', 'P30D')] }, sort: SUB_DESC },
  { name: 'match all (all: [])', filter: { all: [] }, sort: LAST_DESC },
  { name: 'match all, by name', filter: { all: [] }, sort: NAME_ASC },
];
