// Wait queues and the blocking rule (src/kernel/wait.ts), with a stand-in task.

import { describe, expect, it } from "vitest";
import { ERESTARTNOHAND, ERESTARTSYS } from "../../src/kernel/errno.js";
import {
  BLOCK,
  leave_wait_queues,
  type SleepKind,
  type Waiter,
  wait_event,
  type wait_queue_entry,
  wait_queue_head,
} from "../../src/kernel/wait.js";

/** A task that records its sleeps and wake-ups. */
class FakeTask implements Waiter {
  readonly waits: wait_queue_entry[] = [];
  asleep: { kind: SleepKind; deadline: number } | null = null;
  pending = false;
  wakeups = 0;

  constructor(readonly name: string) {}

  wake(): boolean {
    if (!this.asleep) return false;
    this.asleep = null;
    this.wakeups++;
    leave_wait_queues(this);
    return true;
  }

  signal_pending(kind: SleepKind): boolean {
    return this.pending && kind !== "uninterruptible";
  }

  sleep(kind: SleepKind, deadline: number): void {
    this.asleep = { kind, deadline };
  }
}

describe("wait queues", () => {
  it("wait_event queues the task on every queue and returns BLOCK; a wake-up takes it off all", () => {
    const a = new wait_queue_head("a");
    const b = new wait_queue_head("b");
    const t = new FakeTask("t");
    expect(wait_event(t, [a, b], { deadline: 500 })).toBe(BLOCK);
    expect(t.asleep).toEqual({ kind: "interruptible", deadline: 500 });
    expect([a.length, b.length, t.waits.length]).toEqual([1, 1, 2]);
    expect(b.wake_up()).toBe(1);
    expect([a.length, b.length, t.waits.length, t.wakeups]).toEqual([0, 0, 0, 1]);
    expect(a.wake_up()).toBe(0); // nobody left
  });

  it("a pending signal: no sleep, the restart code instead (-ERESTARTSYS unless told)", () => {
    const q = new wait_queue_head();
    const t = new FakeTask("t");
    t.pending = true;
    expect(wait_event(t, [q])).toBe(-ERESTARTSYS);
    expect(wait_event(t, [q], { restart: -ERESTARTNOHAND })).toBe(-ERESTARTNOHAND);
    expect(q.active).toBe(false);
    expect(wait_event(t, [q], { kind: "uninterruptible" })).toBe(BLOCK); // signals do not count
  });

  it("wake_up wakes every non-exclusive waiter and one exclusive; wake_up_all wakes all", () => {
    const q = new wait_queue_head();
    const ex1 = new FakeTask("ex1");
    const ex2 = new FakeTask("ex2");
    const plain = new FakeTask("plain");
    wait_event(ex1, [q], { exclusive: true });
    wait_event(ex2, [q], { exclusive: true });
    wait_event(plain, [q]);
    expect(q.wake_up()).toBe(2);
    expect([plain.wakeups, ex1.wakeups, ex2.wakeups]).toEqual([1, 1, 0]);
    expect(q.wake_up_all()).toBe(1);
    expect(ex2.wakeups).toBe(1);
  });

  it("a keyed wake-up (poll events) wakes only the waiters whose events match", () => {
    const q = new wait_queue_head();
    const reader = new FakeTask("reader");
    const writer = new FakeTask("writer");
    const POLLIN = 1;
    const POLLOUT = 4;
    wait_event(reader, [q], { events: POLLIN });
    wait_event(writer, [q], { events: POLLOUT });
    expect(q.wake_up_all(POLLOUT)).toBe(1);
    expect([reader.wakeups, writer.wakeups]).toEqual([0, 1]);
    expect(q.wake_up_all(POLLIN)).toBe(1);
    expect(reader.wakeups).toBe(1);
  });

  it("BLOCK is never a result a system call could return", () => {
    expect(BLOCK).toBeLessThan(-4095n);
    expect(BLOCK).toBeGreaterThanOrEqual(-(1n << 63n));
  });
});
