// Memory cgroups (cgroup v2), after mm/memcontrol.c and mm/page_counter.c: a hierarchy of
// mem_cgroups under the root, each with a page_counter (memory.current / memory.max), the
// memory.events counters and the memory.stat items. Kernel memory allocated with __GFP_ACCOUNT
// is charged to the current task's cgroup (set_active_memcg):
//
//  - whole pages by __memcg_kmem_charge_page() / __memcg_kmem_uncharge_page() (`charge` and
//    `uncharge`: vmalloc pages, large kmalloc), which record the cgroup in the struct page
//    (kernel.pages.memcg);
//  - slab objects by obj_cgroup_charge() / obj_cgroup_uncharge() in bytes (the slab allocator
//    keeps the cgroup per object, as slab->obj_exts does).
//
// A charge that would take any cgroup on the way up over its memory.max fails cleanly: nothing
// is charged, the allocation returns NULL. Before failing, try_charge_memcg() goes through the
// motions Linux does with nothing to reclaim: a MEMCG_MAX event per attempt (1 + the stock
// drain + MAX_RECLAIM_RETRIES), then the memcg OOM killer, which finds no process to kill.
//
// Deviations from Linux:
//  - Charges are exact: no MEMCG_CHARGE_BATCH precharge and no per-CPU stock, so
//    memory.current is the pages actually charged. The obj_cgroup byte stock is one exact
//    per-cgroup remainder: a cgroup with B bytes of accounted objects holds ceil(B / 4096)
//    pages (Linux may hold up to a page more until its per-CPU stock is drained).
//  - Root holds charges too (memory.current of the root is the sum of its children's), and
//    kmem accounting skips the root cgroup, as current_obj_cgroup() does.
//  - No reclaim (there is nothing reclaimable: no page cache, no swap), no memory.high/low/min,
//    no tasks in cgroups (the OOM killer never finds a victim), cgroups cannot be removed.

import { BUG, BUG_ON } from "./bug.js";
import type { Kernel } from "./kernel.js";
import { GFP } from "./kernel.js";
import { PAGE_SIZE } from "./layout.js";
import { gfp_string } from "./slab.js";

/** memory.stat state items, in Linux's order (memory_stats[] in mm/memcontrol.c). */
export const MEMCG_STAT_ITEMS = [
  "anon",
  "file",
  "kernel",
  "kernel_stack",
  "pagetables",
  "sec_pagetables",
  "percpu",
  "sock",
  "vmalloc",
  "shmem",
  "file_mapped",
  "file_dirty",
  "file_writeback",
  "anon_thp",
  "file_thp",
  "shmem_thp",
  "inactive_anon",
  "active_anon",
  "inactive_file",
  "active_file",
  "unevictable",
  "slab_reclaimable",
  "slab_unreclaimable",
] as const;
export type MemcgStatItem = (typeof MEMCG_STAT_ITEMS)[number];

/** memory.stat event items (workingset_*, pgdemote_* and memcg_vm_event_stat[]), in order. */
export const MEMCG_EVENT_ITEMS = [
  "workingset_refault_anon",
  "workingset_refault_file",
  "workingset_activate_anon",
  "workingset_activate_file",
  "workingset_restore_anon",
  "workingset_restore_file",
  "workingset_nodereclaim",
  "pgdemote_kswapd",
  "pgdemote_direct",
  "pgdemote_khugepaged",
  "pgscan_kswapd",
  "pgscan_direct",
  "pgscan_khugepaged",
  "pgsteal_kswapd",
  "pgsteal_direct",
  "pgsteal_khugepaged",
  "pgfault",
  "pgmajfault",
  "pgrefill",
  "pgactivate",
  "pgdeactivate",
  "pglazyfree",
  "pglazyfreed",
  "thp_fault_alloc",
  "thp_collapse_alloc",
  "thp_swpout",
  "thp_swpout_fallback",
] as const;
export type MemcgEventItem = (typeof MEMCG_EVENT_ITEMS)[number];

/** memory.events keys (enum memcg_memory_event). */
export const MEMCG_MEMORY_EVENTS = ["low", "high", "max", "oom", "oom_kill", "oom_group_kill"] as const;
export type MemcgMemoryEvent = (typeof MEMCG_MEMORY_EVENTS)[number];

