// The remote protocol with a small RSP client of our own (no gdb needed): framing, checksums,
// acks and no-ack mode, garbage on the wire, and every packet the stub answers, on a bare
// machine as the target.

import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { CSR, type Hart, Machine, PRIV_S } from "../../src/cpu/index.js";
import {
  BareTarget,
  frame,
  GdbStub,
  PACKET_SIZE,
  PacketReader,
  REG_CSR0,
  REG_PRIV,
} from "../../src/gdb/index.js";
import { tlbReport } from "../../src/session/index.js";
import { PASS } from "../helpers/asm.js";
import { CODE_VA, DATA_VA, FINISH, runPagedGuest } from "../helpers/paged.js";

const enc = new TextEncoder();
const dec = new TextDecoder("latin1");

const PROGRAM = `
    .text
    .globl _start
_start:
    li a1, 0
    la t2, counter
loop:
    addi a1, a1, 1
    sd a1, 0(t2)
    li t0, 100
    blt a1, t0, loop
done:${PASS}
    .data
    .balign 8
counter: .dword 0
`;

/** A client: sends packets to the stub and reads back what it answered. */
class Client {
  readonly out: string[] = [];
  readonly stub: GdbStub;
  readonly target: BareTarget;
  readonly sym: (l: string) => bigint;
  readonly m: Machine;

  constructor(source = PROGRAM) {
    const prog = assemble(source, { file: "t.s", base: 0x8000_0000n });
    this.m = new Machine({ mem: 1 << 22 });
    this.m.loadFlat(prog.toFlat(), prog.base);
    this.sym = (l) => prog.symbols.get(l)!;
    this.target = new BareTarget(this.m, "/guest/t.elf");
    this.stub = new GdbStub(this.target, { send: (b) => this.out.push(dec.decode(b)) });
  }

  /** Send raw bytes; returns everything the stub wrote in answer. */
  raw(bytes: string | Uint8Array): string {
    this.out.length = 0;
    this.stub.receive(typeof bytes === "string" ? enc.encode(bytes) : bytes);
    return this.out.join("");
  }

  /** Send a packet; returns the payload of the reply packet (checksum checked), or null. */
  ask(payload: string): string | null {
    return payloadOf(this.raw(frame(payload)));
  }

  /** Run the target until it stops; the stop reply. */
  runToStop(): string | null {
    this.out.length = 0;
    let n = 0;
    while (this.stub.pump(1000) && n++ < 1000);
    return payloadOf(this.out.join(""));
  }
}

