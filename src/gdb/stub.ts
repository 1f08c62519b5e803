// The GDB remote stub: the packets gdb 13 sends to a remote target (gdb manual, "Remote
// Protocol": General Query Packets, Packets, Stop Reply Packets, Host I/O Packets: hostio.ts).
// Signals are numbered as gdb numbers them on the wire (signals.ts). The stub is the protocol only;
// a Target (bare.ts, kernel.ts) does the work, and the host (src/cli) moves bytes and calls
// pump() while the target runs, so that a Ctrl-C from gdb is seen between slices.

import { HostIo } from "./hostio.js";
import { frame, fromHex, fromLeHex, leHex, PACKET_SIZE, PacketReader, parseHexNum, toHex } from "./rsp.js";
import { gdbSignal, linuxSignal } from "./signals.js";
import { MonitorError, REG_PC, regBytes, SIG, type StopEvent, type Target } from "./target.js";
import { targetXml } from "./tdesc.js";

/** What the stub needs from its host: a way to send bytes to gdb. */
export interface StubIo {
  send(bytes: Uint8Array): void;
}

/** Instructions run per pump() while the target runs. */
export const SLICE = 200_000;

export type StubState = "stopped" | "running" | "exited" | "detached";

const enc = new TextEncoder();

export class GdbStub {
  private readonly reader = new PacketReader();
  private noAck = false;
  state: StubState = "stopped";
  /** Threads selected by Hg (registers, memory) and Hc (step). */
  private gThread: number;
  private cThread: number;
  private lastStop: StopEvent;
  private lastSent: Uint8Array | null = null;
  /** Packets that could not be parsed or were refused (for the tests and the log). */
  dropped = 0;
  private readonly hostIo: HostIo;
  /** gdb and the target speak the multiprocess extensions: thread ids are pPID.TID. */
  private multiprocess = false;
  /** A thread id as the wire shows it. */
  private readonly tidText = (tid: number): string =>
    this.multiprocess && this.t.processOf
      ? `p${this.t.processOf(tid).toString(16)}.${tid.toString(16)}`
      : tid.toString(16);

  constructor(
    private readonly t: Target,
    private readonly io: StubIo,
  ) {
    this.gThread = t.threads()[0] ?? 1;
    this.cThread = this.gThread;
    this.lastStop = { kind: "signal", tid: this.gThread, signal: SIG.TRAP };
    this.hostIo = new HostIo(t);
  }

  /** The stop the target is at (what `?` answers). */
  get stop(): StopEvent {
    return this.lastStop;
  }

  /** Bytes from gdb. */
  receive(bytes: Uint8Array): void {
    for (const e of this.reader.feed(bytes)) {
      switch (e.kind) {
        case "packet":
          if (!this.noAck) this.io.send(enc.encode("+"));
          this.packet(new TextDecoder("latin1").decode(e.data), e.data);
          break;
        case "interrupt":
          if (this.state === "running") this.stopped({ kind: "signal", tid: this.gThread, signal: SIG.INT });
          break;
        case "nack":
          if (this.lastSent && !this.noAck) this.io.send(this.lastSent);
          break;
        case "bad":
          this.dropped++;
          if (!this.noAck) this.io.send(enc.encode("-"));
          break;
        case "ack":
          break;
      }
    }
  }

  /** Run the target for a slice while it runs; false once it no longer runs. */
  pump(slice = SLICE): boolean {
    if (this.state !== "running" && this.state !== "detached") return false;
    const ev = this.t.run(slice);
    if (ev === null) return true;
    if (this.state === "detached") {
      // Nobody to tell: a debugger stop cannot happen (breakpoints are gone); an exit ends it.
      if (ev.kind !== "signal") this.lastStop = ev;
      return ev.kind === "signal";
    }
    this.stopped(ev);
    return false;
  }

  /** gdb went away: the guest goes on without breakpoints. */
  disconnect(): void {
    if (this.state === "exited") return;
    this.t.clearBreaks();
    this.state = "detached";
  }

  private reply(text: string | Uint8Array): void {
    const f = frame(text);
    this.lastSent = f;
    this.io.send(f);
  }

  private stopped(ev: StopEvent): void {
    this.lastStop = ev;
    if (ev.kind === "signal") {
      this.state = "stopped";
      this.gThread = ev.tid;
      this.cThread = ev.tid;
      this.t.current = ev.tid;
    } else this.state = "exited";
    this.reply(stopReply(ev, this.tidText));
  }

