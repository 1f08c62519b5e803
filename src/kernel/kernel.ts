// The mini-kernel: boots on a Machine, owns its physical memory through the buddy allocator,
// builds swapper_pg_dir (direct map, vmalloc range, KASAN shadow on demand), turns Sv48 paging
// on on every hart, and runs what its command line asks. Its code is TypeScript; its memory is
// the machine's memory, reached through the harts' MMUs.

import { type Hart, INSNS_PER_TICK, type Machine, PRIV_S, TIMEBASE_HZ } from "../cpu/index.js";
import { makeSatp, RAM_BASE, SATP_SV48 } from "../mmu/index.js";
import { type ParamSpec, type ParamValue, parseBool, parseCmdline, parseUint } from "./cmdline.js";
import type { Vfs } from "./fs/vfs.js";
import { KernelAccess } from "./kaccess.js";
import type { Kasan } from "./kasan.js";
import {
  __va,
  hex64,
  KASAN_SHADOW_END,
  KASAN_SHADOW_START,
  PAGE_OFFSET,
  PAGE_SHIFT,
  PAGE_SIZE,
  VMALLOC_END,
  VMALLOC_START,
} from "./layout.js";
import type { TestVmalloc } from "./lib/test_vmalloc.js";
import type { MemCgroups } from "./memcontrol.js";
import { mm_struct } from "./mm.js";
import { PageAlloc } from "./page_alloc.js";
import type { Percpu } from "./percpu.js";
import { KernelPageTable, PAGE_KERNEL } from "./pgtable.js";
import { Printk } from "./printk.js";
import type { Scheduler } from "./process.js";
import type { Rcu } from "./rcu.js";
import type { SlabAllocator } from "./slab.js";
import { TLB_FLUSH_ALL_THRESHOLD, TlbFlush } from "./tlbflush.js";
import type { Kvmalloc } from "./util.js";
import type { Vmalloc } from "./vmalloc.js";
import { meminfoLine, Vmstat, type VmstatItem } from "./vmstat.js";

/** GFP flags, with the bit values of Linux 6.x's include/linux/gfp_types.h. */
export const GFP = {
  __GFP_HIGH: 0x20,
  __GFP_IO: 0x40,
  __GFP_FS: 0x80,
  __GFP_ZERO: 0x100,
  __GFP_DIRECT_RECLAIM: 0x400,
  __GFP_KSWAPD_RECLAIM: 0x800,
  __GFP_NOWARN: 0x2000,
  __GFP_RETRY_MAYFAIL: 0x4000,
  __GFP_NOFAIL: 0x8000,
  __GFP_NORETRY: 0x10000,
  __GFP_COMP: 0x40000,
  __GFP_THISNODE: 0x200000,
  __GFP_ACCOUNT: 0x400000,
} as const;
const RECLAIM = GFP.__GFP_DIRECT_RECLAIM | GFP.__GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = RECLAIM | GFP.__GFP_IO | GFP.__GFP_FS;
export const GFP_KERNEL_ACCOUNT = GFP_KERNEL | GFP.__GFP_ACCOUNT;
export const GFP_ATOMIC = GFP.__GFP_HIGH | GFP.__GFP_KSWAPD_RECLAIM;
export const GFP_NOWAIT = GFP.__GFP_KSWAPD_RECLAIM;

/** The harts' nominal clock: one instruction (or one cycle of kernel work) per cycle, and
 *  INSNS_PER_TICK of them per tick of the timebase. */
export const CLOCK_HZ = INSNS_PER_TICK * TIMEBASE_HZ;

/** Cycles (at CLOCK_HZ, 1 GHz) the cost model charges for kernel work: the kernel runs in
 *  TypeScript, but time must pass as on hardware. Rough figures for a 2020s core: a page-sized
 *  memcpy at ~8 bytes/cycle, a buddy allocation ~200 cycles, a PTE write ~30, a local
 *  sfence.vma ~30; a remote flush: ~150 for the sender to post each IPI (a write to the target's
 *  interrupt file or its share of an SBI call), ~2000 waiting for the acknowledgements (the
 *  round trip, once per shootdown: the IPIs fly in parallel), ~600 on each receiver for the
 *  interrupt's entry, handler and return, besides its fences; a system call's entry, dispatch
 *  and return ~100, and a user access's fault-fixup set-up ~8 besides its bytes. */
export const COST = {
  access: 20,
  uaccess: 8,
  perByte: 1 / 8,
  pageAlloc: 200,
  vmapArea: 300,
  pte: 30,
  fence: 30,
  ipiSend: 150,
  ipiWait: 2000,
  ipiReceive: 600,
  syscall: 100,
} as const;

/** A system call as the raw_syscalls tracepoints (sys_enter, sys_exit) show it: the thread,
 *  the number and the six argument registers. */
