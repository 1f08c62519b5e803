// The kernel console's command interpreter, shared by `mmlab console` (interactive),
// `mmlab boot --script FILE|-` and the web playground (web/): call the mm API (vmalloc, vrealloc, kmalloc, ...) and look
// inside the kernel and the machine (/proc files, memory, the TLBs, page walks, counters).
// One line is one command; `help` lists them. Values are 64-bit: numbers (4096, 0x1000, 4K, 2M,
// 1G), variables holding pointers (`p = vmalloc 256K`) and sums of them (p+16K, p-8).

import {
  GFP,
  GFP_ATOMIC,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  GFP_NOWAIT,
  hex64,
  type Kernel,
  KernelOops,
  strerror,
  vmFlagNames,
} from "../kernel/index.js";
import { isPanic, logOops } from "./kernel.js";
import { tlbReport } from "./perf.js";
import { kernelStats } from "./stats.js";
import { formatKernel, formatTlb, tlbView, walkView } from "./views.js";

/** A mistake in a console line: printed, and for a script, the line it names. */
export class ConsoleError extends Error {
  override name = "ConsoleError";
}

/** What a line did. */
export type LineResult =
  | { kind: "ok" }
  | { kind: "error"; message: string }
  /** The kernel oopsed (the lines are in the log); a script stops. */
  | { kind: "oops" }
  /** The kernel panicked: nothing more can run. */
  | { kind: "panic"; expected: boolean }
  | { kind: "quit" };

/** GFP names a line may use, alone or joined by '|'. */
const GFP_NAMES: Record<string, number> = {
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  GFP_ATOMIC,
  GFP_NOWAIT,
  ...GFP,
};

const CALLER = "mmlab_console";

interface CommandSpec {
  usage: string;
  help: string;
  /** Returns a pointer when the command allocates (so `VAR = CMD ...` can keep it). */
  run: (c: KConsole, args: string[]) => bigint | undefined;
  /** The argument whose variable takes the result when no `VAR =` is given (vrealloc p ...). */
  updates?: number;
}

const hexAddr = (v: bigint): string => `0x${hex64(v)}`;

/** A pointer as the console shows it. */
export function showPtr(v: bigint): string {
  if (v === 0n) return "NULL";
  if (v === 0x10n) return "ZERO_SIZE_PTR (0x10)";
  return hexAddr(v);
}

/** A number: 4096, 0x1000, 4K, 2M, 1G (binary units). Undefined if it is not one. */
export function parseNumber(text: string): bigint | undefined {
  const t = text.replaceAll("_", "");
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  const m = /^(\d+)([KMG])?(?:i?B)?$/i.exec(t);
  if (!m) return undefined;
  const unit = { "": 0n, K: 10n, M: 20n, G: 30n }[(m[2] ?? "").toUpperCase()]!;
  return BigInt(m[1]!) << unit;
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The longest console or script line, in UTF-8 bytes: as long as a line Linux's terminal line
 *  discipline holds (N_TTY_BUF_SIZE, 4096, include/linux/tty.h). A longer line is refused, and
 *  the interactive console keeps no more of it than this (src/cli/line-editor.ts). */
export const MAX_CONSOLE_LINE = 4096;

/** Whether `line` is longer than MAX_CONSOLE_LINE bytes of UTF-8 (a UTF-16 unit is 1 to 3). */
function tooLong(line: string): boolean {
  if (line.length * 3 <= MAX_CONSOLE_LINE) return false;
  return line.length > MAX_CONSOLE_LINE || new TextEncoder().encode(line).length > MAX_CONSOLE_LINE;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length]![b.length]!;
}

/** The classic hexdump -C layout: address, 16 bytes, their ASCII. */
export function hexdump(addr: bigint, bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0"));
    const left = hex.slice(0, 8).join(" ");
    const right = hex.slice(8).join(" ");
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${hex64(addr + BigInt(off))}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  return lines.join("\n");
}

