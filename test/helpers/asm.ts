// Guest programs in assembly text (src/asm), for the CPU tests: `runAsm` assembles a complete
// source, loads it and runs it; `asmGuest` wraps a test body in the standard skeleton, whose
// conventions are:
//
//   gp       pointer to the next free trap-log record (a separate log per hart)
//   tp, t6   scratch of the trap handlers, and of `pass`/`fail`
//   s11      one-shot resume address: when non-zero at a trap, the handler returns there (and
//            clears it) instead of skipping the trapping instruction
//   s10      when non-zero at a trap taken to M, the handler returns in M-mode and clears it
//   a0       the hart id, as at reset
//
// The skeleton defines `mtrap` (mtvec points there), `strap` (set stvec yourself), `pass`, a
// zeroed 256-byte `scratch` area and the trap log `__log`. Snippets below (ENTER_S, TO_M, …)
// use numeric local labels in the 9xx range; bodies should use others.

import { assemble } from "../../src/asm/index.js";
import { Machine } from "../../src/cpu/index.js";
import {
  LOG_HARTS,
  LOG_RECORDS,
  MTIME,
  MTIMECMP,
  RAM,
  RECORD,
  Run,
  type RunOptions,
  trapValve,
} from "./guest.js";

export interface AsmOptions extends RunOptions {
  /** Where the program is assembled and loaded (harts start there); default 0x8000_0000. */
  base?: bigint;
  /** Compress where an RVC form exists (`.option rvc`); default false. */
  rvc?: boolean;
  /** Code the skeleton's M handler runs for an interrupt before it returns (it must clear the
   *  interrupt's source; may use tp and t6), e.g. CLEAR_IRQ_M. */
  irqM?: string;
  /** The same for the S handler. */
  irqS?: string;
}

/** Assemble `source` (at 0x8000_0000 unless `base`), run it on a fresh machine, and return the
 *  outcome. */
export function runAsm(source: string, opts: AsmOptions = {}): Run {
  const prog = assemble(source, { file: "test.s", rvc: opts.rvc ?? false, base: opts.base ?? RAM });
  const out: number[] = [];
  const m = new Machine({
    mem: opts.mem ?? 1 << 24,
    harts: opts.harts ?? 1,
    console: (b) => out.push(b),
    ...(opts.quantum === undefined ? {} : { quantum: opts.quantum }),
  });
  m.loadFlat(prog.toFlat(), prog.base);
  trapValve(m);
  opts.setup?.(m, (l) => {
    const v = prog.symbols.get(l);
    if (v === undefined) throw new Error(`no symbol ${l}`);
    return v;
  });
  const result = m.run(opts.maxInsns ?? 2_000_000);
  return new Run(m, prog.symbols, result, out);
}

/** A logging trap handler for M (`m`) or S (`s`), with an interrupt hook. */
function handler(label: string, x: "m" | "s", irq: string): string {
  const ret = x === "m" ? "mret" : "sret";
  const toM =
    x === "m"
      ? `
    beqz s10, 907f
    li tp, 0x1800
    csrs mstatus, tp
    li s10, 0
907:`
      : "";
  return `
    .balign 4
${label}:
    li tp, ${x === "m" ? 3 : 1}
    sd tp, 0(gp)
    csrr tp, ${x}cause
    sd tp, 8(gp)
    csrr tp, ${x}epc
    sd tp, 16(gp)
    csrr tp, ${x}tval
    sd tp, 24(gp)
    csrr tp, ${x}status
    sd tp, 32(gp)
    addi gp, gp, ${RECORD}
    csrr tp, ${x}cause
    bltz tp, 903f
    bnez s11, 902f
    # Skip the trapping instruction: 2 or 4 bytes by its low bits.
    csrr tp, ${x}epc
    lhu t6, 0(tp)
    andi t6, t6, 3
    addi tp, tp, 2
    addi t6, t6, -3
    bnez t6, 901f
    addi tp, tp, 2
901:
    csrw ${x}epc, tp
    j 904f
902:
    csrw ${x}epc, s11
    li s11, 0
    j 904f
903:
${irq}
904:${toM}
    ${ret}
`;
}

/** The end of a bare guest: pass through the test finisher at 0x100000, then spin. */
export const PASS = `
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
908:
    j 908b`;

/** The skeleton around `body` (assembly text). */
export function skeleton(body: string, opts: { irqM?: string; irqS?: string } = {}): string {
  return `
    .text
    .globl _start
_start:
    la gp, __log
    csrr t6, mhartid
    li tp, ${LOG_RECORDS * RECORD}
    mul t6, t6, tp
    add gp, gp, t6
    la t6, mtrap
    csrw mtvec, t6
    li s10, 0
    li s11, 0
# ---- body ----
${body}
# ---- end of body ----
    .text
pass:
    li t6, 0x100000
    li tp, 0x5555
    sw tp, 0(t6)
908:
    j 908b
${handler("mtrap", "m", opts.irqM ?? "")}
${handler("strap", "s", opts.irqS ?? "")}
    .data
    .balign 8
scratch:
    .zero 256
    .balign 8
__log:
    .zero ${LOG_HARTS * LOG_RECORDS * RECORD}
`;
}

