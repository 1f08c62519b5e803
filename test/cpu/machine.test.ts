// The machine around the harts: decode-cache invalidation (self-modifying code by every kind of
// store, fence.i, a copied routine), the instruction limit of Machine.run (exit code 124), how
// a run ends (test finisher, HTIF tohost), the UART, mtime as seen through the CLINT and the
// time CSR, and loading ELF files.

import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { LoadError, Machine } from "../../src/cpu/index.js";
import { PF_R, PF_W, PF_X, readElf, writeElf } from "../../src/elf/index.js";
import { fail, asmGuest as guest, runAsm } from "../helpers/asm.js";
import { a0, a1, a2, a3 } from "../helpers/encode.js";
import { FINISHER, RAM } from "../helpers/guest.js";

/**
 * Runs the instructions `first` (at label `slot`) twice, patching them between the two passes
 * with `patch` (s0 = slot; the replacement instructions are assembled at label `new`); a0
 * accumulates what both versions add.
 */
function patchLoop(first: string, patch: string, replacement: string, fenceI: boolean): string {
  return `
    li a0, 0
    li s1, 2
top:
slot:
    ${first}
    addi s1, s1, -1
    beqz s1, done
    la s0, slot
    ${patch}
    ${fenceI ? "fence.i" : ""}
    j top
done:
    j pass
    .data
    .balign 8
new:
    ${replacement}`;
}

describe("self-modifying code and the decode cache", () => {
  // [what, original code, the patch, the replacement at `new`, a0 after both passes]
  const cases: [string, string, string, string, bigint][] = [
    ["sw over a 4-byte instruction", "addi a0, a0, 1", "lw t0, new; sw t0, 0(s0)", "addi a0, a0, 100", 101n],
    [
      "sh over the upper half (the immediate) of a 4-byte instruction",
      "addi a0, a0, 1",
      "lh t0, new+2; sh t0, 2(s0)",
      "addi a0, a0, 100",
      101n,
    ],
    [
      "sb over the top byte of a 4-byte instruction",
      "addi a0, a0, 1",
      "lbu t0, new+3; sb t0, 3(s0)",
      "addi a0, a0, 0x101",
      1n + 0x101n,
    ],
    [
      "sw replacing one 4-byte instruction with two compressed ones",
      "addi a0, a0, 1",
      "lw t0, new; sw t0, 0(s0)",
      "c.addi a0, 5; c.addi a0, 7",
      1n + 12n,
    ],
    [
      "sh replacing the first of two compressed instructions",
      "c.addi a0, 1; c.addi a0, 2",
      "lh t0, new; sh t0, 0(s0)",
      "c.addi a0, 10",
      3n + 12n,
    ],
    [
      "sh over the second compressed instruction (at slot + 2)",
      "c.addi a0, 1; c.addi a0, 2",
      "lh t0, new; sh t0, 2(s0)",
      "c.addi a0, 20",
      3n + 21n,
    ],
    [
      "sd over two 4-byte instructions",
      "addi a0, a0, 1; addi a0, a0, 2",
      "ld t0, new; sd t0, 0(s0)",
      "addi a0, a0, 100; addi a0, a0, 30",
      3n + 130n,
    ],
    [
      // Bytes 2..5: the upper half of the first (its imm: 1 → 100) and the lower half of the
      // second (its funct3: addi → xori). Second pass: (3 + 100) ^ 2.
      "a misaligned sw covering halves of two instructions",
      "addi a0, a0, 1; addi a0, a0, 2",
      "lw t0, new+2; sw t0, 2(s0)",
      "addi a0, a0, 100; xori a0, a0, 2",
      (3n + 100n) ^ 2n,
    ],
    [
      "amoswap.w over an instruction",
      "addi a0, a0, 1",
      "lw t0, new; amoswap.w zero, t0, (s0)",
      "addi a0, a0, 100",
      101n,
    ],
    [
      "a successful sc.w over an instruction",
      "addi a0, a0, 1",
      "lw t0, new; lr.w t1, (s0); sc.w t2, t0, (s0)",
      "addi a0, a0, 100",
      101n,
    ],
  ];
  for (const [what, first, patch, replacement, want] of cases) {
    for (const fenceI of [false, true]) {
      it(`${what}${fenceI ? " (then fence.i)" : ""}: the new instruction runs`, () => {
        const r = guest(patchLoop(first, patch, replacement, fenceI));
        expect(r.result.exitCode).toBe(0);
        expect(r.log).toEqual([]);
        expect(r.reg(a0)).toBe(want);
      });
    }
  }

  it("a store to the instruction right after it takes effect at once", () => {
    const r = guest(`
    la s0, next
    lw t0, new
    sw t0, 0(s0)
next:
    li a0, 1
    .data
    .balign 4
new:
    li a0, 9`);
    expect(r.reg(a0)).toBe(9n);
  });

  it("a 4-byte instruction straddling a page boundary, patched in its second page", () => {
    const r = guest(`
    li a0, 0
    li s1, 2
    j top
    .balign 4096
    .skip 4094
slot:
    addi a0, a0, 1         # straddles the page boundary
    addi s1, s1, -1
    beqz s1, done
    la s0, slot
    lh t0, new+2
    sh t0, 2(s0)
top:
    j slot
done:
    .data
    .balign 4
new:
    addi a0, a0, 100`);
    expect(r.sym("slot") % 4096n).toBe(4094n);
    expect(r.result.exitCode).toBe(0);
    expect(r.reg(a0)).toBe(101n);
  });

  it("code copied to a fresh page and entered after fence.i runs; rewritten and re-entered, the new code runs", () => {
    const r = guest(`
    la s0, buf
    lw t0, code1
    sw t0, 0(s0)
    lw t0, code1+4
    sw t0, 4(s0)
    fence.i
    jalr s0
    lw t0, code2
    sw t0, 0(s0)
    fence.i
    jalr s0
    .data
    .balign 4
code1:
    addi a0, a0, 3
    ret
code2:
    addi a0, a0, 50
    .balign 4096
buf:
    .zero 64`);
    expect(r.result.exitCode).toBe(0);
    expect(r.reg(a0)).toBe(53n);
  });
});