/** `[VAR =] NAME SIZE [GFP]`: an allocator taking a size and GFP flags (`gfp: false`: a size only). */
function allocCommand(
  name: string,
  help: string,
  alloc: (k: Kernel, size: number, gfp: number | undefined) => bigint,
  opts: { gfp: boolean } = { gfp: true },
): CommandSpec {
  return {
    usage: `[VAR =] ${name} SIZE${opts.gfp ? " [GFP]" : ""}`,
    help,
    run: (c, a) => {
      c.arity(a, 1, opts.gfp ? 2 : 1);
      return alloc(c.k, c.size(a[0]!), a[1] === undefined ? undefined : c.gfp(a.slice(1)));
    },
  };
}

/** `NAME PTR`: a free. */
function freeCommand(name: string, help: string, free: (k: Kernel, ptr: bigint) => void): CommandSpec {
  return {
    usage: `${name} PTR`,
    help,
    run: (c, a) => {
      c.arity(a, 1, 1);
      free(c.k, c.value(a[0]!));
      return undefined;
    },
  };
}

/** `[VAR =] NAME PTR SIZE [GFP]`: a realloc; without `VAR =`, a variable PTR takes the result. */
function reallocCommand(
  name: string,
  help: string,
  realloc: (k: Kernel, ptr: bigint, size: number, gfp: number) => bigint,
): CommandSpec {
  return {
    usage: `[VAR =] ${name} PTR SIZE [GFP]`,
    help,
    updates: 0,
    run: (c, a) => {
      c.arity(a, 2, 3);
      return realloc(c.k, c.value(a[0]!), c.size(a[1]!), c.gfp(a.slice(2)));
    },
  };
}

const orKernel = (gfp: number | undefined): number => gfp ?? GFP_KERNEL;

