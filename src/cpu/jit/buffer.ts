// A growable byte buffer with the WebAssembly binary encodings (binary/values.rst): unsigned and
// signed LEB128, IEEE 754 little-endian floats, names. Emission is on the translator's run-time
// path, so nothing here allocates per byte: the buffer doubles when full, and a 64-bit constant
// comes as two int32 halves (lo, hi) and is encoded without BigInt.

const SCRATCH = new DataView(new ArrayBuffer(8));
const UTF8 = new TextEncoder();

export class ByteBuffer {
  /** The storage; valid bytes are [0, length). Replaced when the buffer grows. */
  bytes: Uint8Array<ArrayBuffer>;
  length = 0;

  constructor(capacity = 256) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }

  /** Forget the contents, keep the storage. */
  reset(): void {
    this.length = 0;
  }

  /** Make room for n more bytes. */
  ensure(n: number): void {
    if (this.length + n > this.bytes.length) this.grow(n);
  }

  private grow(n: number): void {
    let cap = this.bytes.length * 2;
    while (cap < this.length + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.bytes.subarray(0, this.length));
    this.bytes = b;
  }

  /** One byte (the low 8 bits of b). */
  u8(b: number): void {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = b;
  }

  /** Two bytes: an opcode's prefix and its first LEB128 byte, or an opcode and a zero index. */
  u8x2(a: number, b: number): void {
    this.ensure(2);
    const bytes = this.bytes;
    bytes[this.length] = a;
    bytes[this.length + 1] = b;
    this.length += 2;
  }

  /** An unsigned LEB128 of a 32-bit value (v is taken modulo 2^32). */
  u32(v: number): void {
    this.ensure(5);
    const bytes = this.bytes;
    let n = this.length;
    v >>>= 0;
    while (v >= 0x80) {
      bytes[n++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    bytes[n++] = v;
    this.length = n;
  }

  /** A signed LEB128 of an int32 (v is taken modulo 2^32, as a two's-complement int32). */
  s32(v: number): void {
    this.ensure(5);
    const bytes = this.bytes;
    let n = this.length;
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        bytes[n++] = b;
        break;
      }
      bytes[n++] = b | 0x80;
    }
    this.length = n;
  }

  /** A signed LEB128 of the int64 whose low and high 32 bits are lo and hi. */
  s64(lo: number, hi: number): void {
    lo |= 0;
    hi |= 0;
    if (hi === lo >> 31) {
      this.s32(lo);
      return;
    }
    this.ensure(10);
    const bytes = this.bytes;
    let n = this.length;
    for (;;) {
      const b = lo & 0x7f;
      lo = (lo >>> 7) | (hi << 25);
      hi >>= 7;
      if ((hi === 0 && lo === 0 && (b & 0x40) === 0) || (hi === -1 && lo === -1 && (b & 0x40) !== 0)) {
        bytes[n++] = b;
        break;
      }
      bytes[n++] = b | 0x80;
    }
    this.length = n;
  }

  /** A signed LEB128 of a bigint taken modulo 2^64 as an int64 (off the fast path). */
  s64Big(v: bigint): void {
    const w = BigInt.asIntN(64, v);
    this.s64(Number(BigInt.asIntN(32, w)), Number(w >> 32n));
  }

  /** An IEEE 754 single, little-endian (v rounded to single precision). */
  f32(v: number): void {
    SCRATCH.setFloat32(0, v, true);
    this.u32Raw(SCRATCH.getUint32(0, true));
  }

  /** An IEEE 754 double, little-endian. */
  f64(v: number): void {
    SCRATCH.setFloat64(0, v, true);
    this.u32Raw(SCRATCH.getUint32(0, true));
    this.u32Raw(SCRATCH.getUint32(4, true));
  }

  /** Four bytes, little-endian: a single given by its bit pattern (keeps NaN payloads). */
  u32Raw(bits: number): void {
    this.ensure(4);
    const bytes = this.bytes;
    const n = this.length;
    bytes[n] = bits;
    bytes[n + 1] = bits >>> 8;
    bytes[n + 2] = bits >>> 16;
    bytes[n + 3] = bits >>> 24;
    this.length = n + 4;
  }

  /** The bytes [start, end) of src. */
  append(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    const bytes = this.bytes;
    const at = this.length;
    if (n <= 64) {
      for (let i = 0; i < n; i++) bytes[at + i] = src[start + i]!;
    } else {
      bytes.set(src.subarray(start, end), at); // a view, but one per large copy
    }
    this.length = at + n;
  }

  /** A name: its UTF-8 length as u32, then the bytes (binary/values.rst, names). ASCII names
   *  (all of the translator's) are copied without going through TextEncoder. */
  name(s: string): void {
    const n = s.length;
    let ascii = n < 0x80;
    for (let i = 0; ascii && i < n; i++) ascii = s.charCodeAt(i) < 0x80;
    if (!ascii) {
      const b = UTF8.encode(s);
      this.u32(b.length);
      this.append(b);
      return;
    }
    this.ensure(n + 1);
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = n;
    for (let i = 0; i < n; i++) bytes[at++] = s.charCodeAt(i);
    this.length = at;
  }

  /** A copy of the contents. */
  toBytes(): Uint8Array<ArrayBuffer> {
    return this.bytes.slice(0, this.length);
  }
}

/** Bytes needed by the unsigned LEB128 of v (v taken modulo 2^32). */
export function u32Size(v: number): number {
  v >>>= 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}