describe("Machine.run limits and endings", () => {
  it("run(maxInsns) stops an endless loop with exit code 124 after exactly maxInsns instructions", () => {
    const r = runAsm(
      `
loop:
    addi a0, a0, 1
    j loop`,
      { maxInsns: 1001 },
    );
    expect(r.result.exitCode).toBe(124);
    expect(r.result.reason).toMatch(/1001/);
    expect(r.h.instret).toBe(1001);
    expect(r.reg(a0)).toBe(501n); // addi, j, addi, …: 501 addi in 1001 instructions
  });

  it("with several harts, maxInsns counts the instructions of all of them", () => {
    const r = runAsm(
      `
loop:
    addi a1, a1, 1
    j loop`,
      { harts: 3, maxInsns: 30_000, quantum: 1000 },
    );
    expect(r.result.exitCode).toBe(124);
    expect(r.m.harts.reduce((s, h) => s + h.instret, 0)).toBe(30_000);
    // Round-robin: every hart got its share.
    for (let h = 0; h < 3; h++) expect(r.reg(a1, h)).toBeGreaterThan(1000n);
  });

  it("maxInsns also ends a trap loop in which no instruction retires", () => {
    let traps = 0;
    const r = runAsm(
      `
    li t0, 0x40000000      # nothing there: every fetch faults straight back to mtvec
    csrw mtvec, t0
    jr t0
escape:
    li t6, 0x100000
    li tp, 0x5555
    sw tp, 0(t6)`,
      {
        maxInsns: 1000,
        setup: (m, sym) => {
          // A safety valve, so that a failure is a failed assertion rather than a hung test:
          // after 50000 traps, send the hart to `escape`, which passes.
          m.harts[0]!.trapListeners.push((h) => {
            if (++traps === 50_000) h.mtvec = sym("escape");
          });
        },
      },
    );
    expect(r.result.exitCode).toBe(124);
    expect(traps).toBeLessThan(50_000);
  });

  it("writing a large value to minstret neither ends the run nor moves mtime", () => {
    const r = guest(`
    li t0, 1 << 40
    csrw minstret, t0
    li t1, 100
1:  addi t1, t1, -1
    bnez t1, 1b
    csrr a3, time`);
    expect(r.result).toEqual({ exitCode: 0, reason: "test finisher: pass" });
    expect(r.reg(a3)).toBeLessThan(100n); // a few hundred instructions: a few ticks
  });

  it("resetting minstret to 0 over and over does not dodge the instruction limit", () => {
    const r = guest(
      `
    li t1, 20000
1:  csrw minstret, zero
    addi t1, t1, -1
    bnez t1, 1b`,
      { maxInsns: 5000 },
    );
    expect(r.result.exitCode).toBe(124);
  });

  it("the test finisher: 0x5555 passes, (code << 16) | 0x3333 fails with code", () => {
    expect(guest("").result).toEqual({ exitCode: 0, reason: "test finisher: pass" });
    for (const code of [1, 42, 0xffff]) expect(guest(fail(code)).result.exitCode).toBe(code);
  });

  it("HTIF: tohost = 1 passes, (n << 1) | 1 fails with n, 0x0101 << 48 | ch prints ch", () => {
    const run = (body: string): { code: number; out: string } => {
      const prog = assemble(`
    la s0, tohost
${body}
spin:
    j spin
    .data
    .balign 8
tohost: .dword 0`);
      const out: number[] = [];
      const m = new Machine({ mem: 1 << 20, console: (b) => out.push(b) });
      m.loadFlat(prog.toFlat(), prog.base, prog.symbols.get("tohost"));
      return { code: m.run(100_000).exitCode, out: String.fromCharCode(...out) };
    };
    expect(run("li t0, 1; sd t0, 0(s0)")).toEqual({ code: 0, out: "" });
    expect(run("li t0, (7 << 1) | 1; sd t0, 0(s0)").code).toBe(7);
    const putchar = (ch: string): string => `li t0, (0x0101 << 48) | ${ch.charCodeAt(0)}; sd t0, 0(s0)`;
    // After each putchar the host writes 0 back: 0 + 1 then passes.
    expect(run(`${putchar("h")}; ${putchar("i")}; ld a0, 0(s0); addi a0, a0, 1; sd a0, 0(s0)`)).toEqual({
      code: 0,
      out: "hi",
    });
  });

  it("HTIF system calls (fesvr's proxy): write to fd 1 and 2 prints and returns the length in the block, then tohost 0 and fromhost 1; exit(n) ends the run with n", () => {
    // The guest stores the block's address in tohost, spins until fromhost is non-zero, then
    // keeps what it saw (the block's first word in a0, tohost in a1) and passes.
    const call = (n: number, args: string[], fromhost = true) => {
      const prog = assemble(`
    la s0, tohost
    la s1, block
    li t0, ${n}
    sd t0, 0(s1)
${args.map((a, i) => `    ${a}\n    sd t0, ${8 * (i + 1)}(s1)`).join("\n")}
    sd s1, 0(s0)
wait:
    ld t0, 8(s0)
    beqz t0, wait
    ld a0, 0(s1)
    ld a1, 0(s0)
    li t0, 1
    sd t0, 0(s0)
spin:
    j spin
    .data
    .balign 64
block: .dword 0, 0, 0, 0, 0, 0, 0, 0
msg: .ascii "hey"
    .balign 8
tohost: .dword 0
fromhost: .dword 0`);
      const out: number[] = [];
      const m = new Machine({ mem: 1 << 20, console: (b) => out.push(b) });
      const sym = (l: string): bigint => prog.symbols.get(l)!;
      m.loadFlat(prog.toFlat(), prog.base, sym("tohost"), fromhost ? sym("fromhost") : undefined);
      const r = m.run(100_000);
      const h = m.harts[0]!;
      return { ...r, out: String.fromCharCode(...out), a0: h.reg(a0), a1: h.reg(a1) };
    };
    const write = (fd: number, buf = "la t0, msg", len = 3) => [`li t0, ${fd}`, buf, `li t0, ${len}`];
    expect(call(64, write(1))).toMatchObject({ exitCode: 0, out: "hey", a0: 3n, a1: 0n });
    expect(call(64, write(2, "la t0, msg", 2))).toMatchObject({ exitCode: 0, out: "he", a0: 2n });
    // Any other fd: -EBADF (9); a buffer not all in RAM: -EFAULT (14). Nothing printed.
    expect(call(64, write(0))).toMatchObject({ exitCode: 0, out: "", a0: 2n ** 64n - 9n });
    expect(call(64, write(1, "li t0, 0x10000000"))).toMatchObject({
      exitCode: 0,
      out: "",
      a0: 2n ** 64n - 14n,
    });
    expect(call(64, write(1, "li t0, 0x800ffffe"))).toMatchObject({ out: "", a0: 2n ** 64n - 14n });
    expect(call(93, ["li t0, 5"])).toMatchObject({ exitCode: 5, reason: "tohost: test 5 failed" });
    expect(call(93, ["li t0, 0"])).toMatchObject({ exitCode: 0, reason: "tohost: pass" });
    // What mmlab does not serve stops the machine (3) with the reason, instead of a guest that
    // spins for its answer until the budget.
    expect(call(63, write(0))).toMatchObject({
      exitCode: 3,
      reason: "not supported: HTIF system call 63 (only write 64 and exit 93 are served)",
    });
    expect(call(64, write(1), false)).toMatchObject({
      exitCode: 3,
      reason: "HTIF system call not served: the ELF has no fromhost symbol",
    });
    // A block address outside RAM (the test finisher's page) is not read at all.
    const far = assemble(`
    la s0, tohost
    li t0, 0x100000
    sd t0, 0(s0)
spin:
    j spin
    .data
    .balign 8
tohost: .dword 0
fromhost: .dword 0`);
    const m = new Machine({ mem: 1 << 20 });
    m.loadFlat(far.toFlat(), far.base, far.symbols.get("tohost"), far.symbols.get("fromhost"));
    expect(m.run(100_000)).toEqual({
      exitCode: 3,
      reason: "HTIF system call not served: its block at 0x100000 is not in RAM",
    });
  });

  it("the UART transmits bytes written to THR and reports the transmitter empty in LSR", () => {
    const r = guest(`
    li s0, 0x10000000
    li t0, 'o'
    sb t0, 0(s0)
    li t0, 'k'
    sb t0, 0(s0)
    li t0, 10
    sb t0, 0(s0)
    lbu a0, 5(s0)`);
    expect(String.fromCharCode(...r.out)).toBe("ok\n");
    expect(r.reg(a0) & 0x60n).toBe(0x60n);
  });
});