export const COMMANDS: Record<string, CommandSpec> = {
  vmalloc: allocCommand(
    "vmalloc",
    "vmalloc(SIZE), or __vmalloc(SIZE, GFP) when flags are given",
    (k, size, gfp) =>
      gfp === undefined ? k.vmalloc.vmalloc(size, CALLER) : k.vmalloc.__vmalloc(size, gfp, CALLER),
  ),
  vzalloc: allocCommand(
    "vzalloc",
    "vzalloc(SIZE): vmalloc, zeroed",
    (k, size) => k.vmalloc.vzalloc(size, CALLER),
    {
      gfp: false,
    },
  ),
  vmalloc_huge: allocCommand(
    "vmalloc_huge",
    "vmalloc_huge(SIZE, GFP): 2 MiB leaves when SIZE >= 2M (unless nohugevmalloc)",
    (k, size, gfp) => k.vmalloc.vmalloc_huge(size, orKernel(gfp), CALLER),
  ),
  vfree: freeCommand(
    "vfree",
    "vfree(PTR): pages freed now, the VA range and its TLB flush left to the lazy purge",
    (k, ptr) => k.vmalloc.vfree(ptr),
  ),
  vrealloc: reallocCommand(
    "vrealloc",
    "vrealloc(PTR, SIZE, GFP); without 'VAR =', a variable PTR takes the result (unless NULL)",
    (k, ptr, size, gfp) => k.vmalloc.vrealloc(ptr, size, gfp, 1, -1, CALLER),
  ),
  kmalloc: allocCommand("kmalloc", "kmalloc(SIZE, GFP) from the slab caches", (k, size, gfp) =>
    k.slab.kmalloc(size, orKernel(gfp), CALLER),
  ),
  kzalloc: allocCommand("kzalloc", "kzalloc(SIZE, GFP): kmalloc, zeroed", (k, size, gfp) =>
    k.slab.kzalloc(size, orKernel(gfp), CALLER),
  ),
  kfree: freeCommand("kfree", "kfree(PTR)", (k, ptr) => k.slab.kfree(ptr, CALLER)),
  krealloc: reallocCommand(
    "krealloc",
    "krealloc(PTR, SIZE, GFP); a variable PTR takes the result, as with vrealloc",
    (k, ptr, size, gfp) => k.slab.krealloc(ptr, size, gfp),
  ),
  ksize: {
    usage: "ksize PTR",
    help: "ksize(PTR): the usable size of a kmalloc'd object",
    run: (c, a) => {
      c.arity(a, 1, 1);
      c.print(String(c.k.slab.ksize(c.value(a[0]!))));
      return undefined;
    },
  },
  kvmalloc: allocCommand(
    "kvmalloc",
    "kvmalloc(SIZE, GFP): kmalloc, falling back to vmalloc",
    (k, size, gfp) => k.kv.kvmalloc(size, orKernel(gfp), CALLER),
  ),
  kvzalloc: allocCommand("kvzalloc", "kvzalloc(SIZE, GFP): kvmalloc, zeroed", (k, size, gfp) =>
    k.kv.kvzalloc(size, orKernel(gfp), CALLER),
  ),
  kvfree: freeCommand("kvfree", "kvfree(PTR): kfree or vfree, whichever allocated it", (k, ptr) =>
    k.kv.kvfree(ptr),
  ),
  kvrealloc: reallocCommand(
    "kvrealloc",
    "kvrealloc(PTR, SIZE, GFP); a variable PTR takes the result, as with vrealloc",
    (k, ptr, size, gfp) => k.kv.kvrealloc(ptr, size, gfp),
  ),
  read: {
    usage: "read ADDR [LEN]",
    help: "read LEN bytes (default 64) through the current hart's MMU, as the kernel does; hexdump",
    run: (c, a) => {
      c.arity(a, 1, 2);
      const addr = c.value(a[0]!);
      const len = a[1] === undefined ? 64 : c.size(a[1]);
      if (len > 1 << 20) throw new ConsoleError(`read: at most 1M bytes at a time, not ${len}`);
      c.print(hexdump(addr, c.k.kmem.read(addr, len, "mmlab_console_read")));
      return undefined;
    },
  },
  write: {
    usage: 'write ADDR VALUE [WIDTH] | write ADDR "TEXT"',
    help: "store VALUE as a WIDTH-byte little-endian integer (1, 2, 4 or 8; default 8), or TEXT's bytes",
    run: (c, a) => {
      if (a.length < 2) throw new ConsoleError(`usage: ${COMMANDS.write!.usage}`);
      const addr = c.value(a[0]!);
      if (a[1]!.startsWith('"')) {
        const text = a.slice(1).join(" ");
        let s: string;
        try {
          s = JSON.parse(text) as string;
        } catch {
          throw new ConsoleError(`write: bad string ${text} (use double quotes and C escapes like \\n)`);
        }
        c.k.kmem.write(addr, new TextEncoder().encode(s), "mmlab_console_write");
        return undefined;
      }
      c.arity(a, 2, 3);
      const width = a[2] === undefined ? 8 : Number(a[2]);
      if (![1, 2, 4, 8].includes(width))
        throw new ConsoleError(`write: WIDTH must be 1, 2, 4 or 8, not '${a[2]}'`);
      const v = BigInt.asUintN(width * 8, c.value(a[1]!));
      const bytes = new Uint8Array(width);
      for (let i = 0; i < width; i++) bytes[i] = Number((v >> BigInt(8 * i)) & 0xffn);
      c.k.kmem.write(addr, bytes, "mmlab_console_write");
      return undefined;
    },
  },
  memset: {
    usage: "memset ADDR BYTE LEN",
    help: "fill LEN bytes at ADDR with BYTE",
    run: (c, a) => {
      c.arity(a, 3, 3);
      c.k.kmem.memset(c.value(a[0]!), Number(c.value(a[1]!) & 0xffn), c.size(a[2]!), "mmlab_console_memset");
      return undefined;
    },
  },
  cat: {
    usage: "cat FILE",
    help:
      "a file of the kernel's tree: /proc/meminfo (or just meminfo), vmallocinfo, buddyinfo, slabinfo, vmstat, " +
      "cpuinfo, PID/maps ...; /tmp, /dev, mounts; /sys/fs/cgroup/[CG/]memory.stat, .current, .max, .events",
    run: (c, a) => {
      c.arity(a, 1, 1);
      const cg = /^\/sys\/fs\/cgroup((?:\/[^/]+)*)\/(memory\.[a-z.]+)$/.exec(a[0]!);
      if (cg) {
        c.print(c.cgroupFile(cg[1] || "/", cg[2]!));
        return undefined;
      }
      // Any file of the kernel's namespace (/proc, /tmp, /dev, mounts); a bare name is /proc's.
      const path = a[0]!.startsWith("/") ? a[0]! : `/proc/${a[0]}`;
      const bytes = c.k.vfs.read_file(path);
      if (typeof bytes === "bigint") throw new ConsoleError(`cat: ${path}: ${strerror(-bytes)}`);
      c.print(new TextDecoder().decode(bytes).replace(/\n$/, ""));
      return undefined;
    },
  },
  area: {
    usage: "area ADDR",
    help: "the vm_struct of the vmalloc area holding ADDR (find_vm_area)",
    run: (c, a) => {
      c.arity(a, 1, 1);
      const addr = c.value(a[0]!);
      const vm = c.k.vmalloc.find_vm_area(addr);
      if (!vm) throw new ConsoleError(`${hexAddr(addr)}: not in a vmalloc area`);
      const flags = vmFlagNames(vm.flags);
      c.print(
        [
          `addr            ${hexAddr(vm.addr)}`,
          `size            ${vm.size} (guard page included)`,
          `requested_size  ${vm.requested_size}`,
          `nr_pages        ${vm.nr_pages}`,
          `page_order      ${vm.page_order}`,
          `flags           0x${vm.flags.toString(16)} ${flags.join("|")}`,
          `caller          ${vm.caller}`,
        ].join("\n"),
      );
      return undefined;
    },
  },
  tlb: {
    usage: "tlb [HART]",
    help: "the modelled TLB's valid entries on HART (default: the current one)",
    run: (c, a) => {
      c.arity(a, 0, 1);
      c.print(tlbView(c.k.machine, a[0] === undefined ? c.k.cpu : c.hartNumber(a[0])));
      return undefined;
    },
  },
  walk: {
    usage: "walk ADDR [HART]",
    help: "the page walk for ADDR, level by level, from the current hart's satp (fills no TLB)",
    run: (c, a) => {
      c.arity(a, 1, 2);
      c.print(walkView(c.k.machine, c.value(a[0]!), a[1] === undefined ? c.k.cpu : c.hartNumber(a[1])));
      return undefined;
    },
  },
  stats: {
    usage: "stats",
    help: "the TLB counters (as perf events) of every hart, and the kernel's counters",
    run: (c, a) => {
      c.arity(a, 0, 0);
      c.print(`${formatTlb(tlbReport(c.k.machine))}${formatKernel(kernelStats(c.k))}`);
      return undefined;
    },
  },
  purge: {
    usage: "purge",
    help: "vm_unmap_aliases(): purge the lazily freed vmalloc areas now, with their TLB flush",
    run: (c, a) => {
      c.arity(a, 0, 0);
      const lazy = c.k.vmalloc.vmap_lazy_nr;
      c.k.vmalloc.vm_unmap_aliases();
      c.print(`purged ${lazy} lazily freed page${lazy === 1 ? "" : "s"}`);
      return undefined;
    },
  },
  hart: {
    usage: "hart [N]",
    help: "make hart N the current CPU (the kernel's accesses go through its MMU); show it",
    run: (c, a) => {
      c.arity(a, 0, 1);
      if (a[0] !== undefined) c.k.cpu = c.hartNumber(a[0]);
      c.print(`hart ${c.k.cpu} of ${c.k.machine.harts.length}`);
      return undefined;
    },
  },
  print: {
    usage: "print EXPR | VAR",
    help: "show a value (a bare variable name does the same)",
    run: (c, a) => {
      c.arity(a, 1, 1);
      const v = c.value(a[0]!);
      c.print(`${showPtr(v)}${v > 0x10n && v < 1n << 53n ? ` (${v})` : ""}`);
      return undefined;
    },
  },
  vars: {
    usage: "vars",
    help: "list the variables",
    run: (c, a) => {
      c.arity(a, 0, 0);
      c.print([...c.vars].map(([n, v]) => `${n} = ${showPtr(v)}`).join("\n") || "(no variables)");
      return undefined;
    },
  },
  echo: {
    usage: "echo TEXT [> /sys/fs/cgroup/CG/memory.max]",
    help: "print TEXT, or write it to a cgroup's memory.max (a size, 1M..., or max), as a shell does",
    run: (c, a) => {
      const to = a.indexOf(">");
      if (to < 0) {
        c.print(a.join(" "));
        return undefined;
      }
      if (to !== a.length - 2) throw new ConsoleError("echo: expected 'echo VALUE > FILE'");
      c.writeCgroupFile(a[to + 1]!, a.slice(0, to).join(" "));
      return undefined;
    },
  },
  mkdir: {
    usage: "mkdir /sys/fs/cgroup/CG[/CHILD...]",
    help: "create a memory cgroup (its parent must exist); see set_active_memcg, and echo > memory.max",
    run: (c, a) => {
      c.arity(a, 1, 1);
      const path = cgroupPath(a[0]!, "mkdir");
      if (path === "/") throw new ConsoleError("mkdir: cannot create '/sys/fs/cgroup': File exists");
      const cut = path.lastIndexOf("/");
      const parent = c.cgroupId(path.slice(0, cut) || "/", "mkdir");
      c.memcg("mkdir", () => c.k.memcg.mem_cgroup_create(path.slice(cut + 1), undefined, parent));
      return undefined;
    },
  },
  set_active_memcg: {
    usage: "set_active_memcg [/sys/fs/cgroup/CG]",
    help: "charge the console's __GFP_ACCOUNT allocations (GFP_KERNEL_ACCOUNT) to CG from now on (/: none); show it",
    run: (c, a) => {
      c.arity(a, 0, 1);
      const m = c.k.memcg;
      const was = m.cgroup_path(m.active_memcg());
      if (a[0] !== undefined)
        m.set_active_memcg(c.cgroupId(cgroupPath(a[0], "set_active_memcg"), "set_active_memcg"));
      const now = m.cgroup_path(m.active_memcg());
      c.print(`active memcg: ${now}${a[0] === undefined ? "" : ` (was ${was})`}`);
      return undefined;
    },
  },
  expect: {
    usage: "expect kasan|oops|warn|panic[,...] COMMAND ...",
    help: "run COMMAND, which must cause that report (each one listed); it then is no failure",
    run: () => undefined, // handled by exec()
  },
  help: {
    usage: "help [COMMAND]",
    help: "list the commands, or explain one",
    run: (c, a) => {
      c.arity(a, 0, 1);
      c.print(a[0] === undefined ? `Commands:\n${consoleHelp()}` : commandHelp(a[0]));
      return undefined;
    },
  },
  quit: {
    usage: "quit",
    help: "leave the console (also: exit, end of input)",
    run: () => undefined, // handled by exec()
  },
};