  private packet(text: string, raw: Uint8Array): void {
    let r: string | Uint8Array;
    try {
      r = this.answer(text, raw);
    } catch (e) {
      if (!(e instanceof BadPacket)) throw e;
      this.dropped++;
      r = "E01";
    }
    if (r !== NO_REPLY) this.reply(r);
  }

  /** The reply to one packet (NO_REPLY when it is sent later: c, s while running). */
  private answer(p: string, raw: Uint8Array): string | Uint8Array {
    const t = this.t;
    const c = p[0];
    switch (c) {
      case "?":
        return stopReply(this.lastStop, this.tidText);
      case "g":
        return this.gPacket();
      case "G":
        return this.writeAllRegs(p.slice(1));
      case "p": {
        const reg = num(p.slice(1));
        const v = t.readReg(this.gThread, Number(reg));
        return v === null ? "E01" : leHex(v, regBytes(Number(reg)));
      }
      case "P": {
        const [r, v] = split2(p.slice(1), "=");
        const value = fromLeHex(v);
        if (value === null) throw new BadPacket();
        return t.writeReg(this.gThread, Number(num(r)), value) ? "OK" : "E01";
      }
      case "m": {
        const [a, l] = split2(p.slice(1), ",");
        const len = Math.min(Number(num(l)), PACKET_SIZE / 2 - 8);
        const bytes = t.readMem(this.gThread, num(a), len);
        return bytes === null ? "E14" : toHex(bytes); // 14: EFAULT
      }
      case "M": {
        const [head, hex] = split2(p.slice(1), ":");
        const [a, l] = split2(head, ",");
        const data = fromHex(hex);
        if (!data || data.length !== Number(num(l))) throw new BadPacket();
        return t.writeMem(this.gThread, num(a), data) ? "OK" : "E14";
      }
      case "X": {
        const colon = raw.indexOf(0x3a);
        if (colon < 0) throw new BadPacket();
        const [a, l] = split2(p.slice(1, colon), ",");
        const data = raw.slice(colon + 1);
        if (data.length !== Number(num(l))) throw new BadPacket();
        if (data.length === 0) return "OK"; // gdb probes X support with an empty write
        return t.writeMem(this.gThread, num(a), data) ? "OK" : "E14";
      }
      case "c":
      case "C":
        return this.resume(p, false);
      case "s":
      case "S":
        return this.resume(p, true);
      case "Z":
      case "z": {
        const [type, a, kind] = p.slice(1).split(",");
        const k = Number(type);
        if (!(k >= 0 && k <= 4) || a === undefined || kind === undefined) return "";
        return t.setBreak(k as 0 | 1 | 2 | 3 | 4, num(a), Number(num(kind)), c === "Z") ? "OK" : "E01";
      }
      case "H": {
        const tid = threadId(p.slice(2));
        if (tid > 0 && !t.threads().includes(tid)) return "E01";
        if (p[1] === "g") {
          this.gThread = tid > 0 ? tid : (t.threads()[0] ?? 1);
          t.current = this.gThread;
        } else this.cThread = tid > 0 ? tid : this.cThread;
        return "OK";
      }
      case "T":
        return t.threads().includes(threadId(p.slice(1))) ? "OK" : "E01";
      case "k":
        this.lastStop = t.kill();
        this.state = "exited";
        return NO_REPLY;
      case "D": {
        // D;pid (multiprocess): let go of one process; the others stay debugged.
        const pid = p.startsWith("D;") ? parseHexNum(p.slice(2)) : null;
        if (pid !== null && t.detachProcess) {
          if (!t.detachProcess(Number(pid))) return "E01";
          if (t.threads().length > 0) {
            if (!t.threads().includes(this.gThread)) this.gThread = t.threads()[0]!;
            if (!t.threads().includes(this.cThread)) this.cThread = this.gThread;
            t.current = this.gThread;
            return "OK";
          }
        }
        this.disconnect();
        this.state = "detached";
        return "OK";
      }
      case "q":
      case "Q":
        return this.query(p);
      case "v":
        return this.vPacket(p);
      default:
        return "";
    }
  }

  private gPacket(): string {
    let s = "";
    for (let r = 0; r <= REG_PC; r++) s += leHex(this.t.readReg(this.gThread, r) ?? 0n, 8);
    return s;
  }

