// The kernel's invariant checks, as include/asm-generic/bug.h spells them: WARN_ON() reports a
// broken expectation and lets the caller recover; BUG_ON() stops the kernel code that broke an
// invariant nothing can recover from. Every check in the kernel goes through one of the two,
// so `grep -n 'WARN_ON\|BUG_ON' src/kernel` lists them all.

import { KernelOops } from "./kaccess.js";
import type { Printk } from "./printk.js";

/** A message, or a function that makes it (only called when the check fires). */
export type BugMessage = string | (() => string);

const text = (msg: BugMessage): string => (typeof msg === "string" ? msg : msg());

/** WARN_ON(cond) / WARN(cond, fmt): if `cond`, print Linux's WARNING report (the cut-here
 *  banner, `msg`, "WARNING: CPU: c PID: p at `where`") and count it. Returns `cond`. */
export function WARN_ON(
  k: { readonly printk: Printk },
  cond: boolean,
  where: string,
  msg: BugMessage,
): boolean {
  if (cond) k.printk.warn(text(msg), where);
  return cond;
}

/** What BUG_ON() raises: an oops whose first line is "kernel BUG at `where`!". Whoever catches
 *  oopses logs it (a task in a system call is killed; the console reports an oops). */
export class KernelBug extends KernelOops {
  constructor(where: string, msg: string) {
    super([`kernel BUG at ${where}!`, msg]);
    this.message = `kernel BUG at ${where}: ${msg}`;
  }
}

/** BUG_ON(cond): if `cond`, throw a KernelBug: an invariant of the kernel's own data is broken. */
export function BUG_ON(cond: boolean, where: string, msg: BugMessage): void {
  if (cond) BUG(where, text(msg));
}

/** BUG(): the unconditional form, for checks on paths where even building a message function
 *  would cost (`if (bad) BUG(...)`). */
export function BUG(where: string, msg: string): never {
  throw new KernelBug(where, msg);
}
