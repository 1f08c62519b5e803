// A guest kernel that demand-pages a U-mode program, the situation of riscv-tests' -v
// environment, written here from the privileged spec: M-mode builds the page tables for Sv39,
// Sv48 or Sv57 (the user's 4 KiB pages under root[0], every one invalid at first; the kernel
// as one 2 MiB leaf at the top of the address space, 0xffff_ffff_ffe0_0000 -> RAM), delegates
// U ecalls and page faults to S and mrets into U. The S handler, running at its kernel virtual
// address, maps each faulting page to a fresh frame holding a copy of the program image's page,
// with A and D clear (Svade: the next access faults again and the handler sets A, and D for a
// store), then `sfence.vma`s that address. It logs every fault (scause, sepc, stval); the test
// checks the whole log, including a 4-byte instruction straddling into an unmapped page
// (sepc = the instruction, stval = its second half: privileged spec, "Supervisor Trap Value").
// With menvcfg.ADUE (Svadu) the walker sets A and D itself: one fault per page, and the PTEs
// end with A on every page touched and D on every page stored to.

import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { Machine } from "../../src/cpu/index.js";
import { attachJit } from "../../src/cpu/jit/index.js";
import { RAM_BASE } from "../../src/mmu/index.js";

const KBASE = 0xffff_ffff_ffe0_0000n;
/** KBASE - RAM_BASE, as the guest adds it to a physical address (two's complement). */
const KOFF = -(BigInt(RAM_BASE) + (1n << 21n));
const PTE_V = 0x01;
const PTE_RWX = 0x0e;
const PTE_U = 0x10;
const PTE_A = 0x40;
const PTE_D = 0x80;

/** M-mode boot: tables pt0..pt(2L-3) for `levels` L (pt0 the root), menvcfg.ADUE when `svadu`,
 *  then into U at user_start. */
function boot(levels: number, mode: number, svadu: boolean): string {
  const link = (parent: string, index: number, child: string): string => `
    la t0, ${child}
    srli t0, t0, 12
    slli t0, t0, 10
    ori t0, t0, ${PTE_V}
    la t1, ${parent}
    li t2, ${index * 8}
    add t1, t1, t2
    sd t0, 0(t1)`;
  const lines: string[] = [];
  // The user's chain: root[0] -> pt1[0] -> ... -> pt(L-1), the 4 KiB level.
  for (let l = 0; l < levels - 1; l++) lines.push(link(`pt${l}`, 0, `pt${l + 1}`));
  // The kernel's chain: root[511] -> pt(L) -> ... -> pt(2L-3), whose [511] is a 2 MiB leaf.
  const kernel = ["pt0", ...Array.from({ length: levels - 2 }, (_, i) => `pt${levels + i}`)];
  for (let i = 0; i + 1 < kernel.length; i++) lines.push(link(kernel[i]!, 511, kernel[i + 1]!));
  lines.push(`
    li t0, ${(BigInt(RAM_BASE) >> 12n) << 10n} | ${PTE_V | PTE_RWX | PTE_A | PTE_D}
    la t1, ${kernel.at(-1)}
    li t2, ${511 * 8}
    add t1, t1, t2
    sd t0, 0(t1)`);
  return `
_start:
${lines.join("\n")}
    li t0, (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15)
    csrw medeleg, t0
    la t0, m_trap
    csrw mtvec, t0
    la t0, s_trap
    li t1, ${KOFF}
    add t0, t0, t1
    csrw stvec, t0
    la t0, pt0
    srli t0, t0, 12
    li t1, ${mode} << 60
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    li t0, ${svadu ? 1n << 61n : 0}
    csrs menvcfg, t0
    li t0, 0x1800
    csrc mstatus, t0
    la t0, user_start
    li t1, ${RAM_BASE}
    sub t0, t0, t1
    csrw mepc, t0
    mret

    .balign 4
m_trap:
    csrr t0, mcause
    li t1, 9
    beq t0, t1, 1f
    li a0, 255
1:  li t0, 0x100000
    li t1, 0x5555
    beqz a0, 2f
    slli t1, a0, 16
    li t2, 0x3333
    or t1, t1, t2
2:  sw t1, 0(t0)
3:  j 3b`;
}

/** The S-mode handler (at its kernel virtual address): log the fault, then map a new page or
 *  set A (and D for a store fault) in its PTE, and flush that address. A U ecall goes to M. */
