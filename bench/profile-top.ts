/**
 * bench/profile-top — where a V8 CPU profile's time went, optionally within a time slice of the run.
 *
 *   node dist/bench/profile-top.js <file.cpuprofile> [--from 0] [--to end] [--top 30]
 *   node dist/bench/profile-top.js <file.cpuprofile> --under <function> [--callers 4] [--window 30] [--from] [--to]
 *
 * `--from` / `--to` are seconds since the profile started (a profile of a whole bench/search run can be read for its
 * query phase alone: the samples carry their times in `timeDeltas`). Prints the share of samples per function (self
 * time, by name, file and line), with the idle, program and garbage-collector samples on their own lines, then the
 * share per file. Profiles come from `node --cpu-prof` (bench/search's `--node-args`) or from bench/readstore's
 * `PROFILE=<file>`.
 *
 * `--under <function>` prints instead the inclusive share of the samples whose stack holds a function of that name
 * (or label, as the lists print it: `(anonymous) paths.js:39`),
 * per chain of its `--callers` nearest callers (which of its callers pays), and that share per `--window` seconds
 * (whether it grows over the run).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { frameLabel, type CallFrame } from './support/frames';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * Calls `visit` with each sample's node id and its time (seconds since the profile's start) within [from, to];
 * returns the profile's length in seconds.
 */
function forEachSample(profile: Profile, from: number, to: number, visit: (node: number, seconds: number) => void): number {
  let elapsed = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    elapsed += profile.timeDeltas[i] ?? 0;
    const seconds = elapsed / 1e6;
    if (seconds >= from && seconds <= to) visit(profile.samples[i]!, seconds);
  }
  return elapsed / 1e6;
}

/** Samples per function and per file within [from, to] seconds of the profile's start. */
function selfTimes(profile: Profile, from: number, to: number) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  const seconds = forEachSample(profile, from, to, (node) => {
    const frame = byId.get(node)?.callFrame;
    if (!frame) return;
    total++;
    const file = frame.url ? basename(frame.url) : `(${frame.functionName || 'native'})`;
    const name = frameLabel(frame);
    functions.set(name, (functions.get(name) ?? 0) + 1);
    files.set(file, (files.get(file) ?? 0) + 1);
  });
  const ranked = (counts: Map<string, number>) => [...counts].sort((a, b) => b[1] - a[1]);
  return { total, seconds, functions: ranked(functions), files: ranked(files) };
}

/** Samples whose stack holds `fn`, by chain of its nearest callers and per window of `window` seconds. */
function under(profile: Profile, fn: string, callers: number, window: number, from: number, to: number) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const chains = new Map<string, number>();
  const windows: { total: number; under: number }[] = [];
  let total = 0;
  let hits = 0;
  const named = (frame: ProfileNode['callFrame']) => frame.functionName === fn || frameLabel(frame) === fn;
  forEachSample(profile, from, to, (node, seconds) => {
    const slot = (windows[Math.floor((seconds - from) / window)] ??= { total: 0, under: 0 });
    total++;
    slot.total++;
    // The innermost frame of that name, then its callers outward.
    let id: number | undefined = node;
    while (id !== undefined && !named(byId.get(id)!.callFrame)) id = parent.get(id);
    if (id === undefined) return;
    hits++;
    slot.under++;
    const chain: string[] = [];
    for (let up = parent.get(id); up !== undefined && chain.length < callers; up = parent.get(up)) chain.push(byId.get(up)!.callFrame.functionName || frameLabel(byId.get(up)!.callFrame));
    const key = chain.join(' <- ');
    chains.set(key, (chains.get(key) ?? 0) + 1);
  });
  return { total, hits, chains: [...chains].sort((a, b) => b[1] - a[1]), windows };
}

function main(): void {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-top <file.cpuprofile> [--from s] [--to s] [--top n]');
  const option = (name: string, fallback: number) => {
    const at = rest.indexOf(`--${name}`);
    return at >= 0 ? Number(rest[at + 1]) : fallback;
  };
  const top = option('top', 30);
  const from = option('from', 0);
  const to = option('to', Number.POSITIVE_INFINITY);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const at = rest.indexOf('--under');
  if (at >= 0) {
    const fn = rest[at + 1]!;
    const window = option('window', 30);
    const found = under(profile, fn, option('callers', 4), window, from, to);
    const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1).padStart(5)} %`;
    console.log(`${file}: ${pct(found.hits, found.total)} of ${found.total} samples under ${fn}; by its callers:`);
    for (const [chain, n] of found.chains.slice(0, top)) console.log(`${pct(n, found.total)}  ${fn} <- ${chain}`);
    console.log(`per ${window} s window:`);
    found.windows.forEach((slot, i) => console.log(`${String(i * window).padStart(6)} s  ${pct(slot.under, slot.total)} of ${slot.total}`));
    return;
  }
  const { total, seconds, functions, files } = selfTimes(profile, from, to);
  const share = (n: number) => `${((100 * n) / Math.max(1, total)).toFixed(1).padStart(5)} %`;
  console.log(`${file}: ${total} samples in the slice (profile ${seconds.toFixed(1)} s)`);
  for (const [name, n] of functions.slice(0, top)) console.log(`${share(n)}  ${name}`);
  console.log('by file:');
  for (const [name, n] of files.slice(0, Math.ceil(top / 2))) console.log(`${share(n)}  ${name}`);
}

main();
