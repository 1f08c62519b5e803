import { describe, expect, it } from "vitest";
import { GFP, GFP_ATOMIC, GFP_KERNEL, GFP_KERNEL_ACCOUNT, GFP_NOWAIT } from "../../src/kernel/kernel.js";
import { MEMCG_EVENT_ITEMS, MEMCG_STAT_ITEMS, memparse } from "../../src/kernel/memcontrol.js";
import { bootMm, type MmKernel, noLeak } from "./helpers.js";

const log = (m: MmKernel): string => m.k.printk.lines.map((l) => l.text).join("\n");

/** Allocate `n` pages, charge them as one block, and return a function that undoes both. */
function chargeBlock(m: MmKernel, n: number, gfp: number): { pfn: number; ok: boolean; release: () => void } {
  const order = Math.log2(n);
  const pfn = m.k.pages.alloc_pages(order);
  const ok = m.memcg.charge(pfn, n, gfp);
  return {
    pfn,
    ok,
    release: () => {
      m.memcg.uncharge(pfn, n);
      m.k.pages.__free_pages(pfn, order);
    },
  };
}

describe("the cgroup hierarchy", () => {
  it("has a root (id 0, no limit) and children with paths", () => {
    const m = bootMm();
    const mc = m.memcg;
    expect(mc.memory_max(0)).toBe("max");
    const a = mc.mem_cgroup_create("a");
    const b = mc.mem_cgroup_create("b", undefined, a);
    expect([a, b]).toEqual([1, 2]);
    expect(mc.cgroup_path(0)).toBe("/");
    expect(mc.cgroup_path(b)).toBe("/a/b");
    expect(mc.mem_cgroup_lookup("/a/b")).toBe(b);
    expect(mc.mem_cgroup_lookup("a")).toBe(a);
    expect(mc.mem_cgroup_lookup("/")).toBe(0);
    expect(mc.mem_cgroup_lookup("/c")).toBeUndefined();
    expect(() => mc.mem_cgroup_create("a")).toThrow("memcg: cannot create '/a': File exists");
    expect(() => mc.mem_cgroup_create("x/y")).toThrow("invalid cgroup name");
    expect(() => mc.mem_cgroup_create("x", undefined, 9)).toThrow("no cgroup with id 9");
    expect(() => mc.set_active_memcg(9)).toThrow("no cgroup with id 9");
  });

  it("memory.max takes bytes (rounded down to pages), size suffixes and 'max'", () => {
    const m = bootMm();
    const mc = m.memcg;
    const a = mc.mem_cgroup_create("a", 10000);
    expect(mc.memory_max(a)).toBe("8192");
    mc.mem_cgroup_set_max(a, "1M");
    expect(mc.cgroup_file(a, "memory.max")).toBe("1048576");
    mc.mem_cgroup_set_max(a, "max");
    expect(mc.memory_max(a)).toBe("max");
    expect(() => mc.mem_cgroup_set_max(0, 4096)).toThrow("the root cgroup has no memory.max");
    expect(() => mc.mem_cgroup_set_max(a, "lots")).toThrow("bad memory.max value 'lots'");
    expect([memparse("4k"), memparse("2G"), memparse("0x1000"), memparse(-1)]).toEqual([
      4096,
      2 * 2 ** 30,
      4096,
      undefined,
    ]);
  });
});