  private writeAllRegs(hex: string): string {
    if (hex.length < 33 * 16) throw new BadPacket();
    for (let r = 0; r <= REG_PC; r++) {
      const v = fromLeHex(hex.slice(16 * r, 16 * r + 16));
      if (v === null) throw new BadPacket();
      this.t.writeReg(this.gThread, r, v);
    }
    return "OK";
  }

  /** c/C/s/S[sig][;addr]: continue or step, from addr if given. */
  private resume(p: string, step: boolean): string {
    const withSig = p[0] === "C" || p[0] === "S";
    const rest = p.slice(1);
    const addrText = withSig ? rest.split(";")[1] : rest;
    this.t.resumeWith?.(this.cThread, withSig ? linuxSignal(Number(num(rest.split(";")[0]))) : 0);
    if (addrText) this.t.writeReg(this.cThread, REG_PC, num(addrText));
    return step ? this.doStep(this.cThread) : this.doContinue();
  }

  private doStep(tid: number): string {
    const ev = this.t.step(tid);
    this.lastStop = ev;
    if (ev.kind === "signal") {
      this.gThread = ev.tid;
      this.cThread = ev.tid;
      this.t.current = ev.tid;
    } else this.state = "exited";
    return stopReply(ev, this.tidText);
  }

  private doContinue(): string {
    this.state = "running";
    return NO_REPLY;
  }

  private vPacket(p: string): string | Uint8Array {
    if (p === "vCont?") return "vCont;c;C;s;S;t";
    if (p.startsWith("vCont;")) {
      const actions = p
        .slice(6)
        .split(";")
        .map((a) => {
          const [act, tid] = a.split(":");
          return { act: act ?? "", tid: tid === undefined ? -1 : threadId(tid) };
        });
      // The first action that applies to a thread is its action (a default comes last).
      const seen = new Set<number>();
      for (const a of actions) {
        const tid = a.tid > 0 ? a.tid : this.cThread;
        if (seen.has(tid)) continue;
        seen.add(tid);
        if (a.act[0] === "C" || a.act[0] === "S")
          this.t.resumeWith?.(tid, linuxSignal(Number(num(a.act.slice(1)))));
        else if (a.act === "c" || a.act === "s") this.t.resumeWith?.(tid, 0);
      }
      const step = actions.find((a) => a.act[0] === "s" || a.act[0] === "S");
      if (step) return this.doStep(step.tid > 0 ? step.tid : this.cThread);
      if (actions.some((a) => a.act[0] === "c" || a.act[0] === "C")) return this.doContinue();
      return "OK"; // only t (stop) actions: everything is stopped already
    }
    if (p === "vMustReplyEmpty") return "";
    if (p.startsWith("vFile:")) {
      const colon = p.indexOf(":", 6);
      const op = colon < 0 ? p.slice(6) : p.slice(6, colon);
      return this.hostIo.answer(op, colon < 0 ? [] : p.slice(colon + 1).split(","));
    }
    if (p.startsWith("vKill")) {
      this.lastStop = this.t.kill();
      this.state = "exited";
      return "OK";
    }
    return "";
  }

  private query(p: string): string | Uint8Array {
    const t = this.t;
    if (p.startsWith("qSupported")) {
      const asked = new Set(p.slice(11).split(";"));
      const exec = asked.has("exec-events+") && t.reportEvents !== undefined;
      // Fork events name the child as pPID.TID: they come with the multiprocess extensions.
      this.multiprocess = asked.has("multiprocess+") && t.processOf !== undefined;
      const fork = this.multiprocess && asked.has("fork-events+") && t.reportEvents !== undefined;
      t.reportEvents?.({ exec, fork, vfork: false });
      return (
        `PacketSize=${PACKET_SIZE.toString(16)};QStartNoAckMode+;qXfer:features:read+;` +
        "qXfer:exec-file:read+;swbreak+;hwbreak+;vContSupported+" +
        (t.siginfo ? ";qXfer:siginfo:read+" : "") +
        (t.passSignals ? ";QPassSignals+" : "") +
        (exec ? ";exec-events+" : "") +
        (this.multiprocess ? ";multiprocess+" : "") +
        (fork ? ";fork-events+" : "")
      );
    }
    if (p.startsWith("QPassSignals:") && t.passSignals) {
      const set = new Set<number>();
      for (const g of p.slice(13).split(";")) if (g) set.add(linuxSignal(Number(num(g))));
      set.delete(0);
      t.passSignals(set);
      return "OK";
    }
    if (p === "QStartNoAckMode") {
      this.reply("OK");
      this.noAck = true;
      return NO_REPLY;
    }
    if (p === "qAttached" || p.startsWith("qAttached:")) return t.attached ? "1" : "0";
    if (p === "qOffsets") return "Text=0;Data=0;Bss=0";
    if (p === "qfThreadInfo") return `m${t.threads().map(this.tidText).join(",")}`;
    if (p === "qsThreadInfo") return "l";
    if (p === "qC") return `QC${this.tidText(this.gThread)}`;
    if (p.startsWith("qThreadExtraInfo,")) return toHex(enc.encode(t.threadName(threadId(p.slice(17)))));
    if (p.startsWith("qSymbol")) return "OK";
    if (p.startsWith("qRcmd,")) {
      const cmd = fromHex(p.slice(6));
      if (!cmd) throw new BadPacket();
      let out: string;
      try {
        out = t.monitor(new TextDecoder().decode(cmd));
      } catch (e) {
        if (!(e instanceof MonitorError)) throw e;
        out = `error: ${e.message}\n`;
      }
      return toHex(enc.encode(out));
    }
    if (p.startsWith("qXfer:features:read:"))
      return this.xfer(p.slice(20), (annex) => (annex === "target.xml" ? targetXml(t) : null));
    if (p.startsWith("qXfer:exec-file:read:")) return this.xfer(p.slice(21), () => t.execFile);
    if (p.startsWith("qXfer:siginfo:read:") && t.siginfo) {
      const info = t.siginfo(this.gThread);
      return this.xfer(p.slice(19), () => info);
    }
    return "";
  }