/** Assemble and run `body` inside the skeleton. */
export function asmGuest(body: string, opts: AsmOptions = {}): Run {
  return runAsm(skeleton(body, opts), opts);
}

// ---- snippets ----

/** From M-mode, continue at the next instruction in S-mode (1), U-mode (0) or M-mode (3). */
export const enterFromM = (priv: 0 | 1 | 3): string => `
    li t6, 0x1800
    csrc mstatus, t6
    li t6, ${priv << 11}
    csrs mstatus, t6
    la t6, 909f
    csrw mepc, t6
    mret
909:`;

export const ENTER_S = enterFromM(1);
export const ENTER_U = enterFromM(0);

/** From S-mode, continue at the next instruction in U-mode. */
export const ENTER_U_FROM_S = `
    li t6, 0x100
    csrc sstatus, t6
    la t6, 909f
    csrw sepc, t6
    sret
909:`;

/** From any mode, ecall to the M handler and continue in M-mode at the next instruction. */
export const TO_M = `
    li s10, 1
    ecall`;

/** Fail with `code`. */
export const fail = (code: number): string => `
    li t6, 0x100000
    li tp, ${(code << 16) | 0x3333}
    sw tp, 0(t6)
910:
    j 910b`;

/** An interrupt hook for the M handler: clears the source of the interrupt taken, on any hart
 *  (MSI: its msip = 0; MTI: its mtimecmp = max; others: their mip bit). Uses tp and t6. */
export const CLEAR_IRQ_M = `
    csrr tp, mcause
    slli tp, tp, 1
    srli tp, tp, 1
    li t6, 3
    bne tp, t6, 911f
    csrr tp, mhartid
    slli tp, tp, 2
    li t6, 0x02000000
    add tp, tp, t6
    sw zero, 0(tp)
    j 913f
911:
    li t6, 7
    bne tp, t6, 912f
    csrr tp, mhartid
    slli tp, tp, 3
    li t6, 0x02004000
    add tp, tp, t6
    li t6, -1
    sd t6, 0(tp)
    j 913f
912:
    li t6, 1
    sll t6, t6, tp
    csrc mip, t6
913:`;

/** An interrupt hook for the S handler: clears the interrupt's bit in sip. */
export const CLEAR_IRQ_S = `
    csrr tp, scause
    slli tp, tp, 1
    srli tp, tp, 1
    li t6, 1
    sll t6, t6, tp
    csrc sip, t6`;

/** An lr/sc retry loop that adds `add` to the word or doubleword at `addr`, `count` times (the
 *  count register counts down to zero; t0, t1 clobbered; `label` is a numeric local label). */
export function lrScAdd(o: {
  label: number;
  width: "w" | "d";
  addr: string;
  add: number;
  count: string;
}): string {
  return `
${o.label}:  lr.${o.width} t0, (${o.addr})
    addi t0, t0, ${o.add}
    sc.${o.width} t1, t0, (${o.addr})
    bnez t1, ${o.label}b
    addi ${o.count}, ${o.count}, -1
    bnez ${o.count}, ${o.label}b`;
}

/** Machine timer interrupts on (mtvec = handler, mtimecmp = 37, MTIE, MIE). */
export const TIMER_ON = `    la t0, handler
    csrw mtvec, t0
    li t0, ${MTIMECMP}
    li t1, 37
    sd t1, 0(t0)
    li t0, 0x80
    csrs mie, t0
    csrsi mstatus, 8`;

/** The M-mode timer handler `handler` for TIMER_ON: clears a software interrupt, runs `fold`
 *  (lines folding what the interrupted code left in registers of its own), adds mepc to `sum`,
 *  counts in `count`, runs `after`, and sets the next interrupt `ticks` after mtime. */
export function timerHandler(
  sum: string,
  count: string,
  { fold = "", after = "", ticks = 13 }: { fold?: string; after?: string; ticks?: number } = {},
): string {
  const lines = (text: string): string =>
    text === ""
      ? ""
      : text
          .split("\n")
          .map((l) => `    ${l.trim()}\n`)
          .join("");
  return `    .balign 4
handler:
    ${CLEAR_IRQ_M.replaceAll("\n", "\n    ")}
${lines(fold)}    csrr t6, mepc
    add ${sum}, ${sum}, t6
    addi ${count}, ${count}, 1
${lines(after)}    li t5, ${MTIME}
    ld t6, 0(t5)
    addi t6, t6, ${ticks}
    li t5, ${MTIMECMP}
    sd t6, 0(t5)
    mret`;
}