/** A cgroup's path below /sys/fs/cgroup ("/" for the root, "/a/b"), from "/sys/fs/cgroup/a/b";
 *  a bare "a/b" or "/a/b" is taken as the same. */
function cgroupPath(text: string, cmd: string): string {
  const rest = text.startsWith("/sys/fs/cgroup") ? text.slice("/sys/fs/cgroup".length) : text;
  if (rest !== "" && !rest.startsWith("/") && text.startsWith("/sys/fs/cgroup"))
    throw new ConsoleError(`${cmd}: ${text}: not a cgroup path (/sys/fs/cgroup/CG)`);
  const parts = rest.split("/").filter((p) => p !== "");
  return `/${parts.join("/")}`;
}

function commandHelp(name: string): string {
  const spec = COMMANDS[name];
  if (!spec) throw new ConsoleError(`help: no command '${name}'${suggest(name)}`);
  return `${spec.usage}\n  ${spec.help}`;
}

/** `help`: every command with its one-line help. */
export function consoleHelp(): string {
  const width = 34;
  const rows = Object.values(COMMANDS).map((c) =>
    c.usage.length < width - 2
      ? `  ${c.usage.padEnd(width)}${c.help}`
      : `  ${c.usage}\n  ${"".padEnd(width)}${c.help}`,
  );
  return [
    ...rows,
    "ADDR, PTR, SIZE: numbers (4096, 0x1000, 4K, 2M, 1G), variables, sums (p+16K, p-8), NULL.",
    "GFP: GFP_KERNEL (the default), GFP_ATOMIC, GFP_NOWAIT, GFP_KERNEL_ACCOUNT, __GFP_ZERO, __GFP_NOWARN...",
    "joined by '|' (GFP_KERNEL|__GFP_ZERO), or a number. '#' starts a comment.",
  ].join("\n");
}