/** The unit a state item is kept in (memcg_page_state_unit): bytes, KiB or pages. */
export function memcg_page_state_unit(item: MemcgStatItem): number {
  switch (item) {
    case "percpu":
    case "slab_reclaimable":
    case "slab_unreclaimable":
      return 1;
    case "kernel_stack":
      return 1024;
    default:
      return PAGE_SIZE;
  }
}

/** PAGE_COUNTER_MAX on 64-bit: LONG_MAX / PAGE_SIZE pages ("max"). */
export const PAGE_COUNTER_MAX = 2251799813685247;
/** try_charge_memcg() retries reclaim this many times before the OOM killer. */
export const MAX_RECLAIM_RETRIES = 16;
const PAGE_ALLOC_COSTLY_ORDER = 3;

/** struct page_counter. */
export interface page_counter {
  usage: number;
  max: number;
  failcnt: number;
  parent: page_counter | null;
}

/** struct mem_cgroup. */
export interface mem_cgroup {
  id: number;
  name: string;
  parent: mem_cgroup | null;
  children: mem_cgroup[];
  memory: page_counter;
  /** Hierarchical state (memory.stat), in memcg_page_state_unit() units. */
  state: Map<MemcgStatItem, number>;
  /** Hierarchical vm events (memory.stat). */
  events: Map<MemcgEventItem, number>;
  /** memory.events (hierarchical) and memory.events.local. */
  memory_events: Map<MemcgMemoryEvent, number>;
  memory_events_local: Map<MemcgMemoryEvent, number>;
  /** Bytes of slab objects charged through this cgroup's obj_cgroup. */
  objcg_bytes: number;
}

/** The files of a cgroup directory that cgroup_file() reads. */
export type MemcgFile =
  | "memory.current"
  | "memory.max"
  | "memory.events"
  | "memory.events.local"
  | "memory.stat";

/** memparse(): a size with an optional K/M/G/T/P/E suffix (binary), or "max". */
export function memparse(v: number | string): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
  const s = v.trim();
  if (s === "max") return Number.POSITIVE_INFINITY;
  const m = /^(0x[0-9a-f]+|\d+)([kmgtpe]?)$/i.exec(s);
  if (!m) return undefined;
  const shift = m[2] ? "kmgtpe".indexOf(m[2].toLowerCase()) + 1 : 0;
  return Number(m[1]) * 2 ** (10 * shift);
}

export class MemCgroups {
  readonly root: mem_cgroup;
  /** cgroup.memory=nokmem: no kernel memory accounting. */
  nokmem = false;
  /** cgroup_disable=memory: the memory controller is off. */
  disabled = false;
  /** The comm of the task whose allocations run out of memory (the OOM report names it). */
  comm = "init";
  private readonly byId = new Map<number, mem_cgroup>();
  private nextId = 1;
  /** The current task's / active memcg: __GFP_ACCOUNT allocations are charged to it. */
  private active = 0;

  constructor(private readonly k: Kernel) {
    this.root = this.newCgroup(0, "", null, Number.POSITIVE_INFINITY);
    k.registerParams({
      prefix: "cgroup",
      params: [
        {
          name: "memory",
          help: "cgroup.memory=nokmem[,nosocket,nobpf]: nokmem turns kernel memory accounting off",
          parse: (v) => {
            if (v === true) return "expected a comma-separated list (nokmem, nosocket, nobpf)";
            for (const tok of v.split(",")) if (tok === "nokmem") this.nokmem = true;
            return undefined;
          },
        },
      ],
    });
    k.registerParams({
      prefix: "",
      params: [
        {
          name: "cgroup_disable",
          help: "cgroup_disable=memory: turn the memory controller off",
          parse: (v) => {
            if (v === true) return "expected a comma-separated list of controllers";
            if (v.split(",").includes("memory")) {
              this.disabled = true;
              k.printk.info("Disabling memory control group subsystem");
            }
            return undefined;
          },
        },
      ],
    });
  }

  // ---- the hierarchy ----