function sTrap(levels: number): string {
  return `
    .balign 4
s_trap:
    csrw sscratch, t6
    la t6, ksave
    sd t0, 0(t6)
    sd t1, 8(t6)
    sd t2, 16(t6)
    sd t3, 24(t6)
    sd t4, 32(t6)
    sd t5, 40(t6)
    csrr t0, scause
    li t1, 8
    beq t0, t1, s_exit
    la t1, flog_n
    ld t2, 0(t1)
    addi t3, t2, 1
    sd t3, 0(t1)
    li t3, 24
    mul t3, t2, t3
    la t4, flog
    add t4, t4, t3
    sd t0, 0(t4)
    csrr t3, sepc
    sd t3, 8(t4)
    csrr t3, stval
    sd t3, 16(t4)
    srli t2, t3, 12
    beqz t2, s_bad
    li t1, 256
    bgeu t2, t1, s_bad
    slli t1, t2, 3
    la t3, pt${levels - 1}
    add t3, t3, t1
    ld t4, 0(t3)
    beqz t4, s_new
    ori t4, t4, ${PTE_A}
    li t1, 15
    bne t0, t1, s_set
    ori t4, t4, ${PTE_D}
s_set:
    sd t4, 0(t3)
    j s_flush
s_new:
    la t1, next_frame
    ld t4, 0(t1)
    li t5, 4096
    add t5, t4, t5
    sd t5, 0(t1)
    li t1, ${KOFF}
    add t5, t4, t1
    slli t0, t2, 12
    li t1, ${KBASE}
    add t0, t0, t1
    li t1, 512
s_copy:
    ld t2, 0(t0)
    sd t2, 0(t5)
    addi t0, t0, 8
    addi t5, t5, 8
    addi t1, t1, -1
    bnez t1, s_copy
    srli t4, t4, 12
    slli t4, t4, 10
    ori t4, t4, ${PTE_V | PTE_RWX | PTE_U}
    sd t4, 0(t3)
    fence.i
s_flush:
    csrr t0, stval
    sfence.vma t0, zero
    ld t0, 0(t6)
    ld t1, 8(t6)
    ld t2, 16(t6)
    ld t3, 24(t6)
    ld t4, 32(t6)
    ld t5, 40(t6)
    csrr t6, sscratch
    sret
s_exit:
    ecall
s_bad:
    li a0, 254
    ecall`;
}

/** The U-mode program (virtual address = its offset in RAM): stores, loads, an AMO and an
 *  LR/SC loop on fresh pages, a jump to an instruction straddling into a fresh page, a load of
 *  the image's data; a0 = 0 when every check held, else the check's number. */
const USER = `
    .balign 4096
user_start:
    la s1, udata
    li t0, 0x1122334455667788
at_sd:
    sd t0, 0(s1)
    li t1, 4096
    add t2, s1, t1
at_ld:
    ld t3, 0(t2)
    li a0, 1
    bnez t3, u_fail
    ld t3, 0(s1)
    li a0, 2
    bne t3, t0, u_fail
    li t1, 8192
    add t2, s1, t1
    li t3, 5
at_amo:
    amoadd.d t4, t3, (t2)
    amoadd.d t4, t3, (t2)
    li a0, 3
    bne t4, t3, u_fail
    li t1, 12288
    add t2, s1, t1
at_lr:
    lr.d t3, (t2)
    addi t3, t3, 7
at_sc:
    sc.d t4, t3, (t2)
    bnez t4, at_lr
    ld t3, 0(t2)
    li t5, 7
    li a0, 4
    bne t3, t5, u_fail
    li a1, 0
    j straddle
back:
    li t5, 16
    li a0, 5
    bne a1, t5, u_fail
    la t2, image_word
at_image:
    ld t3, 0(t2)
    li t5, 0x0123456789abcdef
    li a0, 6
    bne t3, t5, u_fail
    li a0, 0
u_fail:
    ecall

    .balign 4096
    .skip 4094
straddle:
    addi a1, a1, 16
    j back

    .balign 4096
image_word: .dword 0x0123456789abcdef
    .balign 4096
udata: .zero 16384`;

/** The kernel's data: the frame allocator, the register save area, the fault log and the page
 *  tables pt0..pt(2L-3). */
const DATA = (levels: number): string => `
    .balign 8
next_frame: .dword ${RAM_BASE + 0x10_0000}
ksave: .zero 64
flog_n: .dword 0
flog: .zero ${24 * 64}
    .balign 4096
${Array.from({ length: 2 * levels - 2 }, (_, i) => `pt${i}: .zero 4096`).join("\n")}`;

