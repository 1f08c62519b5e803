// The files at the top of /proc (fs/proc/meminfo.c, mm/vmstat.c, arch/riscv/kernel/cpu.c,
// fs/proc/version.c, uptime.c): the kernel renders meminfo, vmstat, vmallocinfo, buddyinfo
// and slabinfo itself (Kernel.procfs, shared with the console's `cat`); cpuinfo, version and
// uptime are rendered here.

import type { Kernel } from "../../kernel.js";
import { type proc_entry, proc_file } from "./root.js";

/** The ISA string of a hart from misa (arch/riscv/kernel/cpu.c print_isa): rv64, the single
 *  letters in canonical order, then the Z extensions every mmlab hart has. */
export function riscv_isa(misa: bigint): string {
  const letters = [..."imafdqcbkjpvh"].filter((l) => misa & (1n << BigInt(l.charCodeAt(0) - 97))).join("");
  return `rv64${letters}_zicsr_zifencei`;
}

/** /proc/cpuinfo, one block per hart (show_cpuinfo). */
export function show_cpuinfo(k: Kernel): string {
  return k.machine.harts
    .map((h, i) => {
      const isa = riscv_isa(h.misa);
      return (
        `processor\t: ${i}\nhart\t\t: ${h.id}\nisa\t\t: ${isa}\nmmu\t\t: sv48\n` +
        `mvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\nhart isa\t: ${isa}\n\n`
      );
    })
    .join("");
}

/** The files of /proc itself. */
export function proc_root_files(k: Kernel): proc_entry[] {
  const kernelFile = (name: string): proc_entry => ({
    name,
    make: (sb) =>
      proc_file(sb, () => `${k.procfs(name)}\n`, {
        perm: name === "vmallocinfo" || name === "slabinfo" ? 0o400 : 0o444,
      }),
  });
  return [
    ...["meminfo", "vmstat", "vmallocinfo", "buddyinfo", "slabinfo"].map(kernelFile),
    { name: "cpuinfo", make: (sb) => proc_file(sb, () => show_cpuinfo(k)) },
    {
      name: "version",
      make: (sb) =>
        proc_file(sb, () => "Linux version 6.19.0-mmlab (mmlab@mmlab) #1 SMP (mini-kernel in TypeScript)\n"),
    },
    {
      name: "uptime",
      make: (sb) =>
        proc_file(sb, () => {
          const up = k.seconds();
          return `${up.toFixed(2)} ${(up * Math.max(0, k.machine.harts.length - 1)).toFixed(2)}\n`;
        }),
    },
  ];
}