  /** mkdir /sys/fs/cgroup/<parent>/<name>, then an optional write of memory.max. Returns the
   *  new cgroup's id. Throws for a bad name, an existing name or an unknown parent. */
  mem_cgroup_create(name: string, limit?: number | string, parentId = 0): number {
    if (this.disabled) throw new Error(`memcg: cannot create '${name}': the memory controller is disabled`);
    const parent = this.get(parentId);
    if (name === "" || name === "." || name === ".." || name.includes("/")) {
      throw new Error(`memcg: cannot create '${name}': invalid cgroup name`);
    }
    if (parent.children.some((c) => c.name === name)) {
      throw new Error(
        `memcg: cannot create '${this.cgroup_path(parent.id)}${parent.id ? "/" : ""}${name}': File exists`,
      );
    }
    const m = this.newCgroup(this.nextId++, name, parent, Number.POSITIVE_INFINITY);
    parent.children.push(m);
    if (limit !== undefined) this.mem_cgroup_set_max(m.id, limit);
    return m.id;
  }

  /** Write memory.max: a byte count (rounded down to pages), a memparse() string or "max". Setting
   *  it under the current usage leaves the usage as it is (nothing can be reclaimed) after the
   *  OOM killer has been tried, as memory_max_write() ends up doing. */
  mem_cgroup_set_max(id: number, limit: number | string): void {
    const m = this.get(id);
    if (m === this.root) throw new Error("memcg: the root cgroup has no memory.max");
    const bytes = memparse(limit);
    if (bytes === undefined) throw new Error(`memcg: bad memory.max value '${limit}'`);
    m.memory.max =
      bytes === Number.POSITIVE_INFINITY ? bytes : Math.min(Math.floor(bytes / PAGE_SIZE), PAGE_COUNTER_MAX);
    if (m.memory.usage > m.memory.max) {
      this.memcg_memory_event(m, "oom");
      this.mem_cgroup_out_of_memory(
        m,
        GFP.__GFP_DIRECT_RECLAIM | GFP.__GFP_KSWAPD_RECLAIM | GFP.__GFP_IO | GFP.__GFP_FS,
        0,
      );
    }
  }

  /** set_active_memcg(): charge __GFP_ACCOUNT allocations to `id` from now on; returns the old. */
  set_active_memcg(id: number): number {
    this.get(id);
    const old = this.active;
    this.active = id;
    return old;
  }

  active_memcg(): number {
    return this.active;
  }

  /** The cgroup at `path` ("/a/b", "a/b" or "" / "/" for the root), or undefined. */
  mem_cgroup_lookup(path: string): number | undefined {
    let m: mem_cgroup | undefined = this.root;
    for (const part of path.split("/").filter((p) => p !== "")) {
      m = m.children.find((c) => c.name === part);
      if (!m) return undefined;
    }
    return m.id;
  }

  /** The cgroup's path ("/" for the root, "/a/b" below it). */
  cgroup_path(id: number): string {
    const parts: string[] = [];
    for (let m: mem_cgroup | null = this.get(id); m && m !== this.root; m = m.parent) parts.unshift(m.name);
    return `/${parts.join("/")}`;
  }

  /** Ids of every cgroup, parents before children. */
  ids(): number[] {
    return [...this.byId.keys()];
  }

  mem_cgroup(id: number): Readonly<mem_cgroup> {
    return this.get(id);
  }

  // ---- kmem charging ----

  /** memcg_kmem_online(): kernel memory is being accounted. */
  memcg_kmem_online(): boolean {
    return !this.disabled && !this.nokmem;
  }

  /** current_obj_cgroup(): the cgroup kernel memory is charged to now, 0 for none (the root
   *  cgroup is never charged, and nothing is when kmem accounting is off). */
  current_obj_cgroup(): number {
    return this.memcg_kmem_online() ? this.active : 0;
  }