/** The payload of the one packet in `wire` (acks around it skipped), its checksum checked. */
function payloadOf(wire: string): string | null {
  const m = /\$([^#]*)#([0-9a-f]{2})/.exec(wire);
  if (!m) return null;
  let sum = 0;
  for (const ch of m[1]!) sum += ch.charCodeAt(0);
  expect((sum & 0xff).toString(16).padStart(2, "0")).toBe(m[2]);
  return m[1]!.replace(/\}(.)/g, (_, c: string) => String.fromCharCode(c.charCodeAt(0) ^ 0x20));
}

/** A paged S-mode guest that stores 77 at DATA_VA + 8 (its third instruction), run to its end
 *  with `dataBytes` mapped. */
function pagedStore(dataBytes: number, setup?: (h: Hart) => void): ReturnType<typeof runPagedGuest> {
  return runPagedGuest({
    tlb: "skylake",
    source: `_start:\n li t1, ${DATA_VA}\n li t2, 77\n sd t2, 8(t1)\n${FINISH}`,
    priv: PRIV_S,
    host: true,
    dataBytes,
    ...(setup ? { setup } : {}),
  });
}

const le64 = (v: bigint): string => {
  let s = "";
  for (let i = 0; i < 8; i++)
    s += Number((v >> BigInt(8 * i)) & 0xffn)
      .toString(16)
      .padStart(2, "0");
  return s;
};

describe("framing", () => {
  it("checksums, escapes, acks; a bad checksum is refused with '-' and dropped", () => {
    const r = new PacketReader();
    expect(r.feed(enc.encode("+$m0,4#fd-"))).toEqual([
      { kind: "ack" },
      { kind: "packet", data: enc.encode("m0,4") },
      { kind: "nack" },
    ]);
    expect(r.feed(enc.encode("$X0,1:}\u0003#"))).toEqual([]);
    expect(r.pending).toBe(true);
    const [p] = r.feed(enc.encode("9f")); // the sum of the bytes as sent; the escaped byte is "#"
    expect(p).toEqual({ kind: "packet", data: enc.encode("X0,1:#") });
    expect(r.feed(enc.encode("$g#00"))).toEqual([{ kind: "bad", why: "bad checksum" }]);
    expect(frame("a$b")).toEqual(
      enc.encode("$a}\u0004b#ab".replace("#ab", `#${((0x61 + 0x7d + 0x04 + 0x62) & 0xff).toString(16)}`)),
    );
  });

  it("a packet longer than PacketSize is dropped; a new '$' restarts; 0x03 outside a packet is Ctrl-C", () => {
    const r = new PacketReader();
    const long = `$${"a".repeat(PACKET_SIZE + 10)}#00`;
    expect(r.feed(enc.encode(long))).toEqual([
      { kind: "bad", why: `packet longer than ${PACKET_SIZE} bytes` },
    ]);
    expect(r.feed(enc.encode("$ab$g#67"))).toEqual([
      { kind: "bad", why: "packet restarted before its end" },
      { kind: "packet", data: enc.encode("g") },
    ]);
    expect(r.feed(Uint8Array.of(0x03, 0x41, 0x00))).toEqual([{ kind: "interrupt" }]);
  });
});

describe("the stub on a bare machine", () => {
  it("qSupported, no-ack mode, ? and the threads (one per hart)", () => {
    const c = new Client();
    const ans = c.raw(frame("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386"));
    expect(ans.startsWith("+$")).toBe(true);
    expect(payloadOf(ans)).toContain(`PacketSize=${PACKET_SIZE.toString(16)}`);
    expect(payloadOf(ans)).toContain("qXfer:features:read+");
    expect(c.raw(frame("QStartNoAckMode"))).toBe(`+${dec.decode(frame("OK"))}`);
    expect(c.raw(frame("?"))).toBe(dec.decode(frame("T05thread:1;"))); // no '+' any more
    expect(c.ask("qfThreadInfo")).toBe("m1");
    expect(c.ask("qsThreadInfo")).toBe("l");
    expect(c.ask("qC")).toBe("QC1");
    expect(c.ask("qThreadExtraInfo,1")).toBe(Buffer.from("hart 0").toString("hex"));
    expect(c.ask("Hg1")).toBe("OK");
    expect(c.ask("Hg5")).toBe("E01");
    expect(c.ask("T1")).toBe("OK");
    expect(c.ask("T2")).toBe("E01");
    expect(c.ask("qAttached")).toBe("1");
    expect(c.ask("qOffsets")).toBe("Text=0;Data=0;Bss=0");
    expect(c.ask("vCont?")).toBe("vCont;c;C;s;S;t");
    expect(c.ask("vMustReplyEmpty")).toBe("");
    expect(c.ask("qNotAThing")).toBe("");
  });

  it("target.xml through qXfer in pieces: cpu, fpu, csr and virtual features; exec-file", () => {
    const c = new Client();
    let xml = "";
    for (let off = 0; ; off += 0x100) {
      const part = c.ask(`qXfer:features:read:target.xml:${off.toString(16)},100`)!;
      xml += part.slice(1);
      if (part[0] === "l") break;
      expect(part[0]).toBe("m");
    }
    for (const f of ["cpu", "fpu", "csr", "virtual"]) expect(xml).toContain(`org.gnu.gdb.riscv.${f}`);
    expect(xml).toContain(`<reg name="mstatus" bitsize="64" type="int" regnum="${REG_CSR0 + CSR.mstatus}"/>`);
    expect(xml).toContain('<reg name="fcsr" bitsize="32" type="int" regnum="68"/>');
    expect(xml.endsWith("</target>")).toBe(true);
    expect(c.ask("qXfer:features:read:other.xml:0,100")).toBe("E00");
    expect(c.ask("qXfer:exec-file:read::0,100")).toBe("l/guest/t.elf");
  });

  it("g, G, p and P: integer, pc, FP, CSR (WARL) and priv registers", () => {
    const c = new Client();
    const h = c.m.harts[0]!;
    h.setReg(10, 0x1234n);
    const g = c.ask("g")!;
    expect(g).toHaveLength(33 * 16);
    expect(g.slice(10 * 16, 11 * 16)).toBe(le64(0x1234n));
    expect(g.slice(32 * 16)).toBe(le64(0x8000_0000n));
    expect(c.ask(`P${(11).toString(16)}=${le64(0xfeedn)}`)).toBe("OK");
    expect(h.reg(11)).toBe(0xfeedn);
    expect(c.ask("p20")).toBe(le64(0x8000_0000n));
    expect(c.ask(`p${(REG_CSR0 + CSR.mhartid).toString(16)}`)).toBe(le64(0n));
    expect(c.ask(`P${(REG_CSR0 + CSR.mstatus).toString(16)}=${le64(0x1800n)}`)).toBe("OK");
    expect(h.mstatus & 0x1800).toBe(0x1800);
    expect(c.ask(`P${(REG_CSR0 + CSR.mtvec).toString(16)}=${le64(0x8000_0002n)}`)).toBe("OK");
    expect(h.mtvec).toBe(0n); // reserved MODE: the write is ignored, as the guest's would be
    expect(c.ask(`p${REG_PRIV.toString(16)}`)).toBe(le64(3n));
    expect(c.ask(`P${REG_PRIV.toString(16)}=${le64(2n)}`)).toBe("E01");
    expect(c.ask(`P21=${le64(0x3ff0000000000000n)}`)).toBe("OK"); // f0 = 1.0
    expect(h.f[0]).toBe(1);
    expect(c.ask("p7ff")).toBe("E01");
    const G = `${"0".repeat(16)}${le64(7n)}${"0".repeat(30 * 16)}${le64(0x8000_0004n)}`;
    expect(c.ask(`G${G}`)).toBe("OK");
    expect([h.reg(1), h.pcBig()]).toEqual([7n, 0x8000_0004n]);
    expect(c.ask("Gzz")).toBe("E01");
  });

  it("m, M and X: RAM through the hart's view; outside RAM and devices are E14; nothing runs", () => {
    const c = new Client();
    const h = c.m.harts[0]!;
    const counter = c.sym("counter");
    expect(c.ask(`m${counter.toString(16)},8`)).toBe("00".repeat(8));
    expect(c.ask(`M${counter.toString(16)},2:abcd`)).toBe("OK");
    expect(c.ask(`X${(counter + 2n).toString(16)},2:\u0001#`)).toBe("OK"); // "#" goes on the wire as } 03
    expect(c.ask(`m${counter.toString(16)},4`)).toBe("abcd0123");
    expect(c.ask("m0,4")).toBe("E14");
    expect(c.ask("m10000000,1")).toBe("E14"); // the UART: a device is never read for gdb
    expect(c.ask(`m${(0x8000_0000 + (1 << 22) - 2).toString(16)},4`)).toBe("E14"); // past RAM's end
    expect(c.ask("mzz,4")).toBe("E01");
    expect(c.ask(`M${counter.toString(16)},4:ab`)).toBe("E01"); // length and data disagree
    expect(c.ask(`X${counter.toString(16)},0:`)).toBe("OK");
    expect(h.steps).toBe(0);
  });

  it("paged: memory through satp with no TLB fill, no counter change, no A/D bit", () => {
    const g = pagedStore(8192);
    const t = new BareTarget(g.m, null);
    const before = JSON.stringify(tlbReport(g.m));
    const entries = g.tlb.entries().length;
    expect(t.readMem(1, DATA_VA + 8n, 8)).toEqual(Uint8Array.of(77, 0, 0, 0, 0, 0, 0, 0));
    expect(t.readMem(1, DATA_VA + 4096n, 4)).toEqual(new Uint8Array(4)); // mapped, never touched
    expect(t.readMem(1, DATA_VA + 8192n, 4)).toBeNull(); // not mapped
    expect(t.writeMem(1, DATA_VA + 4094n, Uint8Array.of(1, 2, 3, 4))).toBe(true); // across pages
    expect(t.readMem(1, DATA_VA + 4094n, 4)).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(t.writeMem(1, DATA_VA + 8190n, Uint8Array.of(9, 9, 9, 9))).toBe(false);
    expect(t.readMem(1, DATA_VA + 8190n, 2)).toEqual(new Uint8Array(2)); // nothing was written
    expect(JSON.stringify(tlbReport(g.m))).toBe(before);
    expect(g.tlb.entries().length).toBe(entries);
    expect(t.monitor("walk 0x40000000")).toContain("leaf: 4K page");
  });

  it("paged: a breakpoint at a virtual pc halts there; the monitor walks the hart's satp", () => {
    const g = pagedStore(4096, (h) => h.triggers.setBreakpoint(CODE_VA + 8n, true));
    expect(g.res.exitCode).toBe(3); // halted, with no debugger to see it
    expect(g.h.pcBig()).toBe(CODE_VA + 8n);
    const t = new BareTarget(g.m, null);
    const stub = new GdbStub(t, { send: () => {} });
    expect(stub.stop).toEqual({ kind: "signal", tid: 1, signal: 5 });
    expect(t.readMem(1, DATA_VA + 8n, 8)).toEqual(new Uint8Array(8)); // the sd has not run
    t.setBreak(0, CODE_VA + 8n, 4, false);
    g.h.triggers.halt = null;
    expect(t.run(1000)).toEqual({ kind: "exited", code: 0 });
    expect(t.readMem(1, DATA_VA + 8n, 1)).toEqual(Uint8Array.of(77));
  });

  it("Z0 and continue: the stop names swbreak; reads show the original bytes; s steps; z0 removes", () => {
    const c = new Client();
    const loop = c.sym("loop");
    const word = c.ask(`m${loop.toString(16)},4`);
    expect(c.ask(`Z0,${loop.toString(16)},4`)).toBe("OK");
    expect(c.ask(`m${loop.toString(16)},4`)).toBe(word);
    expect(c.ask("c")).toBeNull(); // the reply comes when it stops
    expect(c.stub.state).toBe("running");
    expect(c.runToStop()).toBe("T05thread:1;swbreak:;");
    expect(c.m.harts[0]!.pcBig()).toBe(loop);
    expect(c.ask(`z0,${loop.toString(16)},4`)).toBe("OK");
    expect(c.ask("s")).toBe("T05thread:1;");
    expect(c.m.harts[0]!.pcBig()).toBe(loop + 4n);
    expect(c.ask("vCont;s:1;c")).toBe("T05thread:1;");
    expect(c.m.harts[0]!.pcBig()).toBe(loop + 8n);
    expect(c.ask(`Z1,${c.sym("done").toString(16)},4`)).toBe("OK");
    expect(c.ask("vCont;c")).toBeNull();
    expect(c.runToStop()).toBe("T05thread:1;hwbreak:;");
    expect(c.m.harts[0]!.reg(11)).toBe(100n);
    expect(c.ask(`z1,${c.sym("done").toString(16)},4`)).toBe("OK");
    expect(c.ask("c")).toBeNull();
    expect(c.runToStop()).toBe("W00");
    expect(c.stub.state).toBe("exited");
  });

  it("Z2/Z3/Z4 watchpoints stop before the access with its address; five do not fit in 4 triggers", () => {
    const c = new Client();
    const counter = c.sym("counter");
    expect(c.ask(`Z2,${counter.toString(16)},8`)).toBe("OK");
    c.ask("c");
    expect(c.runToStop()).toBe(`T05thread:1;watch:${counter.toString(16)};`);
    expect(c.ask(`m${counter.toString(16)},8`)).toBe("00".repeat(8)); // not written yet
    expect(c.ask(`z2,${counter.toString(16)},8`)).toBe("OK");
    expect(c.ask(`Z4,${counter.toString(16)},4`)).toBe("OK");
    expect(c.ask("s")).toBe(`T05thread:1;awatch:${counter.toString(16)};`); // still before the sd
    expect(c.ask(`z4,${counter.toString(16)},4`)).toBe("OK");
    for (let i = 0; i < 4; i++) expect(c.ask(`Z3,${(0x8000_1000 + 8 * i).toString(16)},8`)).toBe("OK");
    expect(c.ask("Z3,80002000,8")).toBe("E01");
    expect(c.ask(`Z3,${(counter + 1n).toString(16)},8`)).toBe("E01"); // not a NAPOT range
    expect(c.ask("Z9,0,4")).toBe("");
  });

  it("Ctrl-C stops a running target with SIGINT; k kills it", () => {
    const c = new Client(`
    .text
    .globl _start
_start:
1:  j 1b
`);
    c.ask("c");
    expect(c.stub.pump(1000)).toBe(true);
    expect(payloadOf(c.raw(Uint8Array.of(0x03)))).toBe("T02thread:1;");
    expect(c.stub.state).toBe("stopped");
    expect(c.raw(frame("k"))).toBe("+");
    expect(c.stub.state).toBe("exited");
    expect(c.stub.stop).toEqual({ kind: "killed", signal: 9 });
  });

  it("garbage on the wire is dropped or refused; the guest is untouched", () => {
    const c = new Client();
    expect(c.raw("hello\u0000\u00ff")).toBe("");
    expect(c.raw("$g#00")).toBe("-");
    expect(c.raw(`$${"x".repeat(PACKET_SIZE * 2)}#00`)).toBe("-");
    expect(c.raw("$m8000")).toBe(""); // the rest never comes
    expect(c.ask("m")).toBe("E01"); // ... the next '$' starts over
    for (const p of [
      "m80000000",
      "Mzz",
      "P",
      "p",
      "Hgzz",
      "Z0,zz,4",
      "qXfer:features:read:target.xml",
      "qRcmd,zz",
      "vCont;s:zz",
    ]) {
      expect([p, c.ask(p)]).toEqual([p, "E01"]);
    }
    expect(c.stub.dropped).toBeGreaterThan(10);
    expect(c.m.harts[0]!.steps).toBe(0);
    expect(c.m.harts[0]!.pcBig()).toBe(0x8000_0000n);
    expect(c.ask("?")).toBe("T05thread:1;");
  });

  it("monitor commands through qRcmd: help, stats, tlb, walk; an unknown one says so", () => {
    const c = new Client();
    const mon = (cmd: string): string =>
      Buffer.from(c.ask(`qRcmd,${Buffer.from(cmd).toString("hex")}`)!, "hex").toString();
    expect(mon("help")).toMatch(/tlb \[HART\][\s\S]*walk ADDR[\s\S]*stats/);
    expect(mon("stats")).toContain(
      "no translations counted (satp Bare, or no access since the counters started)",
    );
    expect(mon("tlb")).toBe("hart 0: TLB skylake, satp Bare: 0 valid entries\n");
    expect(mon("tlb 3")).toBe("error: no hart 3 (the machine has 1)\n");
    expect(mon("walk 0x1000")).toBe("hart 0: satp is Bare: 0x0000000000001000 is a physical address\n");
    expect(mon("frobnicate")).toBe("error: unknown monitor command 'frobnicate' (monitor help lists them)\n");
  });
});
