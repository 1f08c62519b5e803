// The builder API: same records and bytes as the text assembler.

import { describe, expect, test } from "vitest";
import { AsmBuilder, AsmError, assemble, MNEMONICS, methodName } from "../../src/asm/index.js";
import { asmError, hex, textWords } from "./helpers.js";

describe("builder and text assembler agree", () => {
  test("a loop with data", () => {
    const text = `
      _start:
        li a0, 0
        li a1, 10
      loop:
        addi a0, a0, 1
        bne a0, a1, loop
        la t0, value
        ld t1, 0(t0)
        sd a0, 8(t0)
        li t2, 0x123456789abc
        amoadd.w.aqrl a2, a3, (t0)
        lr.d a4, (t0)
        sc.d a5, a4, (t0)
        csrrw a0, mscratch, a1
        csrr a0, mhartid
        fence rw, w
        fence.i
        sfence.vma a0, zero
        c.addi a0, 1
        c.lwsp a0, 8(sp)
        jalr ra, 4(t0)
        ecall
      .data
      value: .dword 0x1122334455667788, value
        .word 1, 2
        .half 3
        .byte 4, 5
        .align 3
        .asciz "hi"
        .zero 3
    `;
    const b = new AsmBuilder();
    b.label("_start").li("a0", 0).li("a1", 10);
    b.label("loop").addi("a0", "a0", 1).bne("a0", "a1", "loop");
    b.la("t0", "value").ld("t1", 0, "t0").sd("a0", 8, "t0");
    b.li("t2", 0x1234_5678_9abcn);
    b.amoadd_w_aqrl("a2", "a3", "t0").lr_d("a4", "t0").sc_d("a5", "a4", "t0");
    b.csrrw("a0", "mscratch", "a1").csrr("a0", "mhartid");
    b.fence("rw", "w").fence_i().sfence_vma("a0", "zero");
    b.c_addi("a0", 1).c_lwsp("a0", 8, "sp").jalr("ra", 4, "t0").ecall();
    b.data().label("value").dword(0x1122334455667788n, "value").word(1, 2).half(3).byte(4, 5);
    b.align(3).asciz("hi").zero(3);
    const built = b.build();
    const parsed = assemble(text, { file: "t.s" });
    expect(built.toFlat()).toEqual(parsed.toFlat());
    expect(built.symbols).toEqual(parsed.symbols);
    expect(built.entry).toBe(parsed.entry);
  });

  test("every mnemonic has a builder method (dots become underscores)", () => {
    const b = new AsmBuilder();
    for (const m of MNEMONICS) expect(typeof b[methodName(m)], m).toBe("function");
    expect(methodName("amoadd.w.aqrl")).toBe("amoadd_w_aqrl");
    expect(MNEMONICS).toContain("amoadd.w.aqrl");
    expect(MNEMONICS).toContain("c.addi4spn");
    expect(MNEMONICS).toContain("li");
  });

  test("insn() takes any mnemonic by name", () => {
    const a = new AsmBuilder().insn("amoswap.d.aq", "a0", "a1", "a2").build();
    const b = new AsmBuilder().amoswap_d_aq("a0", "a1", "a2").build();
    expect(a.toFlat()).toEqual(b.toFlat());
  });
});

describe("builder features", () => {
  test("numeric local labels and expressions in strings", () => {
    const b = new AsmBuilder();
    b.label("1").addi("a0", "a0", -1).bnez("a0", "1b").j("1f").nop().label("1").addi("a1", "a1", "4 * 8");
    expect(textWords(b.build()).map(hex)).toEqual(
      textWords(assemble("1: addi a0, a0, -1\nbnez a0, 1b\nj 1f\nnop\n1: addi a1, a1, 32")).map(hex),
    );
  });

  test("%hi/%lo and equ", () => {
    const b = new AsmBuilder({ base: 0x1000n });
    b.equ("K", 5).lui("a0", "%hi(x)").addi("a0", "a0", "%lo(x)").addi("a1", "a1", "K");
    b.data().label("x").byte(1);
    expect(textWords(b.build())).toEqual(
      textWords(
        assemble("lui a0, %hi(x)\naddi a0, a0, %lo(x)\naddi a1, a1, K\n.equ K, 5\n.data\nx: .byte 1", {
          base: 0x1000n,
        }),
      ),
    );
  });

  test("a generated pointer chase: nodes in .data pointing at each other", () => {
    const n = 64;
    const order = Array.from({ length: n }, (_, i) => (i * 37) % n);
    const b = new AsmBuilder();
    b.label("_start").la("a0", "node0").li("a1", n);
    b.label("1").ld("a0", 0, "a0").addi("a1", "a1", -1).bnez("a1", "1b").ebreak();
    b.data().align(3);
    for (let i = 0; i < n; i++)
      b.label(`node${order[i]}`)
        .dword(`node${order[(i + 1) % n]}`)
        .zero(56);
    const p = b.build();
    const data = p.section(".data")!;
    const view = new DataView(data.data.buffer, data.data.byteOffset);
    let addr = p.symbols.get("node0")!;
    for (let i = 0; i < n; i++) addr = view.getBigUint64(Number(addr - data.addr), true);
    expect(addr).toBe(p.symbols.get("node0"));
    expect(data.memsz).toBe(n * 64);
  });

  test("bytes, ascii, sections, globl, option, newLabel", () => {
    const b = new AsmBuilder({ rvc: true });
    const l = b.newLabel();
    b.globl("_start").label("_start").option("norvc").nop().option("rvc").nop().label(l).j(l);
    b.rodata()
      .ascii("ab")
      .bytes([1, 2])
      .data(new Uint8Array([9]))
      .bss()
      .zero(8);
    const p = b.build();
    expect(textWords(p).map(hex)).toEqual([0x13, 0x0001, 0xa001].map(hex));
    expect([...p.section(".rodata")!.data]).toEqual([97, 98, 1, 2]);
    expect([...p.section(".data")!.data]).toEqual([9]);
    expect(p.section(".bss")!.memsz).toBe(8);
  });
});

describe("builder errors", () => {
  test("operand problems throw at the call, naming statement and argument", () => {
    const b = new AsmBuilder();
    b.nop();
    expect(asmError(() => b.addi("x32" as "x1", "a0", 1))).toBe("<builder>:2:1: unknown register 'x32'");
    expect(asmError(() => b.addi("a0", "a1", "a2"))).toBe(
      "<builder>:3:3: expected an immediate, not register 'a2'",
    );
    expect(asmError(() => b.insn("bogus"))).toBe("<builder>:4:1: unknown instruction 'bogus'");
    expect(asmError(() => b.label("x").label("x"))).toContain("symbol 'x' is already defined");
    expect(asmError(() => b.ld("a0", 8, "x9x" as "x1"))).toContain("unknown register 'x9x'");
    expect(asmError(() => b.addi("a0", "a0", 1.5))).toContain("1.5 is not an integer");
  });

  test("range and symbol problems are reported by build()", () => {
    const b = new AsmBuilder({ file: "gen" });
    b.addi("a0", "a0", 5000).j("nowhere");
    let caught: unknown;
    try {
      b.build();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AsmError);
    expect((caught as AsmError).message).toBe(
      "gen:1:3: immediate 5000 out of range for addi (-2048..2047)\ngen:2:1: undefined symbol 'nowhere'",
    );
  });
});