describe("charging pages", () => {
  it("charges only __GFP_ACCOUNT, only to a non-root cgroup, and records it in struct page", () => {
    const m = bootMm();
    const a = m.memcg.mem_cgroup_create("a");
    noLeak(m, () => {
      const plain = chargeBlock(m, 2, GFP_KERNEL);
      expect(plain.ok).toBe(true);
      expect(m.memcg.memory_current(0)).toBe(0);
      plain.release();
      const root = chargeBlock(m, 2, GFP_KERNEL_ACCOUNT); // active cgroup: root
      expect(m.memcg.memory_current(0)).toBe(0);
      expect(m.k.pages.memcg[m.k.pages.idx(root.pfn)]).toBe(0);
      root.release();
      expect(m.memcg.set_active_memcg(a)).toBe(0);
      const c = chargeBlock(m, 4, GFP_KERNEL_ACCOUNT);
      expect(c.ok).toBe(true);
      expect(m.memcg.memory_current(a)).toBe(16384);
      expect(m.memcg.cgroup_file(a, "memory.current")).toBe("16384");
      expect(m.memcg.memory_current(0)).toBe(16384); // the root's counter holds its children's
      const i = m.k.pages.idx(c.pfn);
      expect([...m.k.pages.memcg.subarray(i, i + 4)]).toEqual([a, a, a, a]);
      expect(m.memcg.memcg_page_state(a, "kernel")).toBe(4);
      c.release();
      expect(m.memcg.memory_current(a)).toBe(0);
      expect(m.memcg.memcg_page_state(a, "kernel")).toBe(0);
      expect(m.k.pages.memcg[i]).toBe(0);
    });
  });

  it("a charge over memory.max fails cleanly: nothing charged, events max and oom counted", () => {
    const m = bootMm();
    const a = m.memcg.mem_cgroup_create("a", 2 * 4096);
    m.memcg.set_active_memcg(a);
    noLeak(m, () => {
      const c = chargeBlock(m, 4, GFP_KERNEL_ACCOUNT);
      expect(c.ok).toBe(false);
      expect(m.memcg.memory_current(a)).toBe(0);
      expect(m.memcg.memcg_page_state(a, "kernel")).toBe(0);
      expect(m.k.pages.memcg[m.k.pages.idx(c.pfn)]).toBe(0);
      // 1 + the stock drain + MAX_RECLAIM_RETRIES attempts, then the OOM killer finds nobody.
      expect(m.memcg.memory_events(a)).toBe("low 0\nhigh 0\nmax 18\noom 1\noom_kill 0\noom_group_kill 0");
      expect(m.memcg.mem_cgroup(a).memory.failcnt).toBe(18);
      expect(log(m)).toContain(
        "init invoked oom-killer: gfp_mask=0x400cc0(GFP_KERNEL_ACCOUNT), order=2, oom_score_adj=0",
      );
      expect(log(m)).toContain("memory: usage 0kB, limit 8kB, failcnt 18");
      expect(log(m)).toContain("Memory cgroup stats for /a:");
      expect(log(m)).toContain("Out of memory and no killable processes...");
      c.release();
      const ok = chargeBlock(m, 2, GFP_KERNEL_ACCOUNT); // exactly the limit fits
      expect(ok.ok).toBe(true);
      expect(m.memcg.memory_current(a)).toBe(8192);
      ok.release();
    });
  });

  it("how hard it tries depends on the gfp mask, as try_charge_memcg", () => {
    const m = bootMm();
    const a = m.memcg.mem_cgroup_create("a", 4096);
    m.memcg.set_active_memcg(a);
    const events = (): [number, number] => [m.memcg.memory_event(a, "max"), m.memcg.memory_event(a, "oom")];
    noLeak(m, () => {
      const big = (gfp: number): boolean => {
        const c = chargeBlock(m, 2, gfp | GFP.__GFP_ACCOUNT);
        c.release();
        return c.ok;
      };
      expect(big(GFP_KERNEL | GFP.__GFP_NORETRY)).toBe(false);
      expect(events()).toEqual([2, 0]);
      expect(big(GFP_KERNEL | GFP.__GFP_RETRY_MAYFAIL)).toBe(false);
      expect(events()).toEqual([20, 0]);
      expect(big(GFP_NOWAIT)).toBe(false); // cannot block: fails at once, no event
      expect(events()).toEqual([20, 0]);
      // GFP_ATOMIC (__GFP_HIGH) is forced through past the limit, with one max event.
      const c = chargeBlock(m, 2, GFP_ATOMIC | GFP.__GFP_ACCOUNT);
      expect(c.ok).toBe(true);
      expect(m.memcg.memory_current(a)).toBe(8192);
      expect(events()).toEqual([21, 0]);
      c.release();
      expect(m.memcg.memory_current(a)).toBe(0);
    });
  });

  it("a parent's limit binds its children; the event is the parent's", () => {
    const m = bootMm();
    const p = m.memcg.mem_cgroup_create("p", 3 * 4096);
    const c = m.memcg.mem_cgroup_create("c", undefined, p);
    m.memcg.set_active_memcg(c);
    noLeak(m, () => {
      const one = chargeBlock(m, 2, GFP_KERNEL_ACCOUNT);
      expect(m.memcg.memory_current(p)).toBe(8192);
      const two = chargeBlock(m, 2, GFP_KERNEL_ACCOUNT | GFP.__GFP_NORETRY);
      expect(two.ok).toBe(false);
      expect(m.memcg.memory_current(c)).toBe(8192);
      expect(m.memcg.memory_event(p, "max")).toBe(2);
      expect(m.memcg.memory_event(p, "max", true)).toBe(2);
      expect(m.memcg.memory_event(c, "max")).toBe(0);
      two.release();
      one.release();
    });
  });

  it("cgroup.memory=nokmem turns kernel memory accounting off", () => {
    const m = bootMm("cgroup.memory=nokmem");
    const a = m.memcg.mem_cgroup_create("a", 4096);
    m.memcg.set_active_memcg(a);
    noLeak(m, () => {
      const c = chargeBlock(m, 4, GFP_KERNEL_ACCOUNT);
      expect(c.ok).toBe(true);
      expect(m.memcg.memory_current(a)).toBe(0);
      c.release();
    });
  });

  it("cgroup_disable=memory turns the controller off", () => {
    const m = bootMm("cgroup_disable=memory");
    expect(log(m)).toContain("Disabling memory control group subsystem");
    expect(() => m.memcg.mem_cgroup_create("a")).toThrow("the memory controller is disabled");
    expect(m.k.unknownParams).toEqual([]);
  });

  it("lowering memory.max under the usage invokes the OOM killer and keeps the usage", () => {
    const m = bootMm();
    const a = m.memcg.mem_cgroup_create("a");
    m.memcg.set_active_memcg(a);
    noLeak(m, () => {
      const c = chargeBlock(m, 4, GFP_KERNEL_ACCOUNT);
      m.memcg.mem_cgroup_set_max(a, 4096);
      expect(m.memcg.memory_event(a, "oom")).toBe(1);
      expect(m.memcg.memory_current(a)).toBe(16384);
      expect(log(m)).toContain("memory: usage 16kB, limit 4kB, failcnt 0");
      c.release();
    });
  });
});

