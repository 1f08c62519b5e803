// Path walk (fs/namei.c): a name is resolved component by component from the process's root
// (absolute) or a starting directory (relative), crossing mounts, climbing ".." (never above
// the root, and from a mount's root back to its mountpoint), following symbolic links (at most
// MAXSYMLINKS = 40 in one walk: ELOOP) and failing as Linux does: ENOENT for a missing
// component or an empty name, ENOTDIR for a non-directory in the middle or before a trailing
// slash, ENAMETOOLONG for a component over NAME_MAX bytes (the whole name's PATH_MAX is
// checked when it is copied from the user, getname). The work is bounded by the name's length
// and the symlink limit.

import { ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR } from "../errno.js";
import type { mnt_namespace } from "./namespace.js";
import { type dentry, NAME_MAX, type path, S_ISDIR, S_ISLNK } from "./types.js";

/** Follow a symbolic link in the last component. */
export const LOOKUP_FOLLOW = 1;
/** The result must be a directory. */
export const LOOKUP_DIRECTORY = 2;
/** Links followed in one walk before ELOOP (include/linux/namei.h). */
export const MAXSYMLINKS = 40;

/** What a walk needs from the process: the mount table and its root. */
export interface nameidata {
  ns: mnt_namespace;
  root: path;
}

/** The kind of the last component of a name (LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT). */
export type LastType = "norm" | "root" | "dot" | "dotdot";

interface walk {
  nd: nameidata;
  links: number;
}

/** Resolve `name` from `start` (a directory; ignored for an absolute name). */
export function path_lookupat(nd: nameidata, start: path, name: string, flags: number): path | bigint {
  return lookup({ nd, links: 0 }, start, name, flags);
}

function lookup(w: walk, start: path, name: string, flags: number): path | bigint {
  if (name === "") return -ENOENT;
  const parent = walk_parent(w, start, name);
  if (typeof parent === "bigint") return parent;
  const trailing = name.endsWith("/");
  const last = step(w, parent.path, parent.last, parent.type, !!(flags & LOOKUP_FOLLOW) || trailing);
  if (typeof last === "bigint") return last;
  if ((trailing || flags & LOOKUP_DIRECTORY) && !S_ISDIR(last.dentry.d_inode.i_mode)) return -ENOTDIR;
  return last;
}

/** Resolve all but the last component of `name`: the directory, and the last component. */
export function path_parentat(
  nd: nameidata,
  start: path,
  name: string,
): { path: path; last: string; type: LastType; trailing: boolean } | bigint {
  if (name === "") return -ENOENT;
  const r = walk_parent({ nd, links: 0 }, start, name);
  if (typeof r === "bigint") return r;
  return { ...r, trailing: name.endsWith("/") };
}

/** Walk every component but the last. */
function walk_parent(
  w: walk,
  start: path,
  name: string,
): { path: path; last: string; type: LastType } | bigint {
  let cur = name.startsWith("/") ? w.nd.root : start;
  const parts = name.split("/").filter((c) => c !== "");
  if (parts.length === 0) return { path: cur, last: "", type: "root" };
  for (let i = 0; i < parts.length - 1; i++) {
    const next = step(w, cur, parts[i]!, typeOf(parts[i]!), true);
    if (typeof next === "bigint") return next;
    if (!S_ISDIR(next.dentry.d_inode.i_mode)) return -ENOTDIR;
    cur = next;
  }
  const last = parts[parts.length - 1]!;
  if (!S_ISDIR(cur.dentry.d_inode.i_mode)) return -ENOTDIR;
  // The last name's length is checked by the file system's lookup (simple_lookup), which
  // every create, remove and rename does first.
  if (last.length > NAME_MAX) return -ENAMETOOLONG;
  return { path: cur, last, type: typeOf(last) };
}

function typeOf(c: string): LastType {
  return c === "." ? "dot" : c === ".." ? "dotdot" : "norm";
}

/** One component from directory `dir`: ".", "..", or a name (crossing mounts, following a
 *  symbolic link when `follow`). */
function step(w: walk, dir: path, c: string, type: LastType, follow: boolean): path | bigint {
  if (!S_ISDIR(dir.dentry.d_inode.i_mode)) return -ENOTDIR;
  if (type === "root" || type === "dot") return dir;
  if (type === "dotdot") return follow_dotdot(w.nd, dir);
  if (c.length > NAME_MAX) return -ENAMETOOLONG;
  const d = dir.dentry.d_inode.lookup(dir.dentry, c);
  if (typeof d === "bigint") return d;
  if (!d) return -ENOENT;
  const p = w.nd.ns.follow_mount({ mnt: dir.mnt, dentry: d });
  if (!follow || !S_ISLNK(p.dentry.d_inode.i_mode)) return p;
  return follow_link(w, dir, p.dentry);
}

/** Walk the target of link `link` found in `dir`. */
function follow_link(w: walk, dir: path, link: dentry): path | bigint {
  if (++w.links > MAXSYMLINKS) return -ELOOP;
  const target = link.d_inode.get_link();
  if (typeof target === "bigint") return target;
  if (typeof target === "object") return target.jump; // a /proc magic link
  return lookup(w, dir, target, LOOKUP_FOLLOW);
}

/** ".." of `p`: stays at the process root, climbs out of a mount's root to its mountpoint. */
export function follow_dotdot(nd: nameidata, p: path): path {
  for (;;) {
    if (p.dentry === nd.root.dentry && p.mnt === nd.root.mnt) return p;
    if (p.dentry !== p.mnt.mnt_root) break;
    if (!p.mnt.mnt_parent || !p.mnt.mnt_mountpoint) return p;
    p = { mnt: p.mnt.mnt_parent, dentry: p.mnt.mnt_mountpoint };
  }
  return nd.ns.follow_mount({ mnt: p.mnt, dentry: p.dentry.d_parent });
}

/** The absolute name of `p` as seen from `root` (d_path): "/" for the root itself, and
 *  " (deleted)" after the name of an unlinked file. */
export function d_path(root: path, p: path): string {
  if (p.dentry.d_dname) return p.dentry.d_dname();
  const parts: string[] = [];
  let cur = p;
  let deleted = p.dentry.d_unhashed;
  for (let guard = 0; guard < 1 << 16; guard++) {
    if (cur.dentry === root.dentry && cur.mnt === root.mnt) break;
    if (cur.dentry === cur.mnt.mnt_root) {
      if (!cur.mnt.mnt_parent || !cur.mnt.mnt_mountpoint) break;
      cur = { mnt: cur.mnt.mnt_parent, dentry: cur.mnt.mnt_mountpoint };
      continue;
    }
    parts.push(cur.dentry.d_name);
    if (cur.dentry.d_unhashed && cur !== p) deleted = true;
    cur = { mnt: cur.mnt, dentry: cur.dentry.d_parent };
  }
  return `/${parts.reverse().join("/")}${deleted ? " (deleted)" : ""}`;
}
