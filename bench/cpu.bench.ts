// Guest MIPS of the interpreter in bare mode (satp Bare, M-mode), on four guest loops written in
// assembly: ALU-heavy, load/store-heavy, branch-heavy (data-dependent), and the ALU loop again
// in compressed (c.*) instructions. Each loop runs forever; one benchmark op runs a fixed number
// of its instructions on a Machine built once per loop (the decode cache stays warm, as it does
// in a long run) whose hart is reset to the entry point first. The chunks are the machine's
// quantum, as Machine.run schedules them.

import { assemble } from "../src/asm/index.js";
import { Machine, run } from "../src/cpu/index.js";
import { attachJit } from "../src/cpu/jit/index.js";
import { readElf } from "../src/elf/index.js";
import { makeSuite, type SuiteFactory } from "./harness.js";

/** Instructions one benchmark op runs. */
const INSNS = 2_000_000;

/** The ALU loop: add/xor/shift/mul chain, written so that each instruction has a c.* twin. */
const ALU = `
        .option norvc
        .text
        .globl _start
_start: li      a0, 0x0123456789abcdef
        li      a1, 0x0fedcba987654321
        li      a4, 1
        li      a5, 3
loop:   add     a0, a0, a1
        xor     a1, a1, a0
        mv      a2, a0
        slli    a2, a2, 13
        xor     a0, a0, a2
        mv      a2, a0
        srli    a2, a2, 7
        xor     a0, a0, a2
        mul     a3, a0, a1
        sub     a1, a1, a3
        and     a4, a4, a0
        or      a5, a5, a1
        addi    a4, a4, 7
        addw    a5, a5, a4
        srai    a3, a3, 3
        andi    a3, a3, 31
        j       loop
`;

/** The same loop in compressed instructions (mul has no RV64C form). */
const ALU_RVC = `
        .text
        .globl _start
_start: li      a0, 0x0123456789abcdef
        li      a1, 0x0fedcba987654321
        li      a4, 1
        li      a5, 3
loop:   c.add   a0, a1
        c.xor   a1, a0
        c.mv    a2, a0
        c.slli  a2, 13
        c.xor   a0, a2
        c.mv    a2, a0
        c.srli  a2, 7
        c.xor   a0, a2
        mul     a3, a0, a1
        c.sub   a1, a3
        c.and   a4, a0
        c.or    a5, a1
        c.addi  a4, 7
        c.addw  a5, a4
        c.srai  a3, 3
        c.andi  a3, 31
        c.j     loop
`;

/** Loads and stores of every width walking a 64 KiB buffer (page-aligned, away from the code). */
const LDST = `
        .option norvc
        .text
        .globl _start
_start: la      s0, buf
        li      s1, 0xfff8              # offset mask: 64 KiB, 8-byte steps
        li      a0, 0
        li      a5, 0
loop:   add     a1, s0, a0
        ld      a2, 0(a1)
        add     a5, a5, a2
        addi    a2, a2, 1
        sd      a2, 0(a1)
        lw      a3, 4(a1)
        sw      a3, 0(a1)
        lbu     a4, 3(a1)
        sb      a4, 5(a1)
        lhu     a4, 6(a1)
        sh      a4, 2(a1)
        addi    a0, a0, 8
        and     a0, a0, s1
        j       loop

        .bss
        .p2align 12
buf:    .zero   65536
`;

/** Data-dependent branches on a xorshift64 stream: four per iteration, each taken at random. */
const BRANCH = `
        .option norvc
        .text
        .globl _start
_start: li      a0, 0x9e3779b97f4a7c15
        li      t2, 4
loop:   slli    t0, a0, 13
        xor     a0, a0, t0
        srli    t0, a0, 7
        xor     a0, a0, t0
        slli    t0, a0, 17
        xor     a0, a0, t0
        andi    t1, a0, 1
        beqz    t1, 1f
        addi    s0, s0, 1
1:      andi    t1, a0, 2
        bnez    t1, 2f
        addi    s1, s1, 1
2:      bltz    a0, 3f
        addi    s2, s2, 1
3:      andi    t1, a0, 12
        bltu    t1, t2, 4f
        addi    s3, s3, 1
4:      j       loop
`;

