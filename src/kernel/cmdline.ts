// The kernel command line, Linux style: space-separated `key`, `key=value` and
// `module.param=value` words, with double quotes around values that contain spaces. Parameters
// are declared by the subsystems that own them; the rest is reported as Linux reports it.

export type ParamValue = string | true;

export interface ParsedCmdline {
  /** Every word, in order. */
  params: { key: string; value: ParamValue }[];
}

/** Split a command line into parameters. */
export function parseCmdline(text: string): ParsedCmdline {
  const params: { key: string; value: ParamValue }[] = [];
  const re = /\s*([^\s=]+)(?:=("([^"]*)"|\S*))?/gy;
  let m: RegExpExecArray | null = re.exec(text);
  while (m !== null && m[0].trim() !== "") {
    const key = m[1]!;
    const value: ParamValue = m[2] === undefined ? true : (m[3] ?? m[2]);
    params.push({ key, value });
    m = re.exec(text);
  }
  return { params };
}

/** A parameter a subsystem accepts: parse() returns an error message for a bad value. */
export interface ParamSpec {
  name: string;
  help: string;
  parse(value: ParamValue): string | undefined;
}

/** Parse a boolean the way the kernel's kstrtobool does (1/0, y/n, on/off). */
export function parseBool(v: ParamValue): boolean | undefined {
  if (v === true) return true;
  const s = v.toLowerCase();
  if (["1", "y", "yes", "on", "true"].includes(s)) return true;
  if (["0", "n", "no", "off", "false"].includes(s)) return false;
  return undefined;
}

/** Parse an unsigned integer (decimal or 0x hex), as kstrtouint does. */
export function parseUint(v: ParamValue): number | undefined {
  if (v === true) return undefined;
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}
