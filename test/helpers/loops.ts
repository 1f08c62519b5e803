// Bare guests made of loops, for the tests of the heat probe and the jit starter (interp.ts):
// a body (assembly) between `_start` and the finisher's pass, loops taken a given number of times
// and loops of code run once.

/** A whole bare program: `body`, then a store of the finisher's pass (the run ends there). */
export const loopProgram = (body: string): string => `
    .option norvc
    .text
    .globl _start
_start:
${body}
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
9:  j 9b
`;

/** A loop of three instructions taken `passes` times (s1 counts). */
export const loop = (passes: number): string => `
    li s1, ${passes}
1:  addi a0, a0, 1
    addi s1, s1, -1
    bnez s1, 1b`;

/** `n` distinct loops of `passes` passes each, one after the other, each `stride` bytes long
 *  (padded with nops), so that the code is run once: no loop comes again. */
export const onceLoops = (n: number, passes: number, stride = 64): string =>
  Array.from(
    { length: n },
    (_, k) => `
    .balign ${stride}
    li s1, ${passes}
once${k}:
    addi a${k % 4}, a${k % 4}, ${k + 1}
    addi s1, s1, -1
    bnez s1, once${k}`,
  ).join("\n");
