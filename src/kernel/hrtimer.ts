// High-resolution timers in machine time (kernel/time/hrtimer.c, much reduced): a timer runs its
// function once when the machine's clock reaches its expiry. Sleeps with a deadline, ITIMER_REAL
// and alarm() are hrtimers. Time is in nanoseconds of machine time (the harts' clocks run at
// CLOCK_HZ = 1 GHz, so a cycle is a nanosecond). Timers with the same expiry run in the order
// they were started, so runs are deterministic.

export interface hrtimer {
  expires: number;
  readonly fn: () => void;
  /** Start order, the tie-break between timers with the same expiry. */
  seq: number;
  /** Is it queued? */
  active: boolean;
}

export class HrTimers {
  /** Queued timers, soonest first. */
  private readonly queue: hrtimer[] = [];
  private seq = 0;

  /** hrtimer_start(): run `fn` at `expires` (a timer already queued is moved). */
  start(expires: number, fn: () => void): hrtimer {
    const t: hrtimer = { expires, fn, seq: 0, active: false };
    this.restart(t, expires);
    return t;
  }

  /** Queue `t` again for `expires`. */
  restart(t: hrtimer, expires: number): void {
    this.cancel(t);
    t.expires = expires;
    t.seq = this.seq++;
    t.active = true;
    let i = this.queue.length;
    while (i > 0 && this.after(this.queue[i - 1]!, t)) i--;
    this.queue.splice(i, 0, t);
  }

  /** hrtimer_cancel(): true if it was queued. */
  cancel(t: hrtimer): boolean {
    if (!t.active) return false;
    t.active = false;
    const i = this.queue.indexOf(t);
    if (i >= 0) this.queue.splice(i, 1);
    return true;
  }

  /** The expiry of the soonest timer, or Infinity. */
  next(): number {
    return this.queue[0]?.expires ?? Number.POSITIVE_INFINITY;
  }

  /** Run every timer whose expiry is at or before `now`, soonest first (a function may start
   *  timers; those due by `now` run too). Returns how many ran. */
  run(now: number): number {
    let n = 0;
    while (this.queue.length && this.queue[0]!.expires <= now) {
      const t = this.queue.shift()!;
      t.active = false;
      t.fn();
      n++;
    }
    return n;
  }

  get length(): number {
    return this.queue.length;
  }

  private after(a: hrtimer, b: hrtimer): boolean {
    return a.expires > b.expires || (a.expires === b.expires && a.seq > b.seq);
  }
}
