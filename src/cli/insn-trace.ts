// `--trace insn`: one line per instruction on stderr, in the style of Spike's log
// (docs/reference/emulators.md):
//   core 0: M 0x0000000080000000 (0x00a00513) addi a0, zero, 10
// The tracer is called before each instruction executes (an instruction that then traps is
// traced too). After `limit` lines it says so once and the run continues untraced.

import { disasm, type Hart, type Machine, privName, type TraceFn } from "../cpu/index.js";
import { TextBuffer } from "./io.js";

export const DEFAULT_TRACE_LIMIT = 100_000;

const hex32 = (v: number): string => (v >>> 0).toString(16).padStart(8, "0");

export class InsnTracer {
  private lines = 0;
  private readonly out: TextBuffer;
  private readonly names = new Map<number, string>();
  /** Called once when the limit is reached (to switch to the untraced interpreter). */
  onLimit: () => void = () => {};

  constructor(
    private readonly machine: Machine,
    private readonly limit: number,
    write: (s: string) => void,
  ) {
    this.out = new TextBuffer(write);
  }

  readonly trace: TraceFn = (h: Hart, pcLo: number, pcHi: number, ramOff: number): void => {
    if (this.lines >= this.limit) return;
    const word = this.word(h, pcLo, ramOff);
    const bits = (word & 3) === 3 ? hex32(word) : word.toString(16).padStart(4, "0");
    let text = this.names.get(word);
    if (text === undefined) {
      text = disasm(word);
      this.names.set(word, text);
    }
    this.out.push(`core ${h.id}: ${privName(h.priv)} 0x${hex32(pcHi)}${hex32(pcLo)} (0x${bits}) ${text}\n`);
    if (++this.lines === this.limit) {
      this.out.push(`mmlab: trace stopped after ${this.limit} instructions (--trace-limit)\n`);
      this.flush();
      this.onLimit();
    }
  };

  /** The instruction at pc (RAM offset `ramOff`): a 32-bit one's upper half is the next
   *  halfword of RAM, unless it straddles a page (the hart kept the word it decoded then). */
  private word(h: Hart, pcLo: number, ramOff: number): number {
    const u16 = this.machine.mem.u16;
    const lo = u16[ramOff >>> 1]!;
    if ((lo & 3) !== 3) return lo;
    if ((pcLo & 4095) === 4094) return h.straddleWord;
    return (lo | ((u16[(ramOff >>> 1) + 1] ?? 0) << 16)) >>> 0;
  }

  /** Write what is buffered. */
  flush(): void {
    this.out.flush();
  }
}
