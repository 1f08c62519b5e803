// binfmt_elf for the mini-kernel: load a static ELF64 (ET_EXEC, or a static-PIE ET_DYN at
// ELF_ET_DYN_BASE) into a fresh mm, and build the initial stack of the Linux riscv64 ABI:
// argc, argv, envp, the auxiliary vector, the strings and AT_RANDOM's 16 bytes.

import {
  ElfError,
  type ElfFile,
  EM_RISCV,
  ET_DYN,
  ET_EXEC,
  PF_W,
  PF_X,
  PT_GNU_STACK,
  PT_LOAD,
  PT_TLS,
  readElf,
} from "../elf/index.js";
import { ptePpn } from "../mmu/index.js";
import type { Kernel } from "./kernel.js";
import { __va, PAGE_SIZE } from "./layout.js";
import { encode_raw } from "./lib/rawstr.js";
import {
  type mm_struct,
  STACK_SIZE,
  STACK_TOP,
  TASK_SIZE,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_READ,
  VM_WRITE,
} from "./mm.js";
import { VDSO_SIGRETURN_CODE, VDSO_SIGRETURN_OFFSET } from "./signal.js";

/** Where a static-PIE is loaded (riscv64: 2/3 of the default 2^38 mmap window). */
export const ELF_ET_DYN_BASE = 0x2a_aaaa_a000n;
const PAGE = BigInt(PAGE_SIZE);

// Auxiliary vector tags.
export const AT = {
  NULL: 0,
  PHDR: 3,
  PHENT: 4,
  PHNUM: 5,
  PAGESZ: 6,
  BASE: 7,
  FLAGS: 8,
  ENTRY: 9,
  UID: 11,
  EUID: 12,
  GID: 13,
  EGID: 14,
  HWCAP: 16,
  CLKTCK: 17,
  SECURE: 23,
  RANDOM: 25,
  EXECFN: 31,
} as const;

/** A bad executable: the loader's one-line reason (exit status 126). */
export class ExecError extends Error {}

export interface LoadedImage {
  entry: bigint;
  sp: bigint;
  /** Where the image ends (the initial program break). */
  brk: bigint;
  elf: ElfFile;
  bias: bigint;
}

/** Parse and check an executable for this machine. */
export function parseExecutable(bytes: Uint8Array, name: string): ElfFile {
  let elf: ElfFile;
  try {
    elf = readElf(bytes, name);
  } catch (e) {
    if (e instanceof ElfError) throw new ExecError(e.message);
    throw e;
  }
  if (elf.machine !== EM_RISCV) throw new ExecError(`${name}: not a RISC-V executable`);
  if (elf.type !== ET_EXEC && elf.type !== ET_DYN)
    throw new ExecError(`${name}: not an executable (e_type ${elf.type})`);
  if (elf.interp !== undefined) {
    throw new ExecError(
      `${name}: dynamically linked (interpreter ${elf.interp}): not supported: build it with -static`,
    );
  }
  const loads = elf.segments.filter((s) => s.type === PT_LOAD);
  if (!loads.length) throw new ExecError(`${name}: no PT_LOAD segment`);
  for (const s of elf.segments.filter((x) => x.type === PT_TLS)) {
    if (s.filesz > s.memsz) throw new ExecError(`${name}: PT_TLS filesz > memsz`);
  }
  return elf;
}

