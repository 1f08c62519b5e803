import { describe, expect, it } from "vitest";
import { TEST_CASES } from "../../src/kernel/index.js";
import { boot } from "./helpers.js";

function run(cmdline: string, harts = 1) {
  const k = boot(cmdline, { mem: 256 << 20, harts, tlb: "skylake" });
  const free0 = k.pages.nr_free_pages() + k.pgd.nrTablePages;
  const res = k.testVmalloc.run();
  const summary = k.printk.lines
    .map((l) => l.text)
    .filter((t) => t.startsWith("Summary:") || t.startsWith("All test"));
  return { k, res, summary, leaked: free0 - (k.pages.nr_free_pages() + k.pgd.nrTablePages) };
}

describe("test_vmalloc", () => {
  it("has Linux's test cases in mask-bit order", () => {
    expect(TEST_CASES.map((t) => t.name)).toEqual([
      "fix_size_alloc_test",
      "full_fit_alloc_test",
      "long_busy_list_alloc_test",
      "random_size_alloc_test",
      "fix_align_alloc_test",
      "random_size_align_alloc_test",
      "align_shift_alloc_test",
      "pcpu_alloc_test",
      "kvfree_rcu_1_arg_vmalloc_test",
      "kvfree_rcu_2_arg_vmalloc_test",
      "vm_map_ram_test",
      "no_block_alloc_test",
      "vrealloc_test",
    ]);
  });

  it("run_test_mask=4096 runs vrealloc_test and passes without leaking", () => {
    const { res, summary, leaked } = run("test_vmalloc.run_test_mask=4096 test_vmalloc.test_loop_count=200");
    expect(res.failed).toBe(0);
    expect(summary[0]).toMatch(
      /^Summary: vrealloc_test passed: 1 failed: 0 xfailed: 0 repeat: 1 loops: 200 avg: \d+ usec$/,
    );
    expect(summary[1]).toMatch(/^All test took worker0=\d+ cycles$/);
    expect(leaked).toBe(0);
  });

  it("the full mask passes with a small loop count; xfail tests are xfailed", () => {
    const { res, summary, leaked } = run(
      "test_vmalloc.run_test_mask=8191 test_vmalloc.test_loop_count=20 test_vmalloc.nr_pcpu_objects=500 test_vmalloc.sequential_test_order=1",
    );
    expect(summary).toHaveLength(14);
    expect(res.failed).toBe(0);
    expect(summary.find((l) => l.includes("align_shift_alloc_test"))).toContain(
      "passed: 0 failed: 0 xfailed: 1",
    );
    expect(summary.find((l) => l.includes("no_block_alloc_test"))).toContain(
      "passed: 0 failed: 0 xfailed: 1",
    );
    expect(leaked).toBe(0);
  });

  it("nr_threads workers each print their summary; repeat counts", () => {
    const { summary } = run(
      "test_vmalloc.run_test_mask=1 test_vmalloc.test_loop_count=10 test_vmalloc.nr_threads=3 test_vmalloc.test_repeat_count=2",
      2,
    );
    expect(
      summary.filter((l) => l.startsWith("Summary: fix_size_alloc_test passed: 2 failed: 0")),
    ).toHaveLength(3);
    expect(summary.filter((l) => l.startsWith("All test took worker"))).toHaveLength(3);
  });
});
