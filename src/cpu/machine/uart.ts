// A 16550-compatible UART at 0x1000_0000 (byte registers, where QEMU's virt board has it:
// docs/reference/emulators.md). Transmit is immediate; receive reads from a byte queue the
// machine fills from its input.

import type { MmioDevice } from "../../mmu/index.js";

export const UART_BASE = 0x1000_0000;
const LSR_DR = 0x01; // data ready
const LSR_THRE = 0x20; // transmit holding register empty
const LSR_TEMT = 0x40; // transmitter empty
const LCR_DLAB = 0x80;

export class Uart16550 implements MmioDevice {
  readonly name = "uart";
  readonly base = UART_BASE;
  readonly size = 0x100;
  private readonly input: number[] = [];
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private dll = 0;
  private dlm = 0;

  constructor(private readonly output: (byte: number) => void) {}

  /** Queue bytes for the guest to read. */
  feed(bytes: Uint8Array): void {
    for (const b of bytes) this.input.push(b);
  }

  read(off: number, _width: 1 | 2 | 4 | 8): bigint {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (off) {
      case 0:
        return BigInt(dlab ? this.dll : (this.input.shift() ?? 0));
      case 1:
        return BigInt(dlab ? this.dlm : this.ier);
      case 2:
        return 0xc1n; // FIFOs enabled, no interrupt pending
      case 3:
        return BigInt(this.lcr);
      case 4:
        return BigInt(this.mcr);
      case 5:
        return BigInt(LSR_THRE | LSR_TEMT | (this.input.length > 0 ? LSR_DR : 0));
      case 6:
        return 0xb0n; // CTS, DSR, DCD
      case 7:
        return BigInt(this.scr);
    }
    return 0n;
  }

  write(off: number, _width: 1 | 2 | 4 | 8, value: bigint): void {
    const v = Number(value & 0xffn);
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    if (off === 0 && dlab) this.dll = v;
    else if (off === 0) this.output(v);
    else if (off === 1 && dlab) this.dlm = v;
    else if (off === 1) this.ier = v & 0x0f;
    else if (off === 3) this.lcr = v;
    else if (off === 4) this.mcr = v & 0x1f;
    else if (off === 7) this.scr = v;
  }
}