/** Map the PT_LOAD segments with their permissions; returns the image's end. */
function loadSegments(k: Kernel, mm: mm_struct, elf: ElfFile, bias: bigint): bigint {
  let end = 0n;
  for (const seg of elf.segments) {
    if (seg.type !== PT_LOAD || seg.memsz === 0) continue;
    const va = seg.vaddr + bias;
    const start = va & ~(PAGE - 1n);
    const stop = (va + BigInt(seg.memsz) + PAGE - 1n) & ~(PAGE - 1n);
    const flags = VM_READ | (seg.flags & PF_W ? VM_WRITE : 0) | (seg.flags & PF_X ? VM_EXEC : 0);
    if (stop > TASK_SIZE)
      throw new ExecError(
        `segment at 0x${va.toString(16)} (0x${seg.memsz.toString(16)} bytes) lies outside user space (which ends at 0x${TASK_SIZE.toString(16)})`,
      );
    if (stop > STACK_TOP - STACK_SIZE)
      throw new ExecError(`segment at 0x${va.toString(16)} overlaps the stack`);
    if (start < BigInt(k.sysctl.vm.mmap_min_addr))
      throw new ExecError(
        `segment at 0x${va.toString(16)} lies below vm.mmap_min_addr (${k.sysctl.vm.mmap_min_addr}): Linux refuses to map it (EPERM)`,
      );
    const existing = mm.find_vma(start);
    if (existing && existing.vm_end >= stop) existing.vm_flags |= flags;
    else mm.vmas.push({ vm_start: start, vm_end: stop, vm_flags: flags });
    mm.vmas.sort((a, b) => (a.vm_start < b.vm_start ? -1 : 1));
    // The pages holding file bytes are filled now; the zero-filled rest (.bss) is left to
    // demand-zero faults of the anonymous VMA, as Linux maps it (vm_brk_flags).
    const fileStop = (va + BigInt(seg.filesz) + PAGE - 1n) & ~(PAGE - 1n);
    for (let page = start; page < fileStop; page += PAGE) {
      let pfn: number;
      const leaf = mm.leaf(page);
      if (leaf) {
        pfn = ptePpn(leaf[0], leaf[1]);
      } else {
        pfn = k.pages.alloc_pages(0);
        if (pfn < 0) throw new ExecError("out of memory loading the executable");
        k.clear_pages(pfn, 0);
        if (!mm.install(page, pfn, flags)) throw new ExecError("out of memory for page tables");
      }
      const from = page > va ? page : va;
      const to = page + PAGE < va + BigInt(seg.filesz) ? page + PAGE : va + BigInt(seg.filesz);
      if (to > from) {
        const bytes = seg.data.subarray(Number(from - va), Number(to - va));
        k.kmem.write(__va(pfn * PAGE_SIZE) + (from - page), bytes, "load_elf_binary");
      }
    }
    if (stop > end) end = stop;
  }
  return end;
}

/** Load `elf` into `mm` and build the stack; `random` supplies AT_RANDOM's bytes. */
export function load_elf_binary(
  k: Kernel,
  mm: mm_struct,
  elf: ElfFile,
  argv: string[],
  envp: string[],
  execfn: string,
  random: Uint8Array,
  write: (va: bigint, data: Uint8Array) => boolean,
): LoadedImage {
  const bias = elf.type === ET_DYN ? ELF_ET_DYN_BASE : 0n;
  const end = loadSegments(k, mm, elf, bias);
  mm.start_brk = end;
  mm.brk = end;
  const gnuStack = elf.segments.find((s) => s.type === PT_GNU_STACK);
  const stackFlags = VM_READ | VM_WRITE | VM_GROWSDOWN | (gnuStack && gnuStack.flags & PF_X ? VM_EXEC : 0);
  mm.vmas.push({
    vm_start: STACK_TOP - STACK_SIZE,
    vm_end: STACK_TOP,
    vm_flags: stackFlags,
    name: "[stack]",
  });
  mm.vmas.sort((a, b) => (a.vm_start < b.vm_start ? -1 : 1));
  install_vdso(k, mm);
  const aux = auxv(k, elf, bias);
  const sp = buildStack(argv, envp, execfn, random, aux, write);
  return { entry: elf.entry + bias, sp, brk: end, elf, bias };
}

/** Map the vDSO page (arch_setup_additional_pages): read/execute, named [vdso], below the
 *  mmap base, holding __vdso_rt_sigreturn, where a signal handler returns to (riscv64 has no
 *  SA_RESTORER: the kernel sets ra to this trampoline). This kernel's vDSO has no ELF image
 *  and no time functions, so AT_SYSINFO_EHDR is not passed and libc makes the system calls. */