describe("slab objects (obj_cgroup)", () => {
  it("charges bytes, holding whole pages for them", () => {
    const m = bootMm();
    const a = m.memcg.mem_cgroup_create("a");
    const mc = m.memcg;
    expect(mc.obj_cgroup_charge(a, GFP_KERNEL_ACCOUNT, 136)).toBe(true);
    expect(mc.memory_current(a)).toBe(4096);
    expect(mc.obj_cgroup_charge(a, GFP_KERNEL_ACCOUNT, 4000)).toBe(true);
    expect(mc.memory_current(a)).toBe(8192);
    mc.obj_cgroup_uncharge(a, 4000);
    expect(mc.memory_current(a)).toBe(4096);
    mc.obj_cgroup_uncharge(a, 136);
    expect(mc.memory_current(a)).toBe(0);
    expect(mc.memcg_page_state(a, "kernel")).toBe(0);
  });
});

describe("memory.stat", () => {
  it("lists Linux's items in order, in bytes, with slab and pgscan/pgsteal sums", () => {
    const m = bootMm();
    const a = m.memcg.mem_cgroup_create("a");
    m.memcg.mod_memcg_state(a, "percpu", 640);
    m.memcg.mod_memcg_state(a, "slab_unreclaimable", 136);
    m.memcg.mod_memcg_state(a, "kernel_stack", 16);
    m.memcg.count_memcg_events(a, "pgscan_direct", 3);
    m.memcg.count_memcg_events(a, "pgfault", 7);
    const lines = m.memcg.memory_stat(a).split("\n");
    expect(lines).toHaveLength(MEMCG_STAT_ITEMS.length + 1 + MEMCG_EVENT_ITEMS.length + 2);
    expect(lines.slice(0, 10)).toEqual([
      "anon 0",
      "file 0",
      "kernel 0",
      "kernel_stack 16384",
      "pagetables 0",
      "sec_pagetables 0",
      "percpu 640",
      "sock 0",
      "vmalloc 0",
      "shmem 0",
    ]);
    const at = lines.indexOf("slab_unreclaimable 136");
    expect(lines.slice(at - 1, at + 3)).toEqual([
      "slab_reclaimable 0",
      "slab_unreclaimable 136",
      "slab 136",
      "workingset_refault_anon 0",
    ]);
    const scan = lines.indexOf("pgscan 3");
    expect(lines.slice(scan, scan + 3)).toEqual(["pgscan 3", "pgsteal 0", "pgscan_kswapd 0"]);
    expect(lines).toContain("pgfault 7");
    expect(lines.at(-1)).toBe("thp_swpout_fallback 0");
    // Stats are hierarchical: the root sees its children's.
    expect(m.memcg.memory_stat(0)).toContain("percpu 640\n");
  });

  it("mod_memcg_page_state attributes to the cgroup of the page, nothing for uncharged pages", () => {
    const m = bootMm();
    const a = m.memcg.mem_cgroup_create("a");
    m.memcg.set_active_memcg(a);
    noLeak(m, () => {
      const c = chargeBlock(m, 2, GFP_KERNEL_ACCOUNT);
      m.memcg.mod_memcg_page_state(c.pfn, "vmalloc", 2);
      expect(m.memcg.memory_stat(a)).toContain("\nvmalloc 8192\n");
      const plain = m.k.pages.alloc_pages(0);
      m.memcg.mod_memcg_page_state(plain, "vmalloc", 5);
      expect(m.memcg.memcg_page_state(a, "vmalloc")).toBe(2);
      m.memcg.mod_memcg_page_state(c.pfn, "vmalloc", -2);
      m.k.pages.__free_pages(plain, 0);
      c.release();
    });
  });

  it("follows vmalloc'd __GFP_ACCOUNT memory through vmalloc, vrealloc shrink and vfree", () => {
    const m = bootMm();
    const a = m.memcg.mem_cgroup_create("a");
    m.memcg.set_active_memcg(a);
    noLeak(m, () => {
      const p = m.vmalloc.__vmalloc(256 << 10, GFP_KERNEL_ACCOUNT);
      expect(m.memcg.memory_stat(a)).toContain("\nvmalloc 262144\n");
      expect(m.memcg.memory_current(a)).toBe(256 << 10);
      expect(m.memcg.memcg_page_state(a, "kernel")).toBe(64);
      const q = m.vmalloc.vrealloc(p, 16 << 10, GFP_KERNEL_ACCOUNT);
      expect(q).toBe(p);
      expect(m.memcg.memory_stat(a)).toContain("\nvmalloc 16384\n");
      expect(m.memcg.memory_current(a)).toBe(16 << 10);
      m.vmalloc.vfree(q);
      expect(m.memcg.memory_current(a)).toBe(0);
      expect(m.memcg.memory_stat(a)).toContain("\nvmalloc 0\n");
    });
  });

  it("a vmalloc over the limit fails and leaves the cgroup as it was", () => {
    const m = bootMm();
    const a = m.memcg.mem_cgroup_create("a", "64K");
    m.memcg.set_active_memcg(a);
    noLeak(m, () => {
      expect(m.vmalloc.__vmalloc(128 << 10, GFP_KERNEL_ACCOUNT | GFP.__GFP_NOWARN)).toBe(0n);
      expect(m.memcg.memory_current(a)).toBe(0);
      expect(m.memcg.memory_stat(a)).toContain("\nvmalloc 0\n");
      expect(m.memcg.memcg_page_state(a, "kernel")).toBe(0);
    });
  });
});
