// The stub on a program under the kernel, with our own client (no gdb needed): tasks as
// threads, user registers only (cpu and fpu features), memory through the task's page tables,
// a breakpoint at main, a step over an ecall that is the whole system call, a watchpoint on a
// global, a segfault stopped before delivery with its siginfo, then delivered (X0b) or
// cancelled (the fault comes again), and the exit (W).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readElf } from "../../src/elf/index.js";
import { frame, GdbStub, KernelTarget } from "../../src/gdb/index.js";
import { loadTlbConfig } from "../../src/mmu/index.js";
import { DEFAULT_ENV, startUnderKernel } from "../../src/session/index.js";

const GUEST = "guests/bin/gdbtarget.nolibc.elf";
const dec = new TextDecoder("latin1");

function session(args: string[] = []) {
  const bytes = new Uint8Array(readFileSync(GUEST));
  const elf = readElf(bytes, GUEST);
  const out = { stdout: "", log: [] as string[] };
  const started = startUnderKernel(
    {
      harts: 1,
      mem: 64 << 20,
      tlb: loadTlbConfig("skylake"),
      satp: null,
      maxInsns: Number.POSITIVE_INFINITY,
    },
    { elf: bytes, path: GUEST, args, env: DEFAULT_ENV, mounts: [], seed: undefined, append: "" },
    {
      io: {
        stdin: () => new Uint8Array(0),
        write: (_fd, d) => {
          out.stdout += new TextDecoder().decode(d);
        },
        isatty: () => false,
      },
      log: (t) => out.log.push(t),
      message: () => {},
      dmesg: false,
      stats: false,
    },
  );
  if (typeof started === "number") throw new Error(`not started: ${started}`);
  const target = new KernelTarget(started.session.k, started.task, "/x/gdbtarget", Number.POSITIVE_INFINITY);
  const sent: string[] = [];
  const stub = new GdbStub(target, { send: (b) => sent.push(dec.decode(b)) });
  const ask = (p: string): string | null => {
    sent.length = 0;
    stub.receive(frame(p));
    const m = /\$([^#]*)#/.exec(sent.join(""));
    return m ? m[1]! : null;
  };
  const runToStop = (): string | null => {
    sent.length = 0;
    for (let i = 0; i < 10_000 && stub.pump(20_000); i++);
    const m = /\$([^#]*)#/.exec(sent.join(""));
    return m ? m[1]! : null;
  };
  const sym = (name: string): bigint => elf.symbol(name)!.value;
  return { ask, runToStop, sym, out, stub, task: started.task, k: started.session.k };
}

const hex = (v: bigint): string => v.toString(16);

describe("the stub on a program under the kernel", () => {
  it("threads are tasks; registers are the user's; qAttached 0 (quitting kills, as with gdbserver)", () => {
    const s = session();
    const pid = s.task.pid;
    expect(s.ask("qfThreadInfo")).toBe(`m${hex(BigInt(pid))}`);
    expect(Buffer.from(s.ask(`qThreadExtraInfo,${pid}`)!, "hex").toString()).toBe(`gdbtarget.nolib[${pid}]`);
    expect(s.ask("qAttached")).toBe("0");
    expect(s.ask("qSupported")).toContain("qXfer:siginfo:read+");
    const xml = s.ask("qXfer:features:read:target.xml:0,3fff")!;
    expect(xml).toContain("org.gnu.gdb.riscv.fpu");
    expect(xml).not.toContain("org.gnu.gdb.riscv.csr");
    expect(s.ask("p341")).toBe("E01"); // mstatus: not a user register
    expect(s.ask("p20")).toBe(Buffer.from(new BigUint64Array([s.task.pc]).buffer).toString("hex"));
  });

  it("break at main, step over an ecall (one step, the whole call), a watchpoint, the exit as W", () => {
    const s = session();
    const main = s.sym("main");
    expect(s.ask(`Z0,${hex(main)},2`)).toBe("OK");
    s.ask("c");
    expect(s.runToStop()).toBe(`T05thread:${s.task.pid};swbreak:;`);
    expect(s.task.pc).toBe(main);
    expect(s.ask(`z0,${hex(main)},2`)).toBe("OK");
    // A watchpoint on `counter` (in .bss: reads as zeros before the task touches it).
    const counter = s.sym("counter");
    expect(s.ask(`m${hex(counter)},4`)).toBe("00000000");
    expect(s.ask(`Z2,${hex(counter)},4`)).toBe("OK");
    s.ask("c");
    expect(s.runToStop()).toBe(`T05thread:${s.task.pid};watch:${hex(counter)};`);
    expect(s.ask(`z2,${hex(counter)},4`)).toBe("OK");
    // Step until an ecall (printf's write), then over it: the pc moves by 4 and the output is out.
    let steps = 0;
    for (;;) {
      const word = s.ask(`m${hex(s.task.pc)},4`)!;
      if (word === "73000000") break;
      expect(s.ask("s")).toBe(`T05thread:${s.task.pid};`);
      expect(++steps).toBeLessThan(200_000);
    }
    const at = s.task.pc;
    expect(s.out.stdout).toBe("");
    expect(s.ask("vCont;s:1;c")).toMatch(/^T05thread:/);
    expect(s.task.pc).toBe(at + 4n);
    expect(s.out.stdout).toBe("counter=126 factorial(5)=120\n");
    s.ask("c");
    expect(s.runToStop()).toBe("W00");
    expect(s.stub.state).toBe("exited");
  });

  it("a segfault stops before delivery with si_addr; c cancels it (it comes again); C0b delivers it", () => {
    const s = session(["segv"]);
    s.ask("c");
    const stop = s.runToStop()!;
    expect(stop).toBe(`T0bthread:${s.task.pid};`);
    const info = Buffer.from(s.ask("qXfer:siginfo:read::0,80")!.slice(1), "latin1");
    expect(info.readInt32LE(0)).toBe(11);
    expect(info.readBigUInt64LE(16)).toBe(0x10n);
    const pc = s.task.pc;
    s.ask("c"); // no signal: the store runs again and faults again
    expect(s.runToStop()).toBe(stop);
    expect(s.task.pc).toBe(pc);
    s.ask("vCont;C0b:1;c");
    expect(s.runToStop()).toBe("X0b");
    expect(s.task.signal).toBe(11);
    expect(s.out.log.filter((l) => l.includes("segfault at 10"))).toHaveLength(2);
  });

  it("monitor maps, vmallocinfo and dmesg; k kills every task", () => {
    const s = session();
    const mon = (c: string): string =>
      Buffer.from(s.ask(`qRcmd,${Buffer.from(c).toString("hex")}`)!, "hex").toString();
    expect(mon("maps")).toMatch(/^00010000-[0-9a-f]+ r-xp /);
    expect(mon("maps")).toContain("[stack]");
    expect(mon("help")).toContain("vmallocinfo");
    expect(mon("dmesg")).toContain("Linux version");
    expect(mon("vmallocinfo")).toBe(`${s.k.vmalloc.vmallocinfo().replace(/\n$/, "")}\n`);
    s.ask("k");
    expect(s.stub.stop).toEqual({ kind: "killed", signal: 9 });
    expect(s.task.running).toBe(false);
  });
});