function suggest(word: string): string {
  const best = Object.keys(COMMANDS)
    .map((n) => [n, distance(word, n)] as const)
    .sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= (word.length <= 4 ? 1 : 2) ? ` (did you mean '${best[0]}'?)` : "";
}

type ReportKind = "kasan" | "oops" | "warn" | "panic";

/** The interpreter: variables, the current hart, and what the lines caused. */
export class KConsole {
  readonly vars = new Map<string, bigint>();
  /** Reports that `expect` accounted for. */
  readonly expected = { kasan: 0, warn: 0 };
  /** Oopses no `expect` asked for. */
  unexpectedOopses = 0;

  constructor(
    readonly k: Kernel,
    private readonly out: (text: string) => void,
  ) {}

  /** Print a line (or lines) of command output. */
  print(text: string): void {
    this.out(`${text}\n`);
  }

  /** KASAN reports (printed ones: only the first unless kasan_multi_shot) and WARNs no `expect`
   *  accounted for, and oopses. */
  unexpected(): { kasan: number; warn: number; oops: number } {
    return {
      kasan: (this.k.kasan?.printed ?? 0) - this.expected.kasan,
      warn: this.k.printk.warnings - this.expected.warn,
      oops: this.unexpectedOopses,
    };
  }

  /** Run one line. Never throws for a mistake in the line or a kernel oops. */
  exec(line: string): LineResult {
    if (tooLong(line))
      return { kind: "error", message: `line refused: longer than ${MAX_CONSOLE_LINE} bytes` };
    let text = line.replace(/#.*$/, "").trim();
    if (text === "") return { kind: "ok" };
    const expect = new Set<ReportKind>();
    const m = /^expect(?:\s+(\S+))?(?:\s+(.*))?$/.exec(text);
    if (m) {
      for (const kind of (m[1] ?? "").split(",")) {
        if (kind !== "kasan" && kind !== "oops" && kind !== "warn" && kind !== "panic") {
          return {
            kind: "error",
            message: `expect: expected kasan, oops, warn or panic (or several: kasan,oops), not '${kind}'`,
          };
        }
        expect.add(kind);
      }
      if (!m[2]) return { kind: "error", message: `expect ${m[1]}: no command to run` };
      text = m[2];
    }
    const kasanBefore = this.k.kasan?.reports ?? 0;
    const warnBefore = this.k.printk.warnings;
    let oops: KernelOops | null = null;
    try {
      if (this.run(text) === "quit") return { kind: "quit" };
    } catch (e) {
      if (e instanceof ConsoleError) return { kind: "error", message: e.message };
      if (!(e instanceof KernelOops)) {
        const what = e instanceof Error ? e.message : String(e);
        return { kind: "error", message: `internal error: ${what} (this is a bug in mmlab)` };
      }
      oops = e;
      logOops(this.k, e);
    }
    const kasan = (this.k.kasan?.printed ?? 0) - kasanBefore;
    const warn = this.k.printk.warnings - warnBefore;
    const panic = oops !== null && isPanic(oops);
    if (expect.has("kasan")) this.expected.kasan += kasan;
    if (expect.has("warn")) this.expected.warn += warn;
    const happened: Record<ReportKind, boolean> = {
      kasan: kasan > 0,
      warn: warn > 0,
      panic,
      oops: oops !== null && !panic,
    };
    if (panic) return { kind: "panic", expected: expect.has("panic") };
    if (oops && !expect.has("oops")) {
      this.unexpectedOopses++;
      return { kind: "oops" };
    }
    const missing = [...expect].filter((kind) => !happened[kind]);
    if (missing.length) {
      const names = {
        kasan: "a KASAN report",
        oops: "a kernel oops",
        warn: "a WARNING",
        panic: "a kernel panic",
      };
      return {
        kind: "error",
        message: `expected ${missing.map((x) => names[x]).join(" and ")}, but none came`,
      };
    }
    return { kind: "ok" };
  }

  private run(text: string): "quit" | undefined {
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(text);
    if (assign) {
      const [, name, rhs] = assign;
      if (COMMANDS[name!]) throw new ConsoleError(`'${name}' is a command, not a variable name`);
      const words = rhs!.trim().split(/\s+/);
      const spec = COMMANDS[words[0]!];
      if (!spec) {
        if (words.length !== 1 || words[0] === "")
          throw new ConsoleError(`${name} = ...: expected a value or a command`);
        this.vars.set(name!, this.value(words[0]!));
        return undefined;
      }
      this.current = words[0]!;
      const v = spec.run(this, words.slice(1));
      if (v === undefined) throw new ConsoleError(`'${words[0]}' gives no value to keep in ${name}`);
      this.vars.set(name!, v);
      this.print(`${name} = ${showPtr(v)}`);
      return undefined;
    }
    const words = text.split(/\s+/);
    const name = words[0]!;
    if (name === "quit" || name === "exit") return "quit";
    const spec = COMMANDS[name];
    if (!spec) {
      if (VAR_NAME.test(name) && words.length === 1 && this.vars.has(name)) {
        this.print(`${name} = ${showPtr(this.vars.get(name)!)}`);
        return undefined;
      }
      throw new ConsoleError(`unknown command '${name}'${suggest(name)} (see help)`);
    }
    const args = words.slice(1);
    this.current = name;
    const v = spec.run(this, args);
    if (v === undefined) return undefined;
    const target = spec.updates === undefined ? undefined : args[spec.updates];
    if (target !== undefined && this.vars.has(target)) {
      const size = args[1] === undefined ? undefined : this.value(args[1]);
      if (v !== 0n || size === 0n) {
        this.vars.set(target, v);
        this.print(`${target} = ${showPtr(v)}`);
      } else {
        this.print(`${name} failed: NULL (${target} unchanged, still ${showPtr(this.vars.get(target)!)})`);
      }
      return undefined;
    }
    this.print(showPtr(v));
    return undefined;
  }

  // ---- argument helpers (used by the command table) ----

  /** Check the number of arguments. */
  arity(args: string[], min: number, max: number): void {
    if (args.length >= min && args.length <= max) return;
    const usage = this.current ? COMMANDS[this.current]!.usage : "see help";
    throw new ConsoleError(
      args.length < min
        ? `missing argument (usage: ${usage})`
        : `too many arguments from '${args[max]}' (usage: ${usage})`,
    );
  }

  /** The command being run (for usage messages). */
  private current: string | null = null;

  /** An expression: terms (numbers, variables, NULL) joined by + and -. */
  value(text: string): bigint {
    const terms = text.match(/[+-]?[^+-]+/g);
    if (!terms || terms.join("") !== text) throw new ConsoleError(`bad value '${text}'`);
    let v = 0n;
    for (const t of terms) {
      const neg = t.startsWith("-");
      const body = t.replace(/^[+-]/, "");
      let x = parseNumber(body);
      if (x === undefined) {
        if (body === "NULL") x = 0n;
        else if (this.vars.has(body)) x = this.vars.get(body)!;
        else if (VAR_NAME.test(body)) throw new ConsoleError(`no variable '${body}'`);
        else
          throw new ConsoleError(
            `bad value '${body}': expected a number (4096, 0x1000, 4K, 2M) or a variable`,
          );
      }
      // A sum wraps as 64-bit pointer arithmetic does, but a number itself must fit.
      if (x >= 1n << 64n) throw new ConsoleError(`bad value '${body}': wider than 64 bits`);
      v += neg ? -x : x;
    }
    return BigInt.asUintN(64, v);
  }

  /** A size (a value that fits a JavaScript number). */
  size(text: string): number {
    const v = this.value(text);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ConsoleError(`size ${text} is too large`);
    return Number(v);
  }

  /** GFP flags: names joined by '|' (or spaces), or numbers; GFP_KERNEL when none. */
  gfp(words: string[]): number {
    if (words.length === 0) return GFP_KERNEL;
    let flags = 0;
    for (const w of words.join("|").split("|")) {
      const name = w.trim();
      if (name === "") continue;
      const v = GFP_NAMES[name] ?? GFP_NAMES[name.toUpperCase()];
      if (v !== undefined) flags |= v;
      else {
        const n = parseNumber(name);
        if (n === undefined) {
          throw new ConsoleError(`unknown GFP flag '${name}' (known: ${Object.keys(GFP_NAMES).join(", ")})`);
        }
        flags |= Number(n);
      }
    }
    return flags;
  }

  /** A hart number. */
  hartNumber(text: string): number {
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    const harts = this.k.machine.harts.length;
    if (!(n >= 0 && n < harts)) throw new ConsoleError(`no hart '${text}' (harts 0 to ${harts - 1})`);
    return n;
  }

  // ---- looking inside ----

  /** The id of the cgroup at `path` ("/a/b"), or a mistake naming `cmd`. */
  cgroupId(path: string, cmd: string): number {
    const id = this.k.memcg.mem_cgroup_lookup(path);
    if (id === undefined)
      throw new ConsoleError(`${cmd}: /sys/fs/cgroup${path === "/" ? "" : path}: no such cgroup`);
    return id;
  }

  /** Run a memcg operation; its refusal (a bad name, an existing cgroup, a bad value, the
   *  controller off) is a mistake in the line, named by `cmd`. */
  memcg<T>(cmd: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof Error && e.message.startsWith("memcg: ")) {
        throw new ConsoleError(`${cmd}: ${e.message.slice("memcg: ".length)}`);
      }
      throw e;
    }
  }

  /** `echo VALUE > FILE`: only a cgroup's memory.max is writable (memory_max_write). */
  writeCgroupFile(file: string, value: string): void {
    const m = /^\/sys\/fs\/cgroup((?:\/[^/]+)*)\/(memory\.[a-z.]+)$/.exec(file);
    if (!m)
      throw new ConsoleError(`echo: not supported: writing to ${file} (only /sys/fs/cgroup/CG/memory.max)`);
    const path = m[1] || "/";
    if (m[2] !== "memory.max") {
      this.cgroupFile(path, m[2]!); // no such file, or no such cgroup
      throw new ConsoleError(`echo: ${file}: read-only (of a cgroup's files, only memory.max is written)`);
    }
    const id = this.cgroupId(path, "echo");
    this.memcg("echo", () => this.k.memcg.mem_cgroup_set_max(id, value));
  }

  /** A memory-cgroup file: memory.stat, memory.current, memory.max, memory.events[.local]. */
  cgroupFile(path: string, file: string): string {
    const files = [
      "memory.current",
      "memory.max",
      "memory.events",
      "memory.events.local",
      "memory.stat",
    ] as const;
    const f = files.find((x) => x === file);
    if (!f)
      throw new ConsoleError(
        `/sys/fs/cgroup${path === "/" ? "" : path}/${file}: no such file (${files.join(", ")})`,
      );
    const id = this.k.memcg.ids().find((i) => this.k.memcg.cgroup_path(i) === path);
    if (id === undefined) throw new ConsoleError(`/sys/fs/cgroup${path}: no such cgroup`);
    return this.k.memcg.cgroup_file(id, f);
  }
}

