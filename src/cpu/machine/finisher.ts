// The SiFive test finisher at 0x0010_0000, as QEMU's virt board has it ("sifive_test";
// docs/reference/emulators.md): a 32-bit write of 0x5555 ends the run with success,
// (code << 16) | 0x3333 with failure `code`.

import type { MmioDevice } from "../../mmu/index.js";

export const FINISHER_BASE = 0x0010_0000;

export class TestFinisher implements MmioDevice {
  readonly name = "finisher";
  readonly base = FINISHER_BASE;
  readonly size = 0x1000;

  constructor(private readonly finish: (code: number, how: string) => void) {}

  read(): bigint {
    return 0n;
  }

  write(off: number, _width: 1 | 2 | 4 | 8, value: bigint): void {
    if (off !== 0) return;
    const v = Number(value & 0xffffffffn);
    const kind = v & 0xffff;
    if (kind === 0x5555) this.finish(0, "test finisher: pass");
    else if (kind === 0x3333) this.finish(v >>> 16, `test finisher: fail ${v >>> 16}`);
    else if (kind === 0x7777) this.finish(3, "not supported: test finisher reset (0x7777)");
  }
}
