// Physical memory: RAM as the first bytes of one lazily committed WebAssembly.Memory (arena.ts;
// the host only backs pages the guest touches), plus memory-mapped devices. Everything the harts and the kernel read or write in the
// physical address space goes through here or through a host-TLB entry that points into `ram`.

import { Arena, arenaArray, WASM_MAX_BYTES } from "./arena.js";

export const RAM_BASE = 0x8000_0000;
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
/** RAM offsets must fit an unsigned 32-bit index (the interpreter's fast path relies on it). */
export const MAX_RAM = 4 * 1024 * 1024 * 1024;

/** A memory-mapped device: offsets are relative to its base; values are at most 64 bits. */
export interface MmioDevice {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  read(offset: number, width: 1 | 2 | 4 | 8): bigint;
  write(offset: number, width: 1 | 2 | 4 | 8, value: bigint): void;
}

/** Per-page flag bits: a page with any flag set never gets a writable host-TLB entry. */
export const PG_CODE = 1; // the decode cache holds instructions from this page
export const PG_RESV = 2; // an LR reservation lies in this page
export const PG_WATCH = 4; // a device watches stores to this page (HTIF tohost)

export class PhysMem {
  readonly size: number;
  readonly buffer: ArrayBuffer;
  /** The memory RAM is the start of, with room for the state of translated code (arena.ts);
   *  null when RAM and that room do not fit a WebAssembly memory (RAM near 4 GiB). */
  readonly arena: Arena | null;
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  /** PG_* flags per RAM page. */
  readonly pageFlags: Uint8Array;
  readonly devices: MmioDevice[] = [];

  /** `stateBytes`: room to reserve after RAM for harts' and TLB models' state (Arena); null:
   *  no arena, RAM on a plain ArrayBuffer. */
  constructor(size: number, stateBytes: number | null = 0) {
    if (!Number.isInteger(size) || size < PAGE_SIZE || size % PAGE_SIZE !== 0) {
      throw new RangeError(`RAM size must be a positive multiple of 4 KiB, got ${size}`);
    }
    if (size > MAX_RAM) throw new RangeError(`RAM size ${size} exceeds the 4 GiB maximum`);
    this.size = size;
    // the page flags go in the arena too when it holds state (a wasm slow path reads them)
    const room = stateBytes !== null && stateBytes > 0 ? stateBytes + size / PAGE_SIZE : stateBytes;
    this.arena = room !== null && size + room <= WASM_MAX_BYTES ? new Arena(size, room) : null;
    this.buffer = this.arena?.buffer ?? new ArrayBuffer(size);
    this.u8 = new Uint8Array(this.buffer, 0, size);
    this.i8 = new Int8Array(this.buffer, 0, size);
    this.u16 = new Uint16Array(this.buffer, 0, size / 2);
    this.i16 = new Int16Array(this.buffer, 0, size / 2);
    this.i32 = new Int32Array(this.buffer, 0, size / 4);
    this.pageFlags =
      room !== null && room > 0
        ? arenaArray(this.arena, Uint8Array, size / PAGE_SIZE)
        : new Uint8Array(size / PAGE_SIZE);
  }

  /** Add a device; its range must not overlap RAM or another device. */
  attach(dev: MmioDevice): void {
    const end = dev.base + dev.size;
    const overlaps = (b: number, e: number): boolean => dev.base < e && b < end;
    if (overlaps(RAM_BASE, RAM_BASE + this.size)) throw new Error(`device ${dev.name} overlaps RAM`);
    for (const d of this.devices) {
      if (overlaps(d.base, d.base + d.size)) throw new Error(`device ${dev.name} overlaps ${d.name}`);
    }
    this.devices.push(dev);
  }

  /** RAM offset of physical address `pa` for an access of `len` bytes, or -1 if not all in RAM. */
  ramOffset(pa: number, len: number): number {
    const off = pa - RAM_BASE;
    return off >= 0 && off + len <= this.size ? off : -1;
  }

  /** The device that holds [pa, pa+len), if any. */
  deviceAt(pa: number, len: number): MmioDevice | undefined {
    for (const d of this.devices) {
      if (pa >= d.base && pa + len <= d.base + d.size) return d;
    }
    return undefined;
  }

  /** Read `width` bytes at RAM offset `off` as an unsigned little-endian bigint. */
  readRam(off: number, width: number): bigint {
    let v = 0n;
    for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.u8[off + i]!);
    return v;
  }

  /** Write the low `width` bytes of `v` at RAM offset `off`, little-endian. */
  writeRam(off: number, width: number, v: bigint): void {
    for (let i = 0; i < width; i++) {
      this.u8[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
    }
  }

  /** Copy bytes into RAM at physical address `pa`; throws if any byte is outside RAM. */
  load(pa: number, bytes: Uint8Array): void {
    const off = this.ramOffset(pa, bytes.length);
    if (off < 0) {
      throw new RangeError(
        `range 0x${pa.toString(16)}-0x${(pa + bytes.length).toString(16)} is outside RAM ` +
          `(0x${RAM_BASE.toString(16)}-0x${(RAM_BASE + this.size).toString(16)})`,
      );
    }
    this.u8.set(bytes, off);
  }
}
