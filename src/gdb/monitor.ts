// gdb's `monitor` commands (qRcmd): what mmlab knows and other stubs do not — the modelled TLB's
// entries, a page walk level by level, the TLB counters, and under the kernel /proc/vmallocinfo,
// the current task's VMAs and the kernel log. The texts are the console's (src/session/views.ts).

import type { Machine } from "../cpu/index.js";
import type { Kernel } from "../kernel/index.js";
import { formatTlb, tlbReport, tlbView, walkView } from "../session/index.js";
import { MonitorError } from "./target.js";

export interface MonitorCommand {
  usage: string;
  help: string;
  run(args: string[]): string;
}

export type MonitorCommands = Record<string, MonitorCommand>;

/** A number as gdb users type it: decimal, 0x hex. */
function parseNum(text: string, what: string): bigint {
  if (!/^(0x[0-9a-f_]+|[0-9_]+)$/i.test(text)) throw new MonitorError(`${what}: not a number: '${text}'`);
  return BigInt(text.replaceAll("_", ""));
}

/** The commands on a machine; `hart()` is the hart gdb looks at. */
export function machineMonitor(m: Machine, hart: () => number): MonitorCommands {
  const hartArg = (a: string | undefined): number => {
    if (a === undefined) return hart();
    const n = Number(parseNum(a, "HART"));
    if (n >= m.harts.length) throw new MonitorError(`no hart ${n} (the machine has ${m.harts.length})`);
    return n;
  };
  return {
    tlb: {
      usage: "tlb [HART]",
      help: "the modelled TLB's valid entries (of the current hart, or HART)",
      run: (a) => tlbView(m, hartArg(a[0])),
    },
    walk: {
      usage: "walk ADDR",
      help: "the page walk of ADDR from the current hart's satp, level by level (fills no TLB)",
      run: (a) => {
        if (a[0] === undefined) throw new MonitorError("usage: monitor walk ADDR");
        return walkView(m, BigInt.asUintN(64, parseNum(a[0], "ADDR")), hart());
      },
    },
    stats: {
      usage: "stats",
      help: "the TLB counters (perf events) and arrays, as --stats prints them",
      run: () => formatTlb(tlbReport(m)).replace(/\n$/, ""),
    },
  };
}

/** The machine's commands and the kernel's: vmallocinfo, maps (of task `pid()`), dmesg. */
export function kernelMonitor(k: Kernel, hart: () => number, pid: () => number): MonitorCommands {
  const file = (path: string): string => {
    const bytes = k.vfs.read_file(path);
    if (typeof bytes === "bigint") throw new MonitorError(`${path}: cannot be read (error ${-bytes})`);
    return new TextDecoder().decode(bytes).replace(/\n$/, "");
  };
  return {
    ...machineMonitor(k.machine, hart),
    vmallocinfo: {
      usage: "vmallocinfo",
      help: "/proc/vmallocinfo: the kernel's vmalloc areas",
      run: () => file("/proc/vmallocinfo"),
    },
    maps: {
      usage: "maps",
      help: "/proc/PID/maps of the current thread's task: its VMAs",
      run: () => file(`/proc/${pid()}/maps`),
    },
    dmesg: {
      usage: "dmesg",
      help: "the kernel log",
      run: () => k.printk.dmesg(),
    },
  };
}

/** Run a monitor line: `help` lists the commands. The output ends with a newline. */
export function runMonitor(cmds: MonitorCommands, line: string): string {
  const [name, ...args] = line.trim().split(/\s+/);
  if (!name || name === "help") {
    const rows = Object.values(cmds).map((c) => `  ${c.usage.padEnd(16)} ${c.help}`);
    return `mmlab monitor commands:\n${rows.join("\n")}\n  ${"help".padEnd(16)} this list\n`;
  }
  const cmd = cmds[name];
  if (!cmd) throw new MonitorError(`unknown monitor command '${name}' (monitor help lists them)`);
  return `${cmd.run(args)}\n`;
}