describe("time", () => {
  it("mtime read through the CLINT never lags the time CSR read just before it", () => {
    const r = guest(`
    li t0, 1000
1:  addi t0, t0, -1
    bnez t0, 1b
    li t1, 0x0200bff8
    csrr a0, time
    ld a1, 0(t1)
    csrr a2, time`);
    expect(r.reg(a0)).toBeGreaterThan(0n);
    expect(r.reg(a1)).toBeGreaterThanOrEqual(r.reg(a0));
    expect(r.reg(a2)).toBeGreaterThanOrEqual(r.reg(a1));
  });

  it("mtime read through the CLINT advances while the program runs", () => {
    const r = guest(`
    li t1, 0x0200bff8
    ld a0, 0(t1)
    li t0, 2000
1:  addi t0, t0, -1
    bnez t0, 1b
    ld a1, 0(t1)`);
    expect(r.reg(a1)).toBeGreaterThan(r.reg(a0));
  });
});

describe("loading ELF files", () => {
  it("loadElf places PT_LOAD segments, zeroes their bss, starts every hart at the entry", () => {
    const text = assemble(
      `
    li t0, 0x80008000
    ld a2, 0(t0)
    ld a3, 8(t0)
    li t6, 0x100000
    li tp, 0x5555
    sw tp, 0(t6)`,
      { base: RAM + 0x1000n },
    ).toFlat();
    const elf = readElf(
      writeElf({
        entry: RAM + 0x1000n,
        segments: [
          { vaddr: RAM + 0x1000n, data: text, flags: PF_R | PF_X },
          { vaddr: RAM + 0x8000n, data: Uint8Array.of(1, 2, 3, 4), memsz: 4096, flags: PF_R | PF_W },
        ],
      }),
    );
    const m = new Machine({ mem: 1 << 20, harts: 2, console: () => {} });
    m.mem.u8.fill(0xff, 0x8000, 0x9000); // stale bytes where the bss goes
    m.loadElf(elf);
    expect(m.harts.map((h) => h.pcBig())).toEqual([RAM + 0x1000n, RAM + 0x1000n]);
    expect(m.harts.map((h) => h.reg(a0))).toEqual([0n, 1n]);
    expect(m.run(10_000).exitCode).toBe(0);
    expect(m.harts[0]!.reg(a2)).toBe(0x0403_0201n);
    expect(m.harts[0]!.reg(a3)).toBe(0n);
  });

  it("a segment outside RAM is a LoadError that names it", () => {
    const elf = readElf(
      writeElf({
        entry: 0x1000n,
        segments: [{ vaddr: 0x1000n, data: new Uint8Array(8), flags: PF_R | PF_X }],
      }),
    );
    const m = new Machine({ mem: 1 << 20, console: () => {} });
    expect(() => m.loadElf(elf)).toThrow(LoadError);
    expect(() => m.loadElf(elf)).toThrow(/segment 0 .*outside RAM/);
  });

  it("loadFlat outside RAM (at the finisher) is refused", () => {
    const m = new Machine({ mem: 1 << 20, console: () => {} });
    expect(() => m.loadFlat(new Uint8Array(4), FINISHER)).toThrow(RangeError);
  });
});
