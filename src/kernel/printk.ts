// printk: the kernel log, with dmesg-style timestamps taken from the machine's clock (so the
// same run prints the same log), and WARN() in Linux's format.

export type LogLevel = "emerg" | "alert" | "crit" | "err" | "warning" | "notice" | "info" | "debug";

export interface LogLine {
  seconds: number;
  level: LogLevel;
  text: string;
}

export class Printk {
  readonly lines: LogLine[] = [];
  warnings = 0;
  /** Called for each line as it is logged (the CLI prints the log live). */
  sink: ((line: string, level: LogLevel) => void) | null = null;
  /** The CPU and task WARN() names. */
  where: () => { cpu: number; pid: number } = () => ({ cpu: 0, pid: 0 });

  constructor(private readonly now: () => number) {}

  log(level: LogLevel, text: string): void {
    for (const part of text.split("\n")) {
      const line = { seconds: this.now(), level, text: part };
      this.lines.push(line);
      this.sink?.(formatLine(line), level);
    }
  }

  info(text: string): void {
    this.log("info", text);
  }

  err(text: string): void {
    this.log("err", text);
  }

  /** WARN(): the cut-here banner, the message, and the WARNING line naming where. */
  warn(msg: string, where: string): void {
    const { cpu, pid } = this.where();
    this.warnings++;
    this.log("warning", "------------[ cut here ]------------");
    this.log("warning", msg);
    this.log("warning", `WARNING: CPU: ${cpu} PID: ${pid} at ${where}`);
    this.log("warning", "---[ end trace 0000000000000000 ]---");
  }

  /** The whole log as dmesg prints it. */
  dmesg(): string {
    return this.lines.map(formatLine).join("\n");
  }
}

/** "[    1.234567] text". */
export function formatLine(l: LogLine): string {
  const secs = Math.floor(l.seconds);
  const us = Math.floor((l.seconds - secs) * 1e6);
  return `[${secs.toString().padStart(5, " ")}.${us.toString().padStart(6, "0")}] ${l.text}`;
}
