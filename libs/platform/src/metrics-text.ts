/**
 * A strict reader of the Prometheus text exposition format 0.0.4 (what `GET /metrics` answers), for tests and tools:
 * it throws on anything a Prometheus server would reject — a malformed line, a sample before its family's TYPE, a
 * TYPE given twice, a family split in two, a histogram sample without its suffix, the same series twice.
 */

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedFamily {
  readonly name: string;
  readonly type: string;
  readonly help?: string;
  readonly samples: ParsedSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const VALUE = '(?:[+-]?Inf|NaN|[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)';
const META_LINE = new RegExp(`^# (HELP|TYPE) (${NAME}) ?(.*)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (${VALUE})(?: (-?\\d+))?$`);
const LABEL_PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`);
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = LABEL_PAIR.exec(rest);
    if (!match) throw new Error(`line ${line}: malformed labels`);
    const [whole, name, raw] = match;
    if (name! in labels) throw new Error(`line ${line}: label ${name} given twice`);
    labels[name!] = raw!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest.length > 0) throw new Error(`line ${line}: expected "," between labels`);
  }
  return labels;
}

const toNumber = (text: string) => (text.endsWith('Inf') ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text));

/** The family a sample belongs to: a histogram's `_bucket`, `_sum`, `_count`; a summary's `_sum`, `_count`. */
function familyOf(sample: string, families: Map<string, FamilyBeingRead>): FamilyBeingRead | undefined {
  const direct = families.get(sample);
  if (direct && direct.type !== 'histogram') return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const family = families.get(sample.slice(0, -suffix.length));
    if (family?.type === 'histogram' || (family?.type === 'summary' && suffix !== '_bucket')) return family;
  }
  return undefined;
}

interface FamilyBeingRead {
  name: string;
  type: string;
  typed: boolean;
  help?: string;
  samples: ParsedSample[];
}

export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, FamilyBeingRead>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: FamilyBeingRead | undefined;
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '') return;
    if (content.startsWith('#')) {
      const meta = META_LINE.exec(content);
      if (!meta) return; // a plain comment
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (closed.has(name)) throw new Error(`line ${line}: family ${name} appears twice`);
      if (current && current.name !== name) closed.add(current.name);
      let family = families.get(name);
      if (!family) families.set(name, (family = { name, type: 'untyped', typed: false, samples: [] }));
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${rest}`);
        if (family.typed || family.samples.length > 0) throw new Error(`line ${line}: TYPE of ${name} twice or after its samples`);
        family.type = rest;
        family.typed = true;
      } else {
        if (family.help !== undefined) throw new Error(`line ${line}: HELP of ${name} twice`);
        family.help = rest;
      }
      current = family;
      return;
    }
    const sample = SAMPLE_LINE.exec(content);
    if (!sample) throw new Error(`line ${line}: not a sample: ${content.slice(0, 80)}`);
    const [, name, labelText, value] = sample as unknown as [string, string, string | undefined, string];
    const family = familyOf(name, families);
    if (!family) throw new Error(`line ${line}: sample ${name} before its TYPE`);
    if (closed.has(family.name) || current?.name !== family.name) throw new Error(`line ${line}: family ${family.name} is not contiguous`);
    const labels = parseLabels(labelText ?? '', line);
    if (family.type === 'histogram' && name.endsWith('_bucket') && labels.le === undefined) throw new Error(`line ${line}: bucket without le`);
    const key = `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
    if (series.has(key)) throw new Error(`line ${line}: series ${key} appears twice`);
    series.add(key);
    family.samples.push({ name, labels, value: toNumber(value) });
  });
  return new Map([...families].map(([name, { type, help, samples }]) => [name, { name, type, ...(help !== undefined ? { help } : {}), samples }]));
}