  /** __memcg_kmem_charge_page(): charge nrPages pages at pfn (with __GFP_ACCOUNT only) to the
   *  current cgroup and record it in their struct pages. False, with nothing charged, if a
   *  cgroup on the way up would go over its memory.max. */
  charge(pfn: number, nrPages: number, gfp: number): boolean {
    if (!(gfp & GFP.__GFP_ACCOUNT)) return true;
    const id = this.current_obj_cgroup();
    if (id === 0) return true;
    const pages = this.k.pages;
    const i = pages.idx(pfn);
    pages.idx(pfn + nrPages - 1);
    for (let j = 0; j < nrPages; j++) {
      if (pages.memcg[i + j] !== 0) {
        BUG(
          "mm/memcontrol.c:__memcg_kmem_charge_page",
          `memcg: pfn 0x${(pfn + j).toString(16)} is already charged to memcg ${pages.memcg[i + j]}`,
        );
      }
    }
    const m = this.get(id);
    if (!this.try_charge_memcg(m, gfp, nrPages)) return false;
    this.memcg_account_kmem(m, nrPages);
    pages.memcg.fill(id, i, i + nrPages);
    return true;
  }

  /** __memcg_kmem_uncharge_page(): give back the charge of nrPages pages at pfn (a no-op for
   *  pages nobody charged). */
  uncharge(pfn: number, nrPages: number): void {
    const pages = this.k.pages;
    const i = pages.idx(pfn);
    const id = pages.memcg[i]!;
    if (id === 0) return;
    const m = this.get(id);
    pages.memcg.fill(0, i, i + nrPages);
    this.page_counter_uncharge(m.memory, nrPages);
    this.memcg_account_kmem(m, -nrPages);
  }

  /** obj_cgroup_charge(): charge `size` bytes of slab objects to cgroup `id`. The cgroup is
   *  charged whole pages, enough for all its object bytes. False, with nothing charged, over
   *  the limit. */
  obj_cgroup_charge(id: number, gfp: number, size: number): boolean {
    const m = this.get(id);
    const need = Math.ceil((m.objcg_bytes + size) / PAGE_SIZE) - Math.ceil(m.objcg_bytes / PAGE_SIZE);
    if (need > 0) {
      if (!this.try_charge_memcg(m, gfp, need)) return false;
      this.memcg_account_kmem(m, need);
    }
    m.objcg_bytes += size;
    return true;
  }

  /** obj_cgroup_uncharge(): give back `size` bytes; whole pages no object needs are uncharged. */
  obj_cgroup_uncharge(id: number, size: number): void {
    const m = this.get(id);
    const before = Math.ceil(m.objcg_bytes / PAGE_SIZE);
    m.objcg_bytes -= size;
    const below = m.objcg_bytes < 0;
    BUG_ON(
      below,
      "mm/memcontrol.c:obj_cgroup_uncharge",
      () => `memcg: obj_cgroup of ${this.cgroup_path(id)} uncharged below zero`,
    );
    const release = before - Math.ceil(m.objcg_bytes / PAGE_SIZE);
    if (release > 0) {
      this.page_counter_uncharge(m.memory, release);
      this.memcg_account_kmem(m, -release);
    }
  }

  // ---- statistics ----

  /** mod_memcg_state(): add `delta` (in the item's unit) to cgroup `id` and its ancestors. */
  mod_memcg_state(id: number, item: MemcgStatItem, delta: number): void {
    if (this.disabled) return;
    for (let m: mem_cgroup | null = this.get(id); m; m = m.parent)
      m.state.set(item, (m.state.get(item) ?? 0) + delta);
  }

  /** mod_memcg_page_state(): the same, for the cgroup the page at pfn is charged to (nothing for
   *  an uncharged page). vmalloc calls it with pages[0] for the whole area. */
  mod_memcg_page_state(pfn: number, item: MemcgStatItem, delta: number): void {
    const id = this.k.pages.memcg[this.k.pages.idx(pfn)]!;
    if (id !== 0) this.mod_memcg_state(id, item, delta);
  }

  /** count_memcg_events(): add `n` to a vm event of cgroup `id` and of every ancestor. */
  count_memcg_events(id: number, item: MemcgEventItem, n = 1): void {
    if (this.disabled) return;
    for (let m: mem_cgroup | null = this.get(id); m; m = m.parent)
      m.events.set(item, (m.events.get(item) ?? 0) + n);
  }

  /** memcg_page_state(): the raw value of a state item (its own unit). */
  memcg_page_state(id: number, item: MemcgStatItem): number {
    return this.get(id).state.get(item) ?? 0;
  }

