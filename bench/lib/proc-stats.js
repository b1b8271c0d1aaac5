// Server-side cost read from /proc (Linux): CPU time (utime + stime, which covers every thread of a
// process) and resident memory (VmRSS), summed over a process and its descendants, so a server that
// forks helpers is measured whole.

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields after the last ')' are fixed.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]), cutime: Number(fields[13]), cstime: Number(fields[14]) };
  } catch {
    return undefined;
  }
}

/** `pid` and all of its live descendants. */
export function processTree(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(name);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(name));
    children.set(stat.ppid, list);
  }
  const tree = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift();
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** CPU seconds used so far, per pid of the tree: Map<pid, seconds>. */
export function cpuSnapshot(pid) {
  const snapshot = new Map();
  for (const member of processTree(pid)) {
    const stat = readStat(member);
    if (stat) snapshot.set(member, (stat.utime + stat.stime) / clockTicks);
  }
  return snapshot;
}

/** CPU seconds spent between two snapshots (a process that appeared in between counts whole). */
export function cpuSecondsBetween(before, after) {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

function statusKb(pid, field) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of the tree now, in MB. */
export function rssMb(pid) {
  return processTree(pid).reduce((sum, member) => sum + statusKb(member, 'VmRSS'), 0) / 1024;
}

/** Resident memory of one process (not its children), in MB. */
export function ownRssMb(pid) {
  return statusKb(pid, 'VmRSS') / 1024;
}

/** Samples the tree's VmRSS every intervalMs until stopped; stop() returns the peak in MB. */
export function sampleRss(pid, intervalMs = 100) {
  // Walking /proc for the tree costs more than reading a few status files: refresh it once a second.
  let tree = processTree(pid);
  let ticks = 0;
  const now = () => tree.reduce((sum, member) => sum + statusKb(member, 'VmRSS'), 0) / 1024;
  let peak = now();
  const timer = setInterval(() => {
    if (++ticks % 10 === 0) tree = processTree(pid);
    peak = Math.max(peak, now());
  }, intervalMs);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssMb(pid));
  };
}

/**
 * CPU seconds used so far by the tree of `pid` including children it already reaped (a short-lived
 * command's time lands in its parent's cutime/cstime when it is waited for). Differences of two readings
 * give the tree's CPU in between.
 */
export function treeCpuSecondsWithReaped(pid) {
  let ticks = 0;
  for (const member of processTree(pid)) {
    const stat = readStat(member);
    if (stat) ticks += stat.utime + stat.stime + stat.cutime + stat.cstime;
  }
  return ticks / clockTicks;
}

/** CPU seconds the whole host has been busy (all cores; user, nice, system, irq, softirq, steal). */
export function hostBusySeconds() {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + (steal ?? 0)) / clockTicks;
  } catch {
    return null;
  }
}
