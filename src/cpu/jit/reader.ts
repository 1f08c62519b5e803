// Reading back what ByteBuffer writes: LEB128 integers, floats and names. The WAT printer
// decodes function bodies with it, and the tests check the encoder against it. Not on a hot
// path: 64-bit values come back as bigint.

const SCRATCH = new DataView(new ArrayBuffer(8));
const UTF8 = new TextDecoder("utf-8", { fatal: true });

export class ByteReader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  /** Whether every byte has been read. */
  done(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) throw new Error(`wasm reader: unexpected end of bytes at offset ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  /** An unsigned LEB128 of at most 32 bits. */
  u32(): number {
    const v = this.leb(32, false);
    return Number(v);
  }

  /** A signed LEB128 of at most 32 bits. */
  s32(): number {
    return Number(this.leb(32, true));
  }

  /** A signed LEB128 of at most 33 bits (a block type). */
  s33(): number {
    return Number(this.leb(33, true));
  }

  /** A signed LEB128 of at most 64 bits. */
  s64(): bigint {
    return this.leb(64, true);
  }

  /** An IEEE 754 single's bit pattern. */
  f32Bits(): number {
    let v = 0;
    for (let i = 0; i < 4; i++) v |= this.u8() << (8 * i);
    return v >>> 0;
  }

  /** An IEEE 754 single. */
  f32(): number {
    SCRATCH.setUint32(0, this.f32Bits(), true);
    return SCRATCH.getFloat32(0, true);
  }

  /** An IEEE 754 double's bit pattern as an unsigned bigint. */
  f64Bits(): bigint {
    const lo = this.f32Bits();
    const hi = this.f32Bits();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** An IEEE 754 double. */
  f64(): number {
    const bits = this.f64Bits();
    SCRATCH.setBigUint64(0, bits, true);
    return SCRATCH.getFloat64(0, true);
  }

  /** A name (u32 length, UTF-8 bytes). */
  name(): string {
    const n = this.u32();
    if (this.pos + n > this.end) throw new Error(`wasm reader: name of ${n} bytes runs past the end`);
    const s = UTF8.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  /** A LEB128 of at most `bits` bits: at most ceil(bits/7) bytes, and the unused bits of the
   *  last byte must be zeros (unsigned) or copies of the sign (signed), as binary/values.rst says. */
  private leb(bits: number, signed: boolean): bigint {
    const start = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let v = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      if (i === maxBytes)
        throw new Error(`wasm reader: LEB128 at offset ${start} is longer than ${maxBytes} bytes`);
      const b = this.u8();
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) break;
    }
    const width = BigInt(bits);
    if (signed) {
      if (shift > width) {
        const r = BigInt.asIntN(Number(shift), v);
        if (BigInt.asIntN(bits, r) !== r)
          throw new Error(`wasm reader: LEB128 at offset ${start} overflows ${bits} bits`);
        return r;
      }
      return BigInt.asIntN(Number(shift), v);
    }
    if (v >> width !== 0n) throw new Error(`wasm reader: LEB128 at offset ${start} overflows ${bits} bits`);
    return v;
  }
}
