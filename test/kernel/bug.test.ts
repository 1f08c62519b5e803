import { describe, expect, it } from "vitest";
import { BUG, BUG_ON, KernelBug, WARN_ON } from "../../src/kernel/bug.js";
import { KernelOops } from "../../src/kernel/kaccess.js";
import { Printk } from "../../src/kernel/printk.js";

const kernel = () => {
  const printk = new Printk(() => 0.5);
  printk.where = () => ({ cpu: 1, pid: 7 });
  return { printk };
};

describe("WARN_ON and BUG_ON", () => {
  it("WARN_ON prints Linux's WARNING report when its condition holds, and returns the condition", () => {
    const k = kernel();
    expect(WARN_ON(k, false, "mm/vmalloc.c:vfree", "not printed")).toBe(false);
    expect(k.printk.lines).toEqual([]);
    expect(WARN_ON(k, true, "mm/vmalloc.c:vfree", () => "Trying to vfree() nonexistent vm area")).toBe(true);
    expect(k.printk.lines.map((l) => `${l.level} ${l.text}`)).toEqual([
      "warning ------------[ cut here ]------------",
      "warning Trying to vfree() nonexistent vm area",
      "warning WARNING: CPU: 1 PID: 7 at mm/vmalloc.c:vfree",
      "warning ---[ end trace 0000000000000000 ]---",
    ]);
    expect(k.printk.warnings).toBe(1);
  });

  it("a message function is only called when the check fires", () => {
    let calls = 0;
    WARN_ON(kernel(), false, "here", () => `${++calls}`);
    BUG_ON(false, "here", () => `${++calls}`);
    expect(calls).toBe(0);
  });

  it("BUG_ON and BUG raise a KernelBug: an oops naming where, with the message", () => {
    expect(() => BUG_ON(true, "mm/page_alloc.c:__free_pages", "bad free")).toThrow(KernelBug);
    try {
      BUG("mm/vmalloc.c:unlink_va", "area 0x1000 is not busy");
    } catch (e) {
      expect(e).toBeInstanceOf(KernelOops);
      expect((e as KernelOops).lines).toEqual([
        "kernel BUG at mm/vmalloc.c:unlink_va!",
        "area 0x1000 is not busy",
      ]);
      expect((e as Error).message).toBe("kernel BUG at mm/vmalloc.c:unlink_va: area 0x1000 is not busy");
    }
    expect.assertions(4);
  });
});