export interface SyscallEvent {
  tid: number;
  nr: number;
  args: readonly bigint[];
}

/** sys_exit adds the result and the cycles the caller's hart spent in the call (the cost
 *  model's accounting, from the entry to the return; none of a call that went to sleep). */
export interface SyscallExit extends SyscallEvent {
  ret: bigint;
  cycles: number;
}

/** Hooks a tool attaches to the kernel (as to Linux's tracepoints); null when nobody listens. */
export interface Tracepoints {
  sys_enter: ((ev: SyscallEvent) => void) | null;
  sys_exit: ((ev: SyscallExit) => void) | null;
}

export interface KernelConfig {
  initOnAlloc: boolean;
  initOnFree: boolean;
}

/** A subsystem that takes command-line parameters (e.g. "kasan", "test_vmalloc"). */
export interface ParamOwner {
  prefix: string;
  params: ParamSpec[];
}

export class Kernel {
  readonly printk: Printk;
  readonly pages: PageAlloc;
  readonly pgd: KernelPageTable;
  readonly vmstat = new Vmstat();
  readonly flush: TlbFlush;
  readonly kmem: KernelAccess;
  readonly config: KernelConfig = { initOnAlloc: false, initOnFree: false };
  readonly tracepoints: Tracepoints = { sys_enter: null, sys_exit: null };
  /** The vm sysctls (/proc/sys/vm): mmap_min_addr (security/min_addr.c's default 4096),
   *  overcommit_memory (0, heuristic), max_map_count (DEFAULT_MAX_MAP_COUNT 65530). */
  readonly sysctl = { vm: { mmap_min_addr: 4096, overcommit_memory: 0, max_map_count: 65530 } };
  /** The hart the kernel is running on now. */
  cpu = 0;
  /** The task the kernel is running for (comm/pid in reports). */
  current = { comm: "swapper/0", pid: 0 };
  // Subsystems, attached by bootKernel() (index.ts).
  vmalloc!: Vmalloc;
  kasan: Kasan | null = null;
  percpu!: Percpu;
  rcu!: Rcu;
  testVmalloc!: TestVmalloc;
  sched!: Scheduler;
  vfs!: Vfs;
  memcg!: MemCgroups;
  slab!: SlabAllocator;
  kv!: Kvmalloc;
  /** Command-line parameters this kernel does not know (reported at boot). */
  readonly unknownParams: string[] = [];
  private readonly owners: ParamOwner[] = [];
  private readonly paramValues = new Map<string, ParamValue>();

  constructor(readonly machine: Machine) {
    this.printk = new Printk(() => this.seconds());
    this.printk.where = () => ({ cpu: this.cpu, pid: this.current.pid });
    // mem.size / PAGE_SIZE, not >>> PAGE_SHIFT: 4 GiB of RAM does not fit 32 bits.
    this.pages = new PageAlloc(RAM_BASE >>> PAGE_SHIFT, machine.mem.size / PAGE_SIZE);
    this.pgd = new KernelPageTable(machine.mem, this.pages, (pfn) => this.zeroPagePhys(pfn));
    this.kmem = new KernelAccess(machine.mem, () => this.hart());
    this.kmem.cost = (bytes) => this.charge(COST.access + bytes * COST.perByte);
    this.flush = new TlbFlush(machine.harts, this.vmstat, () => this.hart(), {
      charge: (cpu, c) => {
        this.machine.clocks[cpu] = (this.machine.clocks[cpu] ?? 0) + Math.ceil(c);
      },
      fence: COST.fence,
      ipiSend: COST.ipiSend,
      ipiWait: COST.ipiWait,
      ipiReceive: COST.ipiReceive,
    });
    this.registerParams({
      prefix: "",
      params: [
        boolParam("init_on_alloc", "zero pages when they are allocated", (v) => {
          this.config.initOnAlloc = v;
        }),
        boolParam("init_on_free", "zero pages when they are freed", (v) => {
          this.config.initOnFree = v;
        }),
      ],
    });
    this.registerParams({ prefix: "tlbflush", params: flushParams(this.flush) });
  }

  /** The current hart. */
  hart(): Hart {
    return this.machine.harts[this.cpu]!;
  }

  /** Seconds since boot on the current hart's clock. */
  seconds(): number {
    return (this.machine.clocks[this.cpu] ?? 0) / CLOCK_HZ;
  }

  /** Zero a physical page before paging maps it (page tables), unless it is in its first
   *  allocation since boot (PageAlloc.everUsed): the kernel boots on a new machine, whose RAM
   *  is zero, and writes RAM only through pages it has allocated. Start-up: the boot's 256
   *  tables of the kernel half were each a page the host had never touched, and zeroing them
   *  cost a host page fault each (about 3 ms of CPU for `mmlab run` of a hello world). */
  zeroPagePhys(pfn: number): void {
    if (!this.pages.everUsed(pfn)) return;
    const off = pfn * PAGE_SIZE - RAM_BASE;
    this.machine.mem.u8.fill(0, off, off + PAGE_SIZE);
  }