/** How a run of lines ended. */
export interface ConsoleRun {
  /** The line that stopped a script (an error, an oops, an unexpected panic), or null. */
  failedAt: number | null;
  /** The kernel panicked. */
  panicked: boolean;
}

/** What to do with a line's result; returns true to stop. */
export function handleResult(
  r: LineResult,
  n: number,
  onError: (line: number, msg: string) => void,
  script: boolean,
  run: ConsoleRun,
): boolean {
  switch (r.kind) {
    case "ok":
      return false;
    case "quit":
      return true;
    case "error":
      onError(n, r.message);
      if (script) run.failedAt = n;
      return script;
    case "oops":
      if (script) {
        onError(n, "kernel oops: the script stops");
        run.failedAt = n;
      }
      return script;
    case "panic":
      run.panicked = true;
      if (!r.expected) {
        onError(n, "kernel panic: nothing more can run");
        run.failedAt = n;
      }
      return true;
  }
}

/** Run `text` line by line. A script (`script` true) stops at the first failing line. */
export function runLines(
  kc: KConsole,
  text: string,
  onError: (line: number, msg: string) => void,
  script: boolean,
): ConsoleRun {
  const run: ConsoleRun = { failedAt: null, panicked: false };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (handleResult(kc.exec(lines[i]!), i + 1, onError, script, run)) break;
  }
  return run;
}