  /** qXfer reads: `annex:offset,length` of the object `get(annex)` gives: m (more) or l (last). */
  private xfer(args: string, get: (annex: string) => string | Uint8Array | null): string | Uint8Array {
    const colon = args.lastIndexOf(":");
    if (colon < 0) throw new BadPacket();
    const obj = get(args.slice(0, colon));
    if (obj === null) return "E00";
    const [o, l] = split2(args.slice(colon + 1), ",");
    const bytes = typeof obj === "string" ? enc.encode(obj) : obj;
    const off = Number(num(o));
    const len = Math.min(Number(num(l)), PACKET_SIZE - 16);
    const piece = bytes.subarray(Math.min(off, bytes.length), Math.min(off + len, bytes.length));
    const out = new Uint8Array(piece.length + 1);
    out[0] = off + len < bytes.length ? 0x6d : 0x6c; // 'm' or 'l'
    out.set(piece, 1);
    return out;
  }
}

/** A packet whose arguments do not parse: answered E01. */
class BadPacket extends Error {}

/** The answer to a packet that gets none now. */
const NO_REPLY = "\u0000no-reply";

function num(text: string | undefined): bigint {
  const v = text === undefined ? null : parseHexNum(text);
  if (v === null) throw new BadPacket();
  return v;
}

function split2(text: string, sep: string): [string, string] {
  const i = text.indexOf(sep);
  if (i < 0) throw new BadPacket();
  return [text.slice(0, i), text.slice(i + 1)];
}

/** A thread id: hex, `-1` (all) or `0` (any) as -1 and 0; of the multiprocess form pPID.TID
 *  the thread part is read (a bare pPID, all its threads, is -1). */
function threadId(text: string): number {
  if (text.startsWith("p") && !text.includes(".")) return -1;
  const t = text.includes(".") ? text.slice(text.indexOf(".") + 1) : text;
  if (t === "-1") return -1;
  const v = parseHexNum(t);
  if (v === null) throw new BadPacket();
  return Number(v);
}

/** A stop reply: T with the signal, the thread and why; W exit code; X signal. */
export function stopReply(ev: StopEvent, tidText = (tid: number): string => tid.toString(16)): string {
  const hex2 = (n: number): string => (n & 0xff).toString(16).padStart(2, "0");
  if (ev.kind === "exited") return `W${hex2(ev.code)}`;
  if (ev.kind === "killed") return `X${hex2(gdbSignal(ev.signal))}`;
  let s = `T${hex2(gdbSignal(ev.signal))}thread:${tidText(ev.tid)};`;
  const r = ev.reason;
  if (r === "swbreak" || r === "hwbreak") s += `${r}:;`;
  else if (r && "watch" in r) s += `${r.watch}:${r.addr.toString(16)};`;
  else if (r && "exec" in r) s += `exec:${toHex(enc.encode(r.exec))};`;
  else if (r && "fork" in r) s += `${r.fork}:${tidText(r.child)};`;
  return s;
}
