// POSIX path strings, for the parts of the kernel and the CLI that handle paths as text (the VFS
// itself walks components, fs/namei.ts). The core imports no node: module (DESIGN.md), so this
// small module stands in for node:path's posix half: normalize, join, resolve, dirname,
// basename, with node:path's results for the inputs the kernel gives them.

/** Split a path into its non-empty components ("/a//b/" -> ["a", "b"]). */
export function components(p: string): string[] {
  return p.split("/").filter((c) => c !== "");
}

/** Collapse ".", "..", and repeated slashes; an absolute path never climbs above "/". A relative
 *  path keeps the ".." it cannot resolve; the empty path is ".". A trailing slash is kept. */
export function normalize(p: string): string {
  if (p === "") return ".";
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const c of components(p)) {
    if (c === ".") continue;
    if (c === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!abs) out.push("..");
      continue;
    }
    out.push(c);
  }
  let s = (abs ? "/" : "") + out.join("/");
  if (s === "") s = abs ? "/" : ".";
  if (p.endsWith("/") && s !== "/") s += "/";
  return s;
}

/** Join the non-empty parts with "/" and normalize. */
export function join(...parts: string[]): string {
  const nonEmpty = parts.filter((x) => x !== "");
  return nonEmpty.length ? normalize(nonEmpty.join("/")) : ".";
}

/** Resolve `parts` right to left into an absolute, normalized path without a trailing slash;
 *  `cwd` is where a relative result starts. */
export function resolve(cwd: string, ...parts: string[]): string {
  let acc = "";
  for (let i = parts.length - 1; i >= 0 && !acc.startsWith("/"); i--) {
    const part = parts[i]!;
    if (part !== "") acc = acc ? `${part}/${acc}` : part;
  }
  if (!acc.startsWith("/")) acc = acc ? `${cwd}/${acc}` : cwd;
  const n = normalize(acc);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

/** Everything before the last component ("/a/b" -> "/a", "b" -> ".", "/" -> "/"). */
export function dirname(p: string): string {
  const t = p.length > 1 ? p.replace(/\/+$/, "") : p;
  const i = t.lastIndexOf("/");
  if (i < 0) return ".";
  if (i === 0) return "/";
  return t.slice(0, i);
}

/** The last component ("/a/b/" -> "b", "/" -> ""). */
export function basename(p: string): string {
  const t = p.replace(/\/+$/, "");
  return t.slice(t.lastIndexOf("/") + 1);
}

/** Is `p` equal to `dir` or below it (both normalized, absolute)? */
export function isWithin(p: string, dir: string): boolean {
  if (dir === "/") return p.startsWith("/");
  return p === dir || p.startsWith(`${dir}/`);
}