  /** memory.current in bytes. */
  memory_current(id: number): number {
    return this.get(id).memory.usage * PAGE_SIZE;
  }

  /** memory.max as the file reads: "max" or bytes. */
  memory_max(id: number): string {
    const max = this.get(id).memory.max;
    return max === Number.POSITIVE_INFINITY ? "max" : String(max * PAGE_SIZE);
  }

  /** A memory.events counter (hierarchical) or, with local, memory.events.local's. */
  memory_event(id: number, event: MemcgMemoryEvent, local = false): number {
    const m = this.get(id);
    return (local ? m.memory_events_local : m.memory_events).get(event) ?? 0;
  }

  /** memory.events (or memory.events.local). */
  memory_events(id: number, local = false): string {
    return MEMCG_MEMORY_EVENTS.map((e) => `${e} ${this.memory_event(id, e, local)}`).join("\n");
  }

  /** memory.stat, in cgroup v2's format (memcg_stat_format): bytes, events as counts. */
  memory_stat(id: number): string {
    const m = this.get(id);
    const out: string[] = [];
    const val = (item: MemcgStatItem): number => (m.state.get(item) ?? 0) * memcg_page_state_unit(item);
    for (const item of MEMCG_STAT_ITEMS) {
      out.push(`${item} ${val(item)}`);
      if (item === "slab_unreclaimable")
        out.push(`slab ${val("slab_unreclaimable") + val("slab_reclaimable")}`);
    }
    const ev = (e: MemcgEventItem): number => m.events.get(e) ?? 0;
    for (const e of MEMCG_EVENT_ITEMS) {
      if (e === "pgscan_kswapd") {
        out.push(`pgscan ${ev("pgscan_kswapd") + ev("pgscan_direct") + ev("pgscan_khugepaged")}`);
        out.push(`pgsteal ${ev("pgsteal_kswapd") + ev("pgsteal_direct") + ev("pgsteal_khugepaged")}`);
      }
      out.push(`${e} ${ev(e)}`);
    }
    return out.join("\n");
  }

  /** Read a file of the cgroup's directory in /sys/fs/cgroup. */
  cgroup_file(id: number, file: MemcgFile): string {
    switch (file) {
      case "memory.current":
        return String(this.memory_current(id));
      case "memory.max":
        return this.memory_max(id);
      case "memory.events":
        return this.memory_events(id);
      case "memory.events.local":
        return this.memory_events(id, true);
      case "memory.stat":
        return this.memory_stat(id);
    }
  }

  // ---- internals, after try_charge_memcg() and page_counter.c ----

  /** try_charge_memcg(): charge nrPages to m's page counters (all the way up). Over a limit it
   *  retries as Linux does (nothing is ever reclaimed here), calls the memcg OOM killer for
   *  blocking requests that may not fail early, and fails, unless __GFP_NOFAIL or __GFP_HIGH
   *  force the charge past the limit. */
  private try_charge_memcg(m: mem_cgroup, gfp: number, nrPages: number): boolean {
    if (m === this.root) return true;
    let drained = false;
    let raisedMaxEvent = false;
    let nrRetries = MAX_RECLAIM_RETRIES;
    let overLimit: mem_cgroup;
    for (;;) {
      const counter = this.page_counter_try_charge(m.memory, nrPages);
      if (counter === null) return true;
      overLimit = this.byCounter(counter);
      if (!(gfp & GFP.__GFP_DIRECT_RECLAIM)) break; // !gfpflags_allow_blocking(): nomem
      this.memcg_memory_event(overLimit, "max");
      raisedMaxEvent = true;
      // try_to_free_mem_cgroup_pages() reclaims nothing: there is no reclaimable memory.
      if (!drained) {
        drained = true; // drain_all_stock(): there is no stock
        continue;
      }
      if (gfp & GFP.__GFP_NORETRY) break;
      if (nrRetries-- > 0) continue;
      if (gfp & GFP.__GFP_RETRY_MAYFAIL) break;
      this.mem_cgroup_oom(overLimit, gfp, Math.ceil(Math.log2(nrPages)));
      break; // no victim: the OOM killer made no progress
    }
    if (!(gfp & (GFP.__GFP_NOFAIL | GFP.__GFP_HIGH))) return false;
    // force: Memcg has no reserve for atomic allocations; they go through, over the limit.
    if (!raisedMaxEvent) this.memcg_memory_event(overLimit, "max");
    for (let c: page_counter | null = m.memory; c; c = c.parent) c.usage += nrPages;
    return true;
  }

