// 32-bit division for the RV64 W instructions, with RISC-V's rules for zero divisors and
// overflow. Results are int32; the caller sign-extends.

/** divw: x/0 = -1, INT32_MIN/-1 = INT32_MIN. */
export function div32(a: number, b: number): number {
  if (b === 0) return -1;
  if (a === -0x80000000 && b === -1) return a;
  return (a / b) | 0;
}

/** divuw: x/0 = 0xffffffff. */
export function divu32(a: number, b: number): number {
  if (b === 0) return -1;
  return ((a >>> 0) / (b >>> 0)) | 0;
}

/** remw: x%0 = x, INT32_MIN%-1 = 0. */
export function rem32(a: number, b: number): number {
  if (b === 0) return a;
  if (b === -1) return 0;
  return (a % b) | 0;
}

/** remuw: x%0 = x. */
export function remu32(a: number, b: number): number {
  if (b === 0) return a;
  return ((a >>> 0) % (b >>> 0)) | 0;
}
