import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RosterProcess {
  pid: number;
  label: string;
}

/** The Roster processes: children of this process running a dist/services main.js. */
export function rosterProcesses(): RosterProcess[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        const m = /dist\/services\/([^/]+)\/src\/main\.js/.exec(cmd);
        return m ? [{ pid, label: m[1]! }] : [];
      } catch {
        return [];
      }
    });
}

/** CPU seconds (user + system) of a process or thread so far, from its `stat` file (clock ticks of 1/100 s); 0 once gone. */
export function cpuSecondsOf(statPath: string): number {
  try {
    const fields = readFileSync(statPath, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14 and 15 of stat(5))
  } catch {
    return 0;
  }
}

/** CPU seconds the Roster processes have used so far. */
export function rosterCpuSeconds(): number {
  return rosterProcesses().reduce((sum, p) => sum + cpuSecondsOf(`/proc/${p.pid}/stat`), 0);
}

/**
 * Waits until the Roster processes use less than a tenth of a core over 5 s: the pipeline has applied what was
 * accepted and background index work is done. A start on kept data, or the end of a load, can leave events accepted
 * but not yet projected; measuring then would time the backlog, not the queries. Gives up after `maxMinutes`.
 */
export async function untilRosterIdle(what: string, log: (line: string) => void, maxMinutes = 20): Promise<void> {
  const started = performance.now();
  const deadline = Date.now() + maxMinutes * 60_000;
  let last = rosterCpuSeconds();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const now = rosterCpuSeconds();
    const share = (now - last) / 5;
    last = now;
    if (share < 0.1) {
      log(`${what}: idle after ${((performance.now() - started) / 1000).toFixed(0)} s (CPU ${(share * 100).toFixed(0)} % of a core over 5 s)`);
      return;
    }
  }
  log(`${what}: still busy after ${maxMinutes} min; measuring anyway`);
}