export const LOOPS: readonly [name: string, source: string][] = [
  ["alu", ALU],
  ["load/store", LDST],
  ["branch", BRANCH],
  ["compressed alu", ALU_RVC],
];

/** A machine running `source`, and a function that runs `n` instructions of it from the start. */
export function loopRunner(
  name: string,
  source: string,
  arena = true,
  jit = false,
): { machine: Machine; runFor: (n: number) => number } {
  const machine = new Machine({ mem: 1 << 20, arena });
  if (jit) attachJit(machine);
  const elf = readElf(assemble(source, { file: `${name}.s` }).toElf(), `${name}.s`);
  machine.loadElf(elf);
  const h = machine.harts[0]!;
  h.trapListeners.push((_h, cause, tval) => {
    throw new Error(`bench ${name}: the guest loop trapped (cause ${cause}, tval 0x${tval.toString(16)})`);
  });
  const quantum = machine.quantum;
  const runFor = (n: number): number => {
    machine.reset(elf.entry);
    let done = 0;
    while (done < n) done += run(h, Math.min(quantum, n - done));
    return done;
  };
  return { machine, runFor };
}

export const suites: SuiteFactory = (opts) => {
  const cases = LOOPS.map(([name, source]) => {
    const { runFor } = loopRunner(name, source);
    runFor(INSNS); // warm up: decode the loop, let V8 compile the interpreter
    return {
      name,
      fn: () => {
        runFor(INSNS);
      },
      derived: { label: "MIPS", perOp: INSNS, scale: 1e6 },
    };
  });
  const title = `guest MIPS in bare mode (satp Bare), ${INSNS.toLocaleString("en-US")} instructions per op`;
  // The same loops with RAM, registers and host TLB on plain ArrayBuffers instead of the arena
  // (one WebAssembly.Memory, src/mmu/arena.ts): the arena must not slow the interpreter. (One
  // process runs both, so the interpreter's code sees both kinds of buffer.)
  const arenaSuites = LOOPS.slice(0, 2).map(([name, source]) => {
    const arenaCases = [true, false].map((arena) => {
      const { runFor } = loopRunner(name, source, arena);
      runFor(INSNS);
      return {
        name: arena ? "arena" : "ArrayBuffers",
        fn: () => {
          runFor(INSNS);
        },
        derived: { label: "MIPS", perOp: INSNS, scale: 1e6 },
      };
    });
    const arenaTitle = `the ${name} loop, state in the arena (WebAssembly.Memory) or on ArrayBuffers`;
    return makeSuite(
      { name: `cpu/arena/${name}`, title: arenaTitle, cases: arenaCases, ratioTo: "ArrayBuffers" },
      opts,
    );
  });
  // The loops translated to WebAssembly (--jit) against the interpreter, after a warm-up that
  // translated them (the figure is the translated code's, not the translation's).
  const jitSuites = LOOPS.map(([name, source]) => {
    const jitCases = [false, true].map((jit) => {
      const { runFor } = loopRunner(name, source, true, jit);
      runFor(INSNS);
      return {
        name: jit ? "translated" : "interpreter",
        fn: () => {
          runFor(INSNS);
        },
        derived: { label: "MIPS", perOp: INSNS, scale: 1e6 },
      };
    });
    return makeSuite(
      {
        name: `cpu/jit/${name}`,
        title: `the ${name} loop, translated to WebAssembly or interpreted`,
        cases: jitCases,
        ratioTo: "interpreter",
      },
      opts,
    );
  });
  return [makeSuite({ name: "cpu", title, cases }, opts), ...arenaSuites, ...jitSuites];
};