  /** clear_page() / clear_huge_page() of the block of 2^order pages at `pfn` just allocated,
   *  through the direct map (`ip` names the caller in KASAN's reports). A block in its first
   *  allocation since boot (PageAlloc.neverUsed) is zero already, as zeroPagePhys says: its
   *  clearing is checked, translated and charged as any (kmem.clearDirect: the same counters
   *  and clock), but the host memory behind it is left untouched, so that a page of guest RAM
   *  costs the host one page fault, at the program's first store, or none if it never writes.
   *  bench_chase's 64 MiB of fresh pages: 16,384 clears. */
  clear_pages(pfn: number, order: number, ip = "clear_page"): void {
    const zeroed = this.pages.neverUsed(pfn, order);
    this.kmem.clearDirect(pfn * PAGE_SIZE - RAM_BASE, PAGE_SIZE << order, zeroed, ip);
  }

  /** Advance the current hart's clock by `cycles` of kernel work (whole cycles). */
  charge(cycles: number): void {
    this.machine.clocks[this.cpu] = (this.machine.clocks[this.cpu] ?? 0) + Math.ceil(cycles);
  }

  registerParams(owner: ParamOwner): void {
    this.owners.push(owner);
  }

  /** Apply the command line: each parameter to its owner, unknown ones remembered. */
  applyCmdline(text: string): void {
    for (const { key, value } of parseCmdline(text).params) {
      this.paramValues.set(key, value);
      const dot = key.indexOf(".");
      const owner =
        this.owners.find((o) => o.prefix !== "" && key.startsWith(`${o.prefix}.`)) ??
        this.owners.find((o) => o.prefix === "" && o.params.some((p) => p.name === key));
      if (!owner) {
        if (dot > 0 && this.owners.some((o) => o.prefix === key.slice(0, dot))) continue;
        this.unknownParams.push(value === true ? key : `${key}=${value}`);
        continue;
      }
      const name = owner.prefix ? key.slice(owner.prefix.length + 1) : key;
      const spec = owner.params.find((p) => p.name === name);
      if (!spec) {
        this.printk.log("warning", `${owner.prefix}: unknown parameter '${name}' ignored`);
        continue;
      }
      const err = spec.parse(value);
      if (err) this.printk.log("warning", `${owner.prefix || "kernel"}: bad value for '${name}': ${err}`);
    }
  }

  /** The raw value of a parameter given on the command line. */
  param(key: string): ParamValue | undefined {
    return this.paramValues.get(key);
  }

  /** Build the kernel page table and turn paging on on every hart. */
  boot(cmdline: string): void {
    const m = this.machine;
    this.printk.info("Linux version 6.19.0-mmlab (mmlab@mmlab) #1 SMP (mini-kernel in TypeScript)");
    this.printk.info(
      `Machine model: mmlab,rv64 (${m.harts.length} harts, ${m.mem.size >> 20} MiB RAM, TLB ${m.tlbConfig.name})`,
    );
    this.printk.info(`Kernel command line: ${cmdline}`);
    this.applyCmdline(cmdline);
    if (!this.pgd.mapRange(PAGE_OFFSET, RAM_BASE, m.mem.size, PAGE_KERNEL))
      throw new Error("boot: out of memory for the direct map");
    // The vmalloc range's upper tables exist from boot, so that every process page table, which
    // copies the kernel's root entries, sees later vmalloc mappings.
    if (!this.pgd.preallocate(VMALLOC_START, VMALLOC_END))
      throw new Error("boot: out of memory for vmalloc tables");
    // writeSatp is what a csrWrite of satp does; csrWrite would first build the whole CSR file's
    // table (csrTable, about 1 ms and 200 KB of young heap) at every boot, for one register.
    for (const h of m.harts) {
      h.writeSatp(makeSatp(SATP_SV48, 0, this.pgd.root));
      h.priv = PRIV_S;
    }
    if (this.kasan && !this.kasan.kasan_init()) throw new Error("boot: out of memory for the KASAN shadow");
    this.printMemoryLayout();
    if (this.unknownParams.length) {
      this.printk.log(
        "notice",
        `Unknown kernel command line parameters "${this.unknownParams.join(" ")}", will be passed to user space.`,
      );
    }
    this.printk.info(`smp: Brought up 1 node, ${m.harts.length} CPU${m.harts.length > 1 ? "s" : ""}`);
  }

