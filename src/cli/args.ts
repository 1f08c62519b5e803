// Command-line parsing for the mmlab commands: a small parser (node:util parseArgs has no options
// with optional values, like `--stats[=json]`, and words its errors its own way) and the value
// parsers shared by every command (sizes, counts). Every mistake becomes a UsageError whose
// message is one line that names the command, the option and what is wrong with it.

/** A mistake on the command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A bad input file or value that is not a usage mistake (printed as one line, exit status 2). */
export class InputError extends Error {
  override name = "InputError";
}

export interface OptionSpec {
  /** Long name without the dashes: "harts". */
  name: string;
  /** One-letter alias: "h" for -h. */
  short?: string;
  /** "flag": no value; "value": needs a value (`--x V` or `--x=V`); "optional": `--x` or `--x=V`. */
  kind: "flag" | "value" | "optional";
  /** The placeholder in help: "N", "SIZE". */
  valueName?: string;
  /** Allowed values (for "value" and "optional" options). */
  choices?: readonly string[];
  /** One line of help. */
  help: string;
  /** May be given more than once ("value" options): every value is kept, in order, in `multi`. */
  repeat?: boolean;
}

/** What was parsed: option values by name (true for flags and bare optional options). */
export interface Parsed {
  options: Map<string, string | true>;
  /** Every value of a repeatable option, in order. */
  multi: Map<string, string[]>;
  positionals: string[];
}

export interface ParseConfig {
  /** The command, for messages: "run" gives "mmlab run: ...". */
  command: string;
  options: readonly OptionSpec[];
  /** Stop at the first positional: everything after it is positional (a guest's arguments). */
  stopAtPositional?: boolean;
}

/** "mmlab run" for "run", "mmlab" for "". */
export function commandLabel(command: string): string {
  return command ? `mmlab ${command}` : "mmlab";
}

/** A usage mistake of `command`, as one line: "mmlab CMD: WHAT (see mmlab CMD --help)". */
export function usageError(command: string, what: string): UsageError {
  const label = commandLabel(command);
  return new UsageError(`${label}: ${what} (see ${label} --help)`);
}

/** A bad value for option `--opt` of `command`, saying what was expected. */
export function badValue(command: string, opt: string, value: string, want: string): UsageError {
  return usageError(command, `bad value '${value}' for '--${opt}': ${want}`);
}

function usage(cfg: ParseConfig, what: string): UsageError {
  return usageError(cfg.command, what);
}

/** Parse `argv` against `cfg`; throws UsageError. */
export function parseArgs(argv: readonly string[], cfg: ParseConfig): Parsed {
  const options = new Map<string, string | true>();
  const multi = new Map<string, string[]>();
  const positionals: string[] = [];
  const byName = new Map(cfg.options.map((o) => [o.name, o]));
  const byShort = new Map(cfg.options.filter((o) => o.short).map((o) => [o.short!, o]));
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i++]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      if (cfg.stopAtPositional) {
        positionals.push(...argv.slice(i));
        break;
      }
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) inline = arg.slice(eq + 1);
      spec = byName.get(name);
      shown = `--${name}`;
    } else {
      if (arg.length !== 2) throw usage(cfg, `unknown option '${arg}'`);
      spec = byShort.get(arg.slice(1));
      shown = arg;
    }
    if (!spec) throw usage(cfg, `unknown option '${shown}'`);
    if (spec.kind === "flag") {
      if (inline !== undefined) throw usage(cfg, `option '${shown}' takes no value`);
      options.set(spec.name, true);
      continue;
    }
    let value: string | true;
    if (inline !== undefined) value = inline;
    else if (spec.kind === "optional") value = true;
    else {
      const next = argv[i];
      if (next === undefined)
        throw usage(cfg, `option '${shown}' needs a value (${spec.valueName ?? "VALUE"})`);
      value = next;
      i++;
    }
    if (value !== true && spec.choices && !spec.choices.includes(value)) {
      const allowed = spec.choices.map((c) => `'${c}'`).join(", ");
      throw usage(cfg, `bad value '${value}' for '${shown}': expected ${allowed}`);
    }
    options.set(spec.name, value);
    if (spec.repeat && value !== true) multi.set(spec.name, [...(multi.get(spec.name) ?? []), value]);
  }
  return { options, multi, positionals };
}

/** The option's string value, undefined when absent; a bare optional option gives `ifBare`. */
export function stringOpt(p: Parsed, name: string, ifBare = ""): string | undefined {
  const v = p.options.get(name);
  return v === undefined ? undefined : v === true ? ifBare : v;
}

export function flag(p: Parsed, name: string): boolean {
  return p.options.has(name);
}

/** Option `--opt` of `command` as a whole number from `lo` to `hi` (decimal digits only),
 *  undefined when absent; otherwise a bad value that says `want`. */
export function wholeNumberOpt(
  p: Parsed,
  command: string,
  opt: string,
  range: { lo: number; hi: number; want: string },
): number | undefined {
  const text = stringOpt(p, opt);
  if (text === undefined) return undefined;
  const v = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(v >= range.lo && v <= range.hi)) throw badValue(command, opt, text, range.want);
  return v;
}

/** --seed: a whole number from 0 to 2^32 - 1 (the commands that take one: run, exp). */
export function seedOpt(p: Parsed, command: string): number | undefined {
  return wholeNumberOpt(p, command, "seed", {
    lo: 0,
    hi: 0xffffffff,
    want: "expected a whole number from 0 to 4294967295",
  });
}

const SIZE_UNITS: Record<string, number> = { "": 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 };

/** A memory size such as 4096, 64K, 64M, 1G (binary units; "MiB"/"MB" spellings accepted). */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)\s*([KMG]?)(?:i?B)?$/i.exec(text.trim());
  if (!m) return undefined;
  const v = Number(m[1]) * SIZE_UNITS[m[2]!.toUpperCase()]!;
  return Number.isSafeInteger(v) ? v : undefined;
}

/** A positive integer count: 1000000, 1_000_000, 1e6, 10M (decimal K/M/G). */
export function parseCount(text: string): number | undefined {
  const m = /^(\d[\d_]*(?:\.\d+)?(?:e\d+)?)([KMG]?)$/i.exec(text.trim());
  if (!m) return undefined;
  const scale = { "": 1, K: 1e3, M: 1e6, G: 1e9 }[m[2]!.toUpperCase()]!;
  const v = Number(m[1]!.replaceAll("_", "")) * scale;
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/** Help text for a list of options, aligned. */
export function formatOptions(options: readonly OptionSpec[]): string {
  const left = options.map((o) => {
    const short = o.short ? `-${o.short}, ` : "    ";
    const value =
      o.kind === "value" ? ` ${o.valueName ?? "VALUE"}` : o.kind === "optional" ? `[=${o.valueName}]` : "";
    return `  ${short}--${o.name}${value}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return options.map((o, k) => left[k]!.padEnd(width) + o.help).join("\n");
}
