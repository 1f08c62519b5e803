// Page-table entries and paging modes of the RISC-V privileged spec (supervisor.adoc, "Sv39",
// "Sv48", "Sv57"; svnapot.adoc). A PTE is handled as two 32-bit words, lo = bits 31..0 and
// hi = bits 63..32, so the walker needs no BigInt.

export const PTE_V = 1 << 0;
export const PTE_R = 1 << 1;
export const PTE_W = 1 << 2;
export const PTE_X = 1 << 3;
export const PTE_U = 1 << 4;
export const PTE_G = 1 << 5;
export const PTE_A = 1 << 6;
export const PTE_D = 1 << 7;
/** Any of R, W, X makes a valid PTE a leaf; none makes it a pointer to the next level. */
export const PTE_RWX = PTE_R | PTE_W | PTE_X;
/** Accessed and dirty, as a mapping made ready for use (no A/D update on first touch) carries. */
export const PTE_AD = PTE_A | PTE_D;

/** The low byte of a PTE: V R W X U G A D. Bits 9..8 are RSW (for software), 53..10 the PPN. */
export const PTE_FLAGS = 0xff;
export const PTE_RSW = 0x300;
export const PTE_PPN_SHIFT = 10;
/** In the high word: bits 53..32 of the PPN field, 60..54 reserved, 62..61 PBMT (no Svpbmt
 *  here, so reserved), 63 N (Svnapot). */
export const PTE_HI_PPN = 0x3fffff;
export const PTE_HI_RESERVED = 0x7f << 22;
export const PTE_HI_PBMT = 3 << 29;
export const PTE_HI_N = 1 << 31;
/** PPN values per high-word unit: the low word holds PPN bits 21..0. */
const PPN_LO_SPAN = 2 ** 22;

export const SATP_BARE = 0;
export const SATP_SV39 = 8;
export const SATP_SV48 = 9;
export const SATP_SV57 = 10;

/** satp's fields (privileged spec, "satp"): MODE 63..60, ASID 59..44, PPN 43..0. */
export const SATP_MODE_SHIFT = 60n;
export const SATP_ASID_SHIFT = 44n;
export const SATP_ASID_MASK = 0xffffn;
export const SATP_PPN_MASK = (1n << 44n) - 1n;

/** The satp value for paging mode `mode` (a MODE value), address space `asid`, root table at
 *  physical page `rootPpn`. */
export function makeSatp(mode: number, asid: number, rootPpn: number): bigint {
  return (BigInt(mode) << SATP_MODE_SHIFT) | (BigInt(asid) << SATP_ASID_SHIFT) | BigInt(rootPpn);
}

/** satp.MODE: 0 Bare, 8 Sv39, 9 Sv48, 10 Sv57. */
export function satpMode(satp: bigint): number {
  return Number(satp >> SATP_MODE_SHIFT);
}

/** satp.ASID. */
export function satpAsid(satp: bigint): number {
  return Number((satp >> SATP_ASID_SHIFT) & SATP_ASID_MASK);
}

/** satp.PPN: the physical page of the root table. */
export function satpPpn(satp: bigint): number {
  return Number(satp & SATP_PPN_MASK);
}

export interface PagingMode {
  readonly name: "sv39" | "sv48" | "sv57";
  readonly satpMode: number;
  readonly levels: number;
  /** Virtual address bits; higher bits must copy bit vaBits-1. */
  readonly vaBits: number;
}

export const SV39: PagingMode = { name: "sv39", satpMode: SATP_SV39, levels: 3, vaBits: 39 };
export const SV48: PagingMode = { name: "sv48", satpMode: SATP_SV48, levels: 4, vaBits: 48 };
export const SV57: PagingMode = { name: "sv57", satpMode: SATP_SV57, levels: 5, vaBits: 57 };
export const PAGING_MODES: readonly PagingMode[] = [SV39, SV48, SV57];

/** The paging mode for a satp MODE value, or undefined for Bare and unsupported values. */
export function pagingMode(satpMode: number): PagingMode | undefined {
  return PAGING_MODES.find((m) => m.satpMode === satpMode);
}

/** The mode called `name` ("sv39", "sv48", "sv57"); throws for others. */
export function pagingModeByName(name: string): PagingMode {
  const m = PAGING_MODES.find((p) => p.name === name.toLowerCase());
  if (!m) throw new Error(`unknown paging mode '${name}' (expected sv39, sv48 or sv57)`);
  return m;
}

/** The PPN field (bits 53..10) of a PTE given as (lo, hi). */
export function ptePpn(lo: number, hi: number): number {
  return (hi & PTE_HI_PPN) * PPN_LO_SPAN + (lo >>> PTE_PPN_SHIFT);
}

/** The PTE words (lo, hi) for physical page `ppn` with flag bits `flags` (V R W X U G A D, RSW). */
export function makePte(ppn: number, flags: number): [number, number] {
  const lo = ((ppn % PPN_LO_SPAN) << PTE_PPN_SHIFT) | (flags & (PTE_FLAGS | PTE_RSW)) | 0;
  const hi = Math.floor(ppn / PPN_LO_SPAN) & PTE_HI_PPN;
  return [lo, hi];
}

/** The flag bits of a PTE as letters, V R W X U G A D, with '-' where a bit is clear. */
export function pteFlagString(lo: number): string {
  const letters = "VRWXUGAD";
  let out = "";
  for (let i = 0; i < letters.length; i++) out += lo & (1 << i) ? letters[i] : "-";
  return out;
}

/** log2 of the page size of a leaf at `level` (0 = 4 KiB, 1 = 2 MiB, ...). */
export function levelShift(level: number): number {
  return 12 + 9 * level;
}

/** Human name of a page size given as a shift: 4K, 64K, 2M, 1G, 512G, 256T. */
export function pageSizeName(shift: number): string {
  const names: Record<number, string> = { 12: "4k", 16: "64k", 21: "2m", 30: "1g", 39: "512g", 48: "256t" };
  const n = names[shift];
  if (!n) throw new Error(`pageSizeName: no page size 2^${shift}`);
  return n;
}

/** Page shift for a name like "4k", "2M", "1g" (case-insensitive). */
export function pageShiftByName(name: string): number {
  const shifts: Record<string, number> = { "4k": 12, "64k": 16, "2m": 21, "1g": 30, "512g": 39, "256t": 48 };
  const s = shifts[name.toLowerCase()];
  if (s === undefined)
    throw new Error(`unknown page size '${name}' (expected 4k, 64k, 2m, 1g, 512g or 256t)`);
  return s;
}

/** The virtual page number (va >> 12, within the mode's VA bits) of (lo, hi). */
export function vpnOf(lo: number, hi: number, mode: PagingMode): number {
  const hiBits = mode.vaBits - 32; // 7, 16 or 25
  return (hi & ((1 << hiBits) - 1)) * 1048576 + (lo >>> 12);
}

/** True if (lo, hi) is canonical for `mode`: bits 63..vaBits-1 all equal. */
export function isCanonical(hi: number, mode: PagingMode): boolean {
  const top = hi >> (mode.vaBits - 1 - 32);
  return top === 0 || top === -1;
}

/** The 9-bit VPN field `level` of a virtual page number. */
export function vpnIndex(vpn: number, level: number): number {
  return Math.floor(vpn / LEVEL_PAGES[level]!) % 512;
}

/** 4 KiB pages per leaf at each level: 512^level. */
const LEVEL_PAGES = [1, 512, 512 ** 2, 512 ** 3, 512 ** 4];
