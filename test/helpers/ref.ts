// BigInt reference semantics of the RV64IM integer operations, written from the spec text, and a
// seeded generator of 64-bit operands biased towards the edge cases (the CPU tests compare the
// emulator against these).

export const MASK64 = (1n << 64n) - 1n;
export const INT64_MIN = 1n << 63n; // as an unsigned 64-bit pattern
export const INT64_MAX = (1n << 63n) - 1n;

export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
export const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
export const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
export const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
/** Sign-extend the low 32 bits to 64 (the W-instruction result rule), as unsigned 64. */
export const sext32 = (v: bigint): bigint => u64(s32(v));

/** Reference results (unsigned 64-bit) of the register-register ops by mnemonic. */
export const RR: Record<string, (a: bigint, b: bigint) => bigint> = {
  add: (a, b) => u64(a + b),
  sub: (a, b) => u64(a - b),
  sll: (a, b) => u64(a << (b & 63n)),
  slt: (a, b) => (s64(a) < s64(b) ? 1n : 0n),
  sltu: (a, b) => (u64(a) < u64(b) ? 1n : 0n),
  xor: (a, b) => u64(a ^ b),
  srl: (a, b) => u64(a) >> (b & 63n),
  sra: (a, b) => u64(s64(a) >> (b & 63n)),
  or: (a, b) => u64(a | b),
  and: (a, b) => u64(a & b),
  addw: (a, b) => sext32(a + b),
  subw: (a, b) => sext32(a - b),
  sllw: (a, b) => sext32(a << (b & 31n)),
  srlw: (a, b) => sext32(u32(a) >> (b & 31n)),
  sraw: (a, b) => sext32(s32(a) >> (b & 31n)),
  mul: (a, b) => u64(a * b),
  mulh: (a, b) => u64((s64(a) * s64(b)) >> 64n),
  mulhsu: (a, b) => u64((s64(a) * u64(b)) >> 64n),
  mulhu: (a, b) => u64((u64(a) * u64(b)) >> 64n),
  div: (a, b) => {
    if (u64(b) === 0n) return MASK64;
    if (u64(a) === INT64_MIN && u64(b) === MASK64) return INT64_MIN;
    return u64(s64(a) / s64(b));
  },
  divu: (a, b) => (u64(b) === 0n ? MASK64 : u64(a) / u64(b)),
  rem: (a, b) => {
    if (u64(b) === 0n) return u64(a);
    if (u64(a) === INT64_MIN && u64(b) === MASK64) return 0n;
    return u64(s64(a) % s64(b));
  },
  remu: (a, b) => (u64(b) === 0n ? u64(a) : u64(a) % u64(b)),
  mulw: (a, b) => sext32(s32(a) * s32(b)),
  divw: (a, b) => {
    const x = s32(a);
    const y = s32(b);
    if (y === 0n) return MASK64;
    if (x === -(1n << 31n) && y === -1n) return sext32(x);
    return sext32(x / y);
  },
  divuw: (a, b) => (u32(b) === 0n ? MASK64 : sext32(u32(a) / u32(b))),
  remw: (a, b) => {
    const x = s32(a);
    const y = s32(b);
    if (y === 0n) return sext32(x);
    if (x === -(1n << 31n) && y === -1n) return 0n;
    return sext32(x % y);
  },
  remuw: (a, b) => (u32(b) === 0n ? sext32(a) : sext32(u32(a) % u32(b))),
};

/** Reference results of the register-immediate ops (imm is the sign-extended 12-bit value, or
 *  the shift amount). */
export const RI: Record<string, (a: bigint, imm: number) => bigint> = {
  addi: (a, i) => u64(a + BigInt(i)),
  slti: (a, i) => (s64(a) < BigInt(i) ? 1n : 0n),
  sltiu: (a, i) => (u64(a) < u64(BigInt(i)) ? 1n : 0n),
  xori: (a, i) => u64(a ^ BigInt(i)),
  ori: (a, i) => u64(a | BigInt(i)),
  andi: (a, i) => u64(a & BigInt(i)),
  slli: (a, i) => u64(a << BigInt(i)),
  srli: (a, i) => u64(a) >> BigInt(i),
  srai: (a, i) => u64(s64(a) >> BigInt(i)),
  addiw: (a, i) => sext32(a + BigInt(i)),
  slliw: (a, i) => sext32(a << BigInt(i)),
  srliw: (a, i) => sext32(u32(a) >> BigInt(i)),
  sraiw: (a, i) => sext32(s32(a) >> BigInt(i)),
};

/** A small seeded PRNG (mulberry32); deterministic across runs. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }
  /** A uniform 64-bit unsigned bigint. */
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Operands every arithmetic test should see: zero, ±1, the extremes of 32 and 64 bits, and the
 *  powers of two around which a double-based implementation changes behaviour (2^31, 2^32, 2^51,
 *  2^52, 2^53, 2^63). */
export const EDGE_VALUES: readonly bigint[] = (() => {
  const vs = new Set<bigint>();
  const add = (v: bigint): void => {
    vs.add(u64(v));
  };
  for (const v of [0n, 1n, 2n, 3n, 5n, 7n, 10n, 0x7ffn, 0x800n, 0xfffn]) {
    add(v);
    add(-v);
  }
  for (const p of [15n, 16n, 31n, 32n, 33n, 47n, 50n, 51n, 52n, 53n, 54n, 62n, 63n]) {
    for (const d of [-1n, 0n, 1n]) {
      add((1n << p) + d);
      add(-(1n << p) + d);
    }
  }
  add(0x5555_5555_5555_5555n);
  add(0xaaaa_aaaa_aaaa_aaaan);
  add(0x0000_0000_8000_0000n);
  add(0xffff_ffff_7fff_ffffn);
  add(0x1234_5678_9abc_def0n);
  return [...vs];
})();

/** A test operand: an edge value, a random 64-bit value, a random sign-extended 32-bit value, a
 *  small value, or a random value below 2^53 (the double-exact range). */
export function operand(rng: Rng): bigint {
  switch (rng.int(6)) {
    case 0:
    case 1:
      return rng.pick(EDGE_VALUES);
    case 2:
      return rng.u64();
    case 3:
      return sext32(BigInt(rng.u32()));
    case 4:
      return u64(BigInt(rng.int(2001) - 1000));
    default: {
      const v = rng.u64() >> BigInt(11 + rng.int(40));
      return rng.int(2) ? v : u64(-v);
    }
  }
}
