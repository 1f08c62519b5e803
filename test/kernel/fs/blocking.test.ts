// Sleeping file calls through the seam of src/kernel/wait.ts: a read of an empty pipe, a
// write to a full one and a poll with nothing ready queue the task (task_struct is the Waiter)
// and the call returns BLOCK; a wake-up makes the call re-execute and complete, a write keeps
// its progress in the continuation record, poll keeps its deadline, and a pending signal gives
// the restart code (or the partial count).

import { describe, expect, it } from "vitest";
import { ERESTARTSYS } from "../../../src/kernel/errno.js";
import { SI_USER, SIGUSR1, sigmask } from "../../../src/kernel/signal.js";
import { BLOCK, type Continuation, type SleepKind } from "../../../src/kernel/wait.js";
import { NR, type Proc, proc } from "./harness.js";

interface Sleeper {
  cont: Continuation | null;
  readonly asleep: { kind: SleepKind; deadline: number } | null;
  pending: boolean;
  wake(): boolean;
}

/** The harness's task seen as a sleeper: its state and sleep deadline, a pending SIGUSR1. */
function sleeper(p: Proc): Sleeper {
  const t = p.t;
  return {
    get cont() {
      return t.cont;
    },
    set cont(c) {
      t.cont = c;
    },
    get asleep() {
      const st = t.state;
      if (st === "running" || st === "stopped") return null;
      return { kind: st, deadline: t.sleep_timer?.expires ?? Number.POSITIVE_INFINITY };
    },
    get pending() {
      return (t.signals.pending.signal & sigmask(SIGUSR1)) !== 0n;
    },
    set pending(v) {
      if (v) t.signals.pending.add({ signo: SIGUSR1, code: SI_USER });
      else t.signals.pending.flush(sigmask(SIGUSR1));
    },
    wake: () => t.wake(),
  };
}

describe("sleeping on pipes", () => {
  it("a read of an empty pipe sleeps until a write wakes it, then re-executes", () => {
    const p = proc();
    const s = sleeper(p);
    const [r, w] = p.pipe();
    const buf = p.buf(16);
    expect(p.call(NR.read, r, buf, 16)).toBe(BLOCK);
    expect(s.asleep?.kind).toBe("interruptible");
    p.puts(w, "wake");
    expect(s.asleep).toBeNull(); // woken
    expect(p.call(NR.read, r, buf, 16)).toBe(4n);
    expect(p.text(buf, 4)).toBe("wake");
  });

  it("a write to a full pipe keeps its progress across the sleep", () => {
    const p = proc();
    const s = sleeper(p);
    const [r, w] = p.pipe();
    const data = p.buf(70000);
    expect(p.call(NR.write, w, data, 70000)).toBe(BLOCK);
    expect(s.cont?.done).toBe(65536n);
    expect(p.call(NR.read, r, p.buf(8192), 8192)).toBe(8192n);
    expect(s.asleep).toBeNull();
    expect(p.call(NR.write, w, data, 70000)).toBe(70000n); // the rest, then the whole count
    expect(s.cont).toBeNull(); // the dispatcher drops the record when the call completes
  });

  it("a signal interrupts: the restart code, or the bytes already written", () => {
    const p = proc();
    const s = sleeper(p);
    const [r, w] = p.pipe();
    s.pending = true;
    expect(p.call(NR.read, r, p.buf(8), 8)).toBe(-ERESTARTSYS);
    s.pending = false;
    const data = p.buf(70000);
    expect(p.call(NR.write, w, data, 70000)).toBe(BLOCK);
    s.wake();
    s.pending = true;
    expect(p.call(NR.write, w, data, 70000)).toBe(65536n);
  });

  it("the last writer's close wakes a sleeping reader with EOF", () => {
    const p = proc();
    const s = sleeper(p);
    const [r, w] = p.pipe();
    expect(p.call(NR.read, r, p.buf(8), 8)).toBe(BLOCK);
    p.call(NR.close, w);
    expect(s.asleep).toBeNull();
    expect(p.call(NR.read, r, p.buf(8), 8)).toBe(0n);
  });
});

describe("sleeping in poll", () => {
  /** ppoll of one (fd, POLLIN) with a timeout in ns (null: none). */
  function ppoll(p: Proc, fd: number, timeoutNs: number | null): bigint {
    const fds = p.buf(8);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setInt32(0, fd, true);
    b[4] = 1; // POLLIN
    p.write(fds, b);
    let ts = 0n;
    if (timeoutNs !== null) {
      const t = new Uint8Array(16);
      new DataView(t.buffer).setBigInt64(8, BigInt(timeoutNs), true);
      ts = p.bytes(t);
    }
    return p.call(NR.ppoll, fds, 1, ts, 0, 8);
  }

  it("sleeps on the pipe's queues until data comes", () => {
    const p = proc();
    const s = sleeper(p);
    const [r, w] = p.pipe();
    expect(ppoll(p, r, null)).toBe(BLOCK);
    expect(s.asleep?.deadline).toBe(Number.POSITIVE_INFINITY);
    p.puts(w, "x");
    expect(s.asleep).toBeNull();
    expect(ppoll(p, r, null)).toBe(1n);
  });

  it("a timeout sets the deadline, kept across re-executions; past it, poll returns 0", () => {
    const p = proc();
    const s = sleeper(p);
    const [r] = p.pipe();
    const now = p.k.seconds() * 1e9;
    expect(ppoll(p, r, 5_000_000)).toBe(BLOCK);
    const deadline = s.asleep!.deadline;
    expect(deadline).toBeGreaterThanOrEqual(now + 5_000_000);
    expect(s.cont?.deadline).toBe(deadline);
    s.wake(); // a spurious wake-up: the same deadline again
    expect(ppoll(p, r, 5_000_000)).toBe(BLOCK);
    expect(s.asleep!.deadline).toBe(deadline);
    s.wake();
    s.cont = { ...s.cont!, deadline: 0 }; // the deadline has passed
    expect(ppoll(p, r, 5_000_000)).toBe(0n);
    expect(s.cont).toBeNull();
    expect(ppoll(p, r, 0)).toBe(0n); // a zero timeout never sleeps
  });
});
