// The arena: one WebAssembly.Memory that holds guest RAM (from byte 0) and, after it, the state
// that translated code (cpu/jit) reads and writes inline: each hart's integer registers and host
// TLB arrays, and each modelled TLB's LRU stamps and host-served hit counters. TypeScript keeps
// typed-array views of the same bytes, so the interpreter and the translated code see one state.
//
// The memory is sized once, when it is made (RAM plus the bytes its owner reserves for state),
// and never grown: growing a WebAssembly.Memory detaches its buffer and every view of it. A
// piece that does not fit (an owner that reserved nothing, as tests' machines do) gets its own
// ordinary typed array instead; `holds()` tells whether a view lives in the arena.

/** A WebAssembly page (core spec, syntax/modules.rst: 64 KiB). */
export const WASM_PAGE = 65536;
/** The most a 32-bit WebAssembly.Memory can hold (65,536 pages; V8's limit on Node 20 too). */
export const WASM_MAX_BYTES = 65536 * WASM_PAGE;

type ArrayCtor<T> = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
};

/** Whether arenas made from now on are shared memories (setSharedArenas). */
let sharedArenas = false;

/** Make the arenas made from now on shared WebAssembly memories (their buffer a
 *  SharedArrayBuffer; nothing else changes: no atomics, no threads): the `mmlab` command does
 *  (src/cli/index.ts). Why: V8 counts a non-shared memory's bytes (1 GiB of guest RAM by default)
 *  as external memory, so making one started a full garbage collection at start-up
 *  (--trace-gc: a scavenge for "external memory pressure", then a Mark-Compact), and making it
 *  took about 10 ms; a shared one, 0.3 ms and no collection. Not the default: a browser's
 *  TextDecoder refuses views of shared memory, and a page needs cross-origin isolation for it. */
export function setSharedArenas(on: boolean): void {
  sharedArenas = on;
}

export class Arena {
  readonly memory: WebAssembly.Memory;
  readonly buffer: ArrayBuffer;
  /** Is the memory shared (setSharedArenas)? Translated code imports it as it is. */
  readonly shared: boolean;
  /** Next free byte of the state area. */
  private top: number;

  /** An arena whose RAM is `ramBytes` (multiple of 4 KiB) followed by `stateBytes` of room for
   *  state. Throws a RangeError if the two do not fit a 32-bit memory. */
  constructor(
    readonly ramBytes: number,
    stateBytes: number,
  ) {
    const total = ramBytes + stateBytes;
    if (total > WASM_MAX_BYTES) {
      throw new RangeError(`arena: ${total} bytes do not fit a WebAssembly memory (4 GiB)`);
    }
    const pages = Math.max(1, Math.ceil(total / WASM_PAGE));
    this.shared = sharedArenas;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: this.shared });
    // A SharedArrayBuffer when shared: the typed arrays over it behave as over an ArrayBuffer.
    this.buffer = this.memory.buffer as ArrayBuffer;
    this.top = ramBytes;
  }

  /** Bytes of the memory (RAM, state room, the rest of the last page). */
  get size(): number {
    return this.buffer.byteLength;
  }

  /** Bytes of state room still free. */
  get free(): number {
    return this.size - this.top;
  }

  /** Reserve `bytes` aligned to `align` (a power of two) in the state area: their byte offset,
   *  or -1 if they do not fit. The bytes are zero. */
  alloc(bytes: number, align = 8): number {
    // not `& -align`: an int32 operation, negative past 2 GiB (RAM of 2 GiB and more)
    const at = Math.ceil(this.top / align) * align;
    if (at + bytes > this.size) return -1;
    this.top = at + bytes;
    return at;
  }

  /** Is `view` a view of this arena's memory? */
  holds(view: ArrayBufferView): boolean {
    return view.buffer === this.buffer;
  }
}

/** A zeroed typed array of `length` elements: in `arena` if it is given and has room, else on
 *  its own buffer. */
export function arenaArray<T>(arena: Arena | null, ctor: ArrayCtor<T>, length: number): T {
  if (arena) {
    const at = arena.alloc(length * ctor.BYTES_PER_ELEMENT, 8);
    if (at >= 0) return new ctor(arena.buffer, at, length);
  }
  return new ctor(length);
}
