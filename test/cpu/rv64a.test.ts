// RV64A (riscv-tests isa/rv64ua): every AMO in both widths against a BigInt reference (memory
// result and rd, sign-extension of .w results, rd aliasing rs1/rs2, rd = x0), LR/SC success
// and failure (no reservation, another address, an intervening store, a trap in between,
// a second SC), and the alignment and access-fault rules (misaligned AMO/SC: cause 6,
// misaligned LR: cause 4, AMO outside RAM: cause 7).

import { describe, expect, it } from "vitest";
import { asmGuest as guest, lrScAdd } from "../helpers/asm.js";
import * as E from "../helpers/encode.js";
import { type AmoOp, a0, a1, a2, a3, a4, zero } from "../helpers/encode.js";
import { RAM, Stepper } from "../helpers/guest.js";
import { EDGE_VALUES, operand, Rng, u64 } from "../helpers/ref.js";

const st = new Stepper();
const DATA = RAM + 0x20_0000n;

function setMem(v: bigint, width: 4 | 8, at = DATA): void {
  const off = Number(at - RAM);
  for (let i = 0; i < 8; i++) st.m.mem.u8[off + i] = 0xcc;
  for (let i = 0; i < width; i++) st.m.mem.u8[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

function getMem(width: number, at = DATA): bigint {
  return st.m.mem.readRam(Number(at - RAM), width);
}

/** Execute `word` with a0 = DATA (the address) and a1 = `src` (rs2), and any `more` registers. */
function execAt(word: number, src: bigint, more: [number, bigint][] = []): void {
  st.exec(word, [[a0, DATA], [a1, src], ...more]);
}

/** The new memory value of each AMO on `bits`-wide operands (unsigned in, unsigned out). */
const AMO_REF: Record<Exclude<AmoOp, "lr" | "sc">, (m: bigint, s: bigint, bits: number) => bigint> = {
  amoswap: (_m, s) => s,
  amoadd: (m, s, b) => BigInt.asUintN(b, m + s),
  amoxor: (m, s) => m ^ s,
  amoand: (m, s) => m & s,
  amoor: (m, s) => m | s,
  amomin: (m, s, b) => (BigInt.asIntN(b, m) < BigInt.asIntN(b, s) ? m : s),
  amomax: (m, s, b) => (BigInt.asIntN(b, m) > BigInt.asIntN(b, s) ? m : s),
  // (Math.min/max do not take bigints.)
  // biome-ignore lint/complexity/useMathMinMax: bigint operands
  amominu: (m, s) => (m < s ? m : s),
  // biome-ignore lint/complexity/useMathMinMax: bigint operands
  amomaxu: (m, s) => (m > s ? m : s),
};

describe("AMOs against the reference", () => {
  for (const [op, ref] of Object.entries(AMO_REF) as [
    Exclude<AmoOp, "lr" | "sc">,
    (typeof AMO_REF)["amoadd"],
  ][]) {
    for (const width of ["w", "d"] as const) {
      it(`${op}.${width}: memory gets op(old, rs2), rd gets the old value${width === "w" ? " sign-extended" : ""}`, () => {
        const bits = width === "w" ? 32 : 64;
        const n = width === "w" ? 4 : 8;
        const rng = new Rng(op.length * 31 + bits);
        const values = [
          ...EDGE_VALUES.filter((_, i) => i % 3 === 0),
          ...Array.from({ length: 20 }, () => operand(rng)),
        ];
        const bad: string[] = [];
        for (const m of values) {
          for (const s of values.slice(0, 24)) {
            const mem = BigInt.asUintN(bits, m);
            setMem(mem, n);
            // rs2 holds a full 64-bit value; .w uses its low word.
            execAt(E.amo(op, width, a2, a1, a0), s, [[a2, 0x77n]]);
            const wantMem = ref(mem, BigInt.asUintN(bits, s), bits);
            const wantRd = u64(BigInt.asIntN(bits, mem));
            const gotMem = getMem(n);
            if ((gotMem !== wantMem || st.h.reg(a2) !== wantRd) && bad.length < 5) {
              bad.push(`${op}.${width} mem ${mem} src ${s}: mem ${gotMem} rd ${st.h.reg(a2)}`);
            }
            // A .w AMO leaves the next word alone.
            if (n === 4 && getMem(4, DATA + 4n) !== 0xccccccccn && bad.length < 5)
              bad.push(`${op}.w wrote past the word`);
          }
        }
        expect(bad).toEqual([]);
      });
    }
  }

  it("rd = rs2 and rd = rs1: the old value lands in rd after the operands were read", () => {
    setMem(100n, 8);
    execAt(E.amo("amoadd", "d", a1, a1, a0), 5n);
    expect(st.h.reg(a1)).toBe(100n);
    expect(getMem(8)).toBe(105n);
    setMem(7n, 8);
    execAt(E.amo("amoswap", "d", a0, a1, a0), 9n);
    expect(st.h.reg(a0)).toBe(7n);
    expect(getMem(8)).toBe(9n);
  });

  it("rd = x0: memory is updated and x0 stays zero", () => {
    setMem(1n, 4);
    execAt(E.amo("amoor", "w", zero, a1, a0), 6n);
    expect(getMem(4)).toBe(7n);
    expect(st.h.reg(zero)).toBe(0n);
  });

  it("aq/rl bits do not change the result", () => {
    setMem(1n, 8);
    execAt(E.amo("amoadd", "d", a2, a1, a0, true, true), 2n);
    expect([st.h.reg(a2), getMem(8)]).toEqual([1n, 3n]);
  });
});

describe("LR/SC", () => {
  /** Run `body` with s0 = the scratch doubleword (zero), t0 = 99 (what sc stores) and t1 = 5. */
  const reservationGuest = (body: string) =>
    guest(`
    la s0, scratch
    li t0, 99
    li t1, 5
${body}`);

  it("lr.w sign-extends; sc.w after it succeeds (rd = 0) and stores the low word", () => {
    setMem(0x8000_0001n, 4);
    st.exec(E.lr_w(a2, a0), [[a0, DATA]]);
    expect(st.h.reg(a2)).toBe(0xffff_ffff_8000_0001n);
    execAt(E.sc_w(a3, a1, a0), 0x1234_5678_0000_0042n);
    expect(st.h.reg(a3)).toBe(0n);
    expect(getMem(8)).toBe(0xcccc_cccc_0000_0042n);
  });

  it("a second sc after a successful one fails: the reservation is used up", () => {
    setMem(5n, 8);
    st.exec(E.lr_d(a2, a0), [[a0, DATA]]);
    st.exec(E.sc_d(a3, a1, a0), [[a1, 6n]]);
    st.exec(E.sc_d(a4, a1, a0), [[a1, 7n]]);
    expect([st.h.reg(a3), st.h.reg(a4), getMem(8)]).toEqual([0n, 1n, 6n]);
  });

  it("sc without a reservation fails and does not write", () => {
    const r = reservationGuest(`
    sc.d a0, t0, (s0)
    ld a1, 0(s0)`);
    expect(r.result.exitCode).toBe(0);
    expect(r.reg(a0)).toBe(1n);
    expect(r.reg(a1)).toBe(0n);
  });

  it("sc to another address than the lr fails", () => {
    const r = reservationGuest(`
    lr.d a0, (s0)
    addi t1, s0, 8
    sc.d a1, t0, (t1)
    ld a2, 8(s0)`);
    expect(r.reg(a1)).toBe(1n);
    expect(r.reg(a2)).toBe(0n);
  });

  it("sc fails after an intervening store to the reserved doubleword (also by a byte store)", () => {
    const r = reservationGuest(`
    lr.w a0, (s0)
    sw t1, 0(s0)
    sc.w a1, t0, (s0)
    lw a2, 0(s0)
    lr.d a0, (s0)
    sb t1, 7(s0)
    sc.d a3, t0, (s0)
    lw a4, 0(s0)`);
    expect(r.result.exitCode).toBe(0);
    expect([r.reg(a1), r.reg(a2)]).toEqual([1n, 5n]);
    expect([r.reg(a3), r.reg(a4)]).toEqual([1n, 5n]);
  });

  it("sc fails after an intervening AMO or misaligned store to the reservation", () => {
    const r = reservationGuest(`
    lr.d a0, (s0)
    amoadd.d zero, t1, (s0)
    sc.d a1, t0, (s0)
    lr.d a0, (s0)
    sw t1, 3(s0)           # misaligned, emulated
    sc.d a2, t0, (s0)`);
    expect(r.log).toEqual([]);
    expect([r.reg(a1), r.reg(a2)]).toEqual([1n, 1n]);
  });

  it("sc succeeds after a store elsewhere in the same page (the reservation is one doubleword)", () => {
    const r = reservationGuest(`
    lr.d a0, (s0)
    sd t1, 16(s0)
    sc.d a1, t0, (s0)
    ld a2, 0(s0)`);
    expect([r.reg(a1), r.reg(a2)]).toEqual([0n, 99n]);
  });

  it("sc fails after a trap between lr and sc", () => {
    const r = reservationGuest(`
    lr.d a0, (s0)
    ecall                  # the handler returns to the next instruction
    sc.d a1, t0, (s0)
    ld a2, 0(s0)`);
    expect(r.log.map((x) => x.cause)).toEqual([11n]);
    expect([r.reg(a1), r.reg(a2)]).toEqual([1n, 0n]);
  });

  it("an lr/sc retry loop increments a counter", () => {
    const r = guest(`
    la s0, scratch
    li a5, 50
${lrScAdd({ label: 1, width: "w", addr: "s0", add: 3, count: "a5" })}
    lw a0, 0(s0)`);
    expect(r.result.exitCode).toBe(0);
    expect(r.reg(a0)).toBe(150n);
  });
});

describe("AMO alignment and access faults", () => {
  it("misaligned AMOs and SCs raise store/AMO address misaligned (6), misaligned LR load address misaligned (4), mtval = the address", () => {
    const r = guest(`
    la s0, scratch
    li t1, 1
    addi a0, s0, 2
    amoadd.w a1, t1, (a0)  # 2 bytes off
    addi a0, s0, 4
    amoswap.d a1, t1, (a0) # word- but not dword-aligned
    addi a0, s0, 1
    lr.w a1, (a0)
    addi a0, s0, 4
    lr.d a1, (a0)
    addi a0, s0, 6
    sc.w a1, t1, (a0)
    addi a0, s0, 12
    sc.d a1, t1, (a0)
    ld a2, 0(s0)
    ld a3, 8(s0)`);
    expect(r.result.exitCode).toBe(0);
    const scratch = r.sym("scratch");
    expect(r.log.map((x) => [x.cause, x.tval - scratch])).toEqual([
      [6n, 2n],
      [6n, 4n],
      [4n, 1n],
      [4n, 4n],
      [6n, 6n],
      [6n, 12n],
    ]);
    // Nothing was written.
    expect([r.reg(a2), r.reg(a3)]).toEqual([0n, 0n]);
  });

  it("an AMO outside RAM raises store/AMO access fault (7); an LR there load access fault (5)", () => {
    const r = guest(`
    li a0, 0x40000000      # nothing is mapped there
    li t1, 1
    amoadd.d a1, t1, (a0)
    lr.d a1, (a0)
    sc.d a1, t1, (a0)
    li a0, 0x10000000      # the UART: a device, not memory that supports AMOs
    amoor.w a1, t1, (a0)`);
    expect(r.log.map((x) => [x.cause, x.tval])).toEqual([
      [7n, 0x4000_0000n],
      [5n, 0x4000_0000n],
      [7n, 0x4000_0000n],
      [7n, 0x1000_0000n],
    ]);
  });
});