  /** The boot lines on memory: what is available, and the virtual memory layout. */
  private printMemoryLayout(): void {
    const total = this.pages.nrPages;
    this.printk.info(`Memory: ${this.pages.nr_free_pages() * 4}K/${total * 4}K available`);
    this.printk.info("Virtual kernel memory layout:");
    const row = (name: string, a: bigint, b: bigint, unit: string, div: bigint): void =>
      this.printk.info(
        `    ${name.padStart(8)} : 0x${hex64(a)} - 0x${hex64(b)}   (${((b - a) / div).toString().padStart(6)} ${unit})`,
      );
    row("vmalloc", VMALLOC_START, VMALLOC_END, "GB", 1n << 30n);
    row("lowmem", PAGE_OFFSET, __va(RAM_BASE + this.machine.mem.size), "MB", 1n << 20n);
    row("kasan", KASAN_SHADOW_START, KASAN_SHADOW_END, "GB", 1n << 30n);
  }

  /** The text of a /proc file: meminfo, vmallocinfo, buddyinfo, vmstat (and the subsystems'). */
  procfs(name: string): string {
    switch (name.replace(/^\/proc\//, "")) {
      case "meminfo":
        return this.meminfo();
      case "vmallocinfo":
        return this.vmalloc.vmallocinfo();
      case "buddyinfo":
        return this.pages.buddyinfo();
      case "slabinfo":
        return this.slab.slabinfo();
      case "vmstat":
        this.vmstat.set("nr_free_pages", this.pages.nr_free_pages());
        this.vmstat.set("nr_page_table_pages", this.pgd.nrTablePages);
        return this.vmstat.format();
    }
    throw new Error(`/proc/${name}: no such file (meminfo, vmallocinfo, buddyinfo, slabinfo, vmstat)`);
  }

  private meminfo(): string {
    const kb = (pages: number): number => pages * 4;
    const anonHuge = this.sched
      ? this.sched.tasks.reduce((n, t) => n + (t.running ? t.mm.anonHuge : 0), 0)
      : 0;
    // In Linux's order (fs/proc/meminfo.c); Cached is the page cache (tmpfs pages included),
    // Shmem its tmpfs part, Dirty the pages a shared mapping wrote that are not written back.
    const v = (name: VmstatItem): number => this.vmstat.get(name);
    return [
      meminfoLine("MemTotal", kb(this.pages.nrPages)),
      meminfoLine("MemFree", kb(this.pages.nr_free_pages())),
      meminfoLine("Cached", kb(v("nr_file_pages"))),
      meminfoLine("Dirty", kb(v("nr_dirty"))),
      meminfoLine("Writeback", kb(v("nr_writeback"))),
      meminfoLine("Shmem", kb(v("nr_shmem"))),
      ...this.slab.meminfo(),
      meminfoLine("PageTables", kb(this.pgd.nrTablePages)),
      meminfoLine("KasanShadow", kb(this.kasan?.nr_shadow_pages ?? 0)),
      meminfoLine("CommitLimit", kb(Math.floor(this.pages.nrPages / 2))), // overcommit_ratio 50, no swap
      meminfoLine("Committed_AS", kb(mm_struct.committed_pages(this))),
      ...this.vmalloc.meminfo(),
      meminfoLine("AnonHugePages", kb(anonHuge)),
    ].join("\n");
  }

  /** Run `fn` as kernel code on hart `cpu`. */
  onCpu<T>(cpu: number, fn: () => T): T {
    const prev = this.cpu;
    this.cpu = cpu;
    try {
      return fn();
    } finally {
      this.cpu = prev;
    }
  }
}

/** A boolean parameter (kstrtobool syntax). */
/** The user-flush policies `exp shootdown` compares, as boot parameters: tlbflush.all_harts
 *  (IPIs to every hart, not only mm_cpumask's) and tlbflush.threshold (pages up to which a
 *  hart fences page by page, tlb_flush_all_threshold; `none`: always page by page). */
function flushParams(flush: TlbFlush): ParamSpec[] {
  return [
    boolParam(
      "all_harts",
      "send a user flush's IPIs to every hart, not only to mm_cpumask's (not Linux)",
      (v) => {
        flush.policy.allHarts = v;
      },
    ),
    {
      name: "threshold",
      help: `pages up to which a flush fences page by page, then flushes the whole ASID (default ${TLB_FLUSH_ALL_THRESHOLD}; none: never)`,
      parse(v) {
        const n = v === "none" ? Number.POSITIVE_INFINITY : parseUint(v);
        if (n === undefined) return `expected a number of pages or none, got '${v}'`;
        flush.policy.threshold = n;
        return undefined;
      },
    },
  ];
}

export function boolParam(name: string, help: string, set: (v: boolean) => void): ParamSpec {
  return {
    name,
    help,
    parse(v) {
      const b = parseBool(v);
      if (b === undefined) return `expected a boolean, got '${v}'`;
      set(b);
      return undefined;
    },
  };
}
