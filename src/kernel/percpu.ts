// A per-CPU allocator in the shape of mm/percpu.c: chunks of one unit per CPU, each chunk one
// vmalloc area, objects carved first-fit from the units at the same offset in every unit.
// __alloc_percpu returns the address of CPU 0's copy; per_cpu_ptr adds cpu * unit size.

import { WARN_ON } from "./bug.js";
import type { Kernel } from "./kernel.js";

const UNIT_SIZE = 64 * 1024;

interface Chunk {
  base: bigint;
  /** Free [start, end) offsets within a unit, sorted. */
  free: [number, number][];
  used: Map<number, number>; // offset -> size
}

export class Percpu {
  private readonly chunks: Chunk[] = [];

  constructor(private readonly k: Kernel) {}

  private get nrCpus(): number {
    return this.k.machine.harts.length;
  }

  /** Allocate `size` bytes per CPU aligned to `align` (a power of two, at most a page); 0n on failure. */
  __alloc_percpu(size: number, align: number): bigint {
    if (size <= 0 || size > UNIT_SIZE || align <= 0 || (align & (align - 1)) !== 0 || align > 4096) return 0n;
    for (const c of this.chunks) {
      const off = this.carve(c, size, align);
      if (off >= 0) return c.base + BigInt(off);
    }
    const base = this.k.vmalloc.vzalloc(UNIT_SIZE * this.nrCpus, "pcpu_create_chunk");
    if (base === 0n) return 0n;
    const c: Chunk = { base, free: [[0, UNIT_SIZE]], used: new Map() };
    this.chunks.push(c);
    return c.base + BigInt(this.carve(c, size, align));
  }

  /** Free an object from __alloc_percpu (NULL is a no-op); empty chunks go back to vmalloc. */
  free_percpu(p: bigint): void {
    if (p === 0n) return;
    const i = this.chunks.findIndex((c) => p >= c.base && p < c.base + BigInt(UNIT_SIZE));
    const c = this.chunks[i];
    const off = c ? Number(p - c.base) : -1;
    const size = c?.used.get(off);
    if (!c || size === undefined) {
      WARN_ON(this.k, true, "mm/percpu.c:free_percpu", `free_percpu: bad pointer 0x${p.toString(16)}`);
      return;
    }
    c.used.delete(off);
    insertFree(c.free, off, off + size);
    if (c.used.size === 0) {
      this.k.vmalloc.vfree(c.base);
      this.chunks.splice(i, 1);
    }
  }

  /** The address of `cpu`'s copy of a per-CPU object. */
  per_cpu_ptr(p: bigint, cpu: number): bigint {
    return p + BigInt(cpu * UNIT_SIZE);
  }

  private carve(c: Chunk, size: number, align: number): number {
    for (let i = 0; i < c.free.length; i++) {
      const [s, e] = c.free[i]!;
      const start = Math.ceil(s / align) * align;
      if (start + size > e) continue;
      const parts: [number, number][] = [];
      if (s < start) parts.push([s, start]);
      if (start + size < e) parts.push([start + size, e]);
      c.free.splice(i, 1, ...parts);
      c.used.set(start, size);
      return start;
    }
    return -1;
  }
}

function insertFree(free: [number, number][], s: number, e: number): void {
  let i = 0;
  while (i < free.length && free[i]![0] < s) i++;
  free.splice(i, 0, [s, e]);
  if (i + 1 < free.length && free[i]![1] === free[i + 1]![0]) {
    free[i]![1] = free[i + 1]![1];
    free.splice(i + 1, 1);
  }
  if (i > 0 && free[i - 1]![1] === free[i]![0]) {
    free[i - 1]![1] = free[i]![1];
    free.splice(i, 1);
  }
}