function install_vdso(k: Kernel, mm: mm_struct): void {
  const at = mm.get_unmapped_area(PAGE, 0n);
  if (at < 0n) throw new ExecError("no room for the vDSO");
  const pfn = k.pages.alloc_pages(0);
  if (pfn < 0) throw new ExecError("out of memory for the vDSO");
  k.clear_pages(pfn, 0);
  k.kmem.write(__va(pfn * PAGE_SIZE) + VDSO_SIGRETURN_OFFSET, VDSO_SIGRETURN_CODE, "vdso");
  mm.vmas.push({ vm_start: at, vm_end: at + PAGE, vm_flags: VM_READ | VM_EXEC, name: "[vdso]" });
  mm.vmas.sort((a, b) => (a.vm_start < b.vm_start ? -1 : 1));
  if (!mm.install(at, pfn, VM_READ | VM_EXEC)) throw new ExecError("out of memory for page tables");
}

/** The auxiliary vector of `elf` loaded at `bias`, AT_RANDOM and AT_EXECFN aside (the stack
 *  builder adds them, with the strings they point at). */
function auxv(k: Kernel, elf: ElfFile, bias: bigint): [number, bigint][] {
  // AT_PHDR: the program headers as mapped, if a PT_LOAD covers them.
  const phLoad = elf.segments.find(
    (s) => s.type === PT_LOAD && BigInt(s.offset) <= elf.phoff && elf.phoff < BigInt(s.offset + s.filesz),
  );
  const phdr = phLoad ? phLoad.vaddr + bias + (elf.phoff - BigInt(phLoad.offset)) : 0n;
  // AT_HWCAP: the single-letter extensions user space may use (I M A F D C V), as Linux's
  // COMPAT_HWCAP_ISA_* bits, from the hart's misa.
  const letters = [..."IMAFDCV"].reduce((m, c) => m | (1 << (c.charCodeAt(0) - 65)), 0);
  const hwcap = Number(k.hart().misa & 0x3ffffffn) & letters;
  return [
    [AT.HWCAP, BigInt(hwcap)],
    [AT.PAGESZ, PAGE],
    [AT.CLKTCK, 100n],
    [AT.PHDR, phdr],
    [AT.PHENT, BigInt(elf.phentsize)],
    [AT.PHNUM, BigInt(elf.phnum)],
    [AT.BASE, 0n],
    [AT.FLAGS, 0n],
    [AT.ENTRY, elf.entry + bias],
    [AT.UID, 0n],
    [AT.EUID, 0n],
    [AT.GID, 0n],
    [AT.EGID, 0n],
    [AT.SECURE, 0n],
  ];
}

/** Lay out the initial stack below STACK_TOP and write it; returns sp (at argc, 16-aligned). */
function buildStack(
  argv: string[],
  envp: string[],
  execfn: string,
  random: Uint8Array,
  aux: [number, bigint][],
  write: (va: bigint, data: Uint8Array) => boolean,
): bigint {
  let top = STACK_TOP - 16n;
  const putBytes = (b: Uint8Array): bigint => {
    top -= BigInt(b.length);
    if (!write(top, b)) throw new ExecError("cannot write the initial stack");
    return top;
  };
  const putStr = (s: string): bigint => putBytes(new Uint8Array([...encode_raw(s), 0]));
  const execfnPtr = putStr(execfn);
  const envPtrs = envp.map(putStr);
  const argPtrs = argv.map(putStr);
  top &= ~15n;
  const randomPtr = putBytes(random);
  const words: bigint[] = [
    BigInt(argv.length),
    ...argPtrs,
    0n,
    ...envPtrs,
    0n,
    ...aux.flatMap(([t, v]) => [BigInt(t), v]),
    BigInt(AT.RANDOM),
    randomPtr,
    BigInt(AT.EXECFN),
    execfnPtr,
    BigInt(AT.NULL),
    0n,
  ];
  let sp = (top - BigInt(words.length * 8)) & ~15n;
  const buf = new Uint8Array(words.length * 8);
  const dv = new DataView(buf.buffer);
  for (const [i, w] of words.entries()) dv.setBigUint64(i * 8, BigInt.asUintN(64, w), true);
  if (!write(sp, buf)) throw new ExecError("cannot write the initial stack");
  sp &= ~15n;
  return sp;
}