/** Assemble and run the guest for a paging mode (satp MODE `mode`, `levels` levels). */
function runGuest(levels: number, mode: number, opts: { tlb: string; jit: boolean; svadu?: boolean }) {
  const prog = assemble(
    `${boot(levels, mode, opts.svadu ?? false)}\n${sTrap(levels)}\n${USER}\n${DATA(levels)}`,
    {
      file: "demand.s",
      base: BigInt(RAM_BASE),
    },
  );
  const m = new Machine({ mem: 4 << 20, tlb: opts.tlb });
  if (opts.jit) attachJit(m, { keepAll: true });
  m.loadFlat(prog.toFlat(), prog.base);
  const result = m.run(2_000_000);
  const sym = (l: string): bigint => prog.symbols.get(l)!;
  const ram = (pa: bigint): bigint => m.mem.readRam(Number(pa) - RAM_BASE, 8);
  const n = Number(ram(sym("flog_n")));
  const log = Array.from({ length: n }, (_, i) =>
    [0, 8, 16].map((o) => ram(sym("flog") + BigInt(24 * i + o))),
  );
  /** The flags (low 8 bits) of the PTE of the user page at `label` + `plus`, at the end. */
  const pte = (label: string, plus = 0n): number =>
    Number(ram(sym(`pt${levels - 1}`) + ((sym(label) - BigInt(RAM_BASE) + plus) >> 12n) * 8n) & 0xffn);
  return { result, log, sym, ram, pte };
}

describe("a guest kernel demand-pages a U-mode program (riscv-tests -v situation)", () => {
  for (const [name, levels, mode] of [
    ["Sv39", 3, 8],
    ["Sv48", 4, 9],
    ["Sv57", 5, 10],
  ] as const) {
    for (const opts of [
      { tlb: "tiny", jit: false },
      { tlb: "skylake", jit: true },
    ]) {
      it(`${name}, TLB ${opts.tlb}${opts.jit ? ", translated" : ""}: passes, with exactly the faults the spec asks for`, () => {
        const { result, log, sym, ram } = runGuest(levels, mode, opts);
        expect(result).toEqual({ exitCode: 0, reason: "test finisher: pass" });
        const va = (l: string, plus = 0n): bigint => sym(l) - BigInt(RAM_BASE) + plus;
        const twice = (cause: bigint, pc: string, addr: bigint): bigint[][] => [
          [cause, va(pc), addr],
          [cause, va(pc), addr],
        ];
        const page = 4096n;
        expect(log).toEqual([
          // Each first touch: the PTE is invalid; then A (and D) clear under Svade.
          ...twice(12n, "user_start", va("user_start")),
          ...twice(15n, "at_sd", va("udata")),
          ...twice(13n, "at_ld", va("udata", page)),
          // An AMO faults as a store.
          ...twice(15n, "at_amo", va("udata", 2n * page)),
          // lr.d maps the page and sets A; sc.d then finds D clear.
          ...twice(13n, "at_lr", va("udata", 3n * page)),
          [15n, va("at_sc"), va("udata", 3n * page)],
          // The instruction at the last 2 bytes of a page: its first half's page, then its
          // second half's, with sepc at the instruction and stval at the half that faulted.
          ...twice(12n, "straddle", va("straddle")),
          ...twice(12n, "straddle", va("straddle", 2n)),
          ...twice(13n, "at_image", va("image_word")),
        ]);
        // The user's stores went to its frames, not to the image in RAM.
        expect(ram(sym("udata"))).toBe(0n);
      });
    }

    for (const jit of [false, true])
      it(`${name}, Svadu (menvcfg.ADUE)${jit ? ", translated" : ""}: one fault per page; the walker sets A on every access and D on stores`, () => {
        const { result, log, sym, pte } = runGuest(levels, mode, { tlb: "tiny", jit, svadu: true });
        expect(result).toEqual({ exitCode: 0, reason: "test finisher: pass" });
        const va = (l: string, plus = 0n): bigint => sym(l) - BigInt(RAM_BASE) + plus;
        const page = 4096n;
        expect(log).toEqual([
          [12n, va("user_start"), va("user_start")],
          [15n, va("at_sd"), va("udata")],
          [13n, va("at_ld"), va("udata", page)],
          [15n, va("at_amo"), va("udata", 2n * page)],
          [13n, va("at_lr"), va("udata", 3n * page)],
          [12n, va("straddle"), va("straddle")],
          [12n, va("straddle"), va("straddle", 2n)],
          [13n, va("at_image"), va("image_word")],
        ]);
        // Fetched or loaded only: A. Stored to (sd, amoadd.d, sc.d): A and D.
        const mapped = PTE_V | PTE_RWX | PTE_U;
        for (const l of ["user_start", "straddle", "image_word"]) expect(pte(l)).toBe(mapped | PTE_A);
        expect(pte("straddle", 2n)).toBe(mapped | PTE_A);
        expect(pte("udata", page)).toBe(mapped | PTE_A);
        for (const k of [0n, 2n, 3n]) expect(pte("udata", k * page)).toBe(mapped | PTE_A | PTE_D);
      });
  }
});
