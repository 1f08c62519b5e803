import { describe, expect, it } from "vitest";
import { parseBool, parseCmdline, parseUint } from "../../src/kernel/cmdline.js";
import { boot } from "./helpers.js";

describe("the kernel command line", () => {
  it("splits keys, key=value, module.param=value and quoted values", () => {
    expect(parseCmdline('nohugevmalloc test_vmalloc.nr_threads=2 a="b c" x=').params).toEqual([
      { key: "nohugevmalloc", value: true },
      { key: "test_vmalloc.nr_threads", value: "2" },
      { key: "a", value: "b c" },
      { key: "x", value: "" },
    ]);
    expect(parseCmdline("   ").params).toEqual([]);
  });

  it("parses booleans like kstrtobool and integers like kstrtouint", () => {
    expect(["1", "y", "on", "true"].map((v) => parseBool(v))).toEqual([true, true, true, true]);
    expect(parseBool(true)).toBe(true);
    expect(["0", "n", "off", "false"].map((v) => parseBool(v))).toEqual([false, false, false, false]);
    expect(parseBool("maybe")).toBeUndefined();
    expect([parseUint("42"), parseUint("0x10"), parseUint("-1"), parseUint("1e3"), parseUint(true)]).toEqual([
      42,
      16,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("reports unknown parameters as Linux does, and unknown module parameters per module", () => {
    const k = boot("foo=bar baz test_vmalloc.nope=1 init_on_free=1");
    const log = k.printk.dmesg();
    expect(log).toContain(
      'Unknown kernel command line parameters "foo=bar baz", will be passed to user space.',
    );
    expect(log).toContain("test_vmalloc: unknown parameter 'nope' ignored");
    expect(k.config.initOnFree).toBe(true);
  });

  it("names a bad value", () => {
    const k = boot("init_on_alloc=perhaps");
    expect(k.printk.dmesg()).toContain(
      "kernel: bad value for 'init_on_alloc': expected a boolean, got 'perhaps'",
    );
  });
});