  /** page_counter_try_charge(): null on success, else the counter that hit its max (nothing
   *  is left charged anywhere). */
  private page_counter_try_charge(counter: page_counter, nrPages: number): page_counter | null {
    for (let c: page_counter | null = counter; c; c = c.parent) {
      if (c.usage + nrPages > c.max) {
        c.failcnt++;
        for (let u: page_counter | null = counter; u !== c; u = u!.parent) u!.usage -= nrPages;
        return c;
      }
      c.usage += nrPages;
    }
    return null;
  }

  private page_counter_uncharge(counter: page_counter, nrPages: number): void {
    for (let c: page_counter | null = counter; c; c = c.parent) {
      c.usage -= nrPages;
      BUG_ON(c.usage < 0, "mm/page_counter.c:page_counter_cancel", "memcg: page_counter underflow");
    }
  }

  /** memcg_account_kmem(): the "kernel" item (MEMCG_KMEM), in pages. */
  private memcg_account_kmem(m: mem_cgroup, nrPages: number): void {
    this.mod_memcg_state(m.id, "kernel", nrPages);
  }

  /** memcg_memory_event(): local to m, hierarchical up to (not including) the root. */
  private memcg_memory_event(m: mem_cgroup, event: MemcgMemoryEvent): void {
    m.memory_events_local.set(event, (m.memory_events_local.get(event) ?? 0) + 1);
    for (let c: mem_cgroup | null = m; c && c !== this.root; c = c.parent) {
      c.memory_events.set(event, (c.memory_events.get(event) ?? 0) + 1);
    }
  }

  /** mem_cgroup_oom(): costly orders never OOM; otherwise an "oom" event and the OOM killer. */
  private mem_cgroup_oom(m: mem_cgroup, gfp: number, order: number): void {
    if (order > PAGE_ALLOC_COSTLY_ORDER) return;
    this.memcg_memory_event(m, "oom");
    this.mem_cgroup_out_of_memory(m, gfp, order);
  }

  /** out_of_memory() for a memcg: dump_header(), then no process to kill. */
  private mem_cgroup_out_of_memory(m: mem_cgroup, gfp: number, order: number): void {
    const p = this.k.printk;
    const kb = (pages: number): number => (pages === Number.POSITIVE_INFINITY ? PAGE_COUNTER_MAX : pages) * 4;
    p.log(
      "warning",
      `${this.comm} invoked oom-killer: gfp_mask=${gfp_string(gfp)}, order=${order}, oom_score_adj=0`,
    );
    p.info(`memory: usage ${kb(m.memory.usage)}kB, limit ${kb(m.memory.max)}kB, failcnt ${m.memory.failcnt}`);
    p.info(`Memory cgroup stats for ${this.cgroup_path(m.id)}:`);
    p.info(this.memory_stat(m.id));
    p.log("warning", "Out of memory and no killable processes...");
  }

  private newCgroup(id: number, name: string, parent: mem_cgroup | null, max: number): mem_cgroup {
    const m: mem_cgroup = {
      id,
      name,
      parent,
      children: [],
      memory: { usage: 0, max, failcnt: 0, parent: parent?.memory ?? null },
      state: new Map(),
      events: new Map(),
      memory_events: new Map(),
      memory_events_local: new Map(),
      objcg_bytes: 0,
    };
    this.byId.set(id, m);
    return m;
  }

  private byCounter(c: page_counter): mem_cgroup {
    for (const m of this.byId.values()) if (m.memory === c) return m;
    BUG("mm/memcontrol.c", "memcg: unknown page_counter");
  }

  private get(id: number): mem_cgroup {
    const m = this.byId.get(id);
    if (!m) throw new Error(`memcg: no cgroup with id ${id}`);
    return m;
  }
}
