// The file operations of tmpfs and host files (fs/libfs.c, mm/shmem.c's shmem_file_operations,
// fs/hostfs): reads and writes at an offset in bounded pieces (the system call copies them to
// and from user memory chunk by chunk), and directory listings that hand out one entry at a
// time with a resumable cookie, so neither a file nor a directory is ever held whole.

import { ERRNO } from "../errno.js";
import { type HostFs, isHostErr } from "./host.js";
import type { hostfs_inode } from "./hostfs.js";
import type { shmem_dir, shmem_file } from "./shmem.js";
import {
  type dir_entry,
  dtype,
  FMODE_READ,
  FMODE_WRITE,
  type file,
  type file_operations,
  POLLIN,
  POLLOUT,
  POLLRDNORM,
  POLLWRNORM,
} from "./types.js";

/** A regular file is always ready for poll (fs/select.c's DEFAULT_POLLMASK). */
export const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

/** tmpfs regular files: the page cache is the file. */
export function shmem_file_operations(now: () => bigint): file_operations {
  const ino = (f: file): shmem_file => f.f_inode as shmem_file;
  return {
    seekable: true,
    read: (f, len, pos) => ino(f).mapping.read_cached(pos, len),
    write: (f, data, pos) => {
      const n = ino(f).mapping.write_cached(pos, data);
      if (typeof n === "number" && n > 0) {
        const t = now();
        ino(f).i_mtime = t;
        ino(f).i_ctime = t;
      }
      return n;
    },
    poll: () => DEFAULT_POLLMASK,
  };
}

/** tmpfs directories. */
export const shmem_dir_operations: file_operations = {
  seekable: true,
  iterate(f, pos, emit) {
    (f.f_inode as shmem_dir).readdir(pos, emit);
    return 0n;
  },
  poll: () => DEFAULT_POLLMASK,
};

/** Host regular files: through the inode (cached pages first, the host at an offset). */
export const hostfs_file_operations: file_operations = {
  seekable: true,
  read: (f, len, pos) => (f.f_inode as hostfs_inode).read_at(pos, len),
  write: (f, data, pos) => (f.f_inode as hostfs_inode).write_at(pos, data),
  poll: () => DEFAULT_POLLMASK,
};

/** Host FIFOs and devices: one host handle per open, read and written as a stream. */
export function hostfs_stream_operations(host: HostFs): file_operations {
  const fd = (f: file): number => f.private_data as number;
  return {
    seekable: false,
    open(f) {
      const ino = f.f_inode as hostfs_inode;
      const write = (f.f_mode & FMODE_WRITE) !== 0;
      const flags = {
        read: (f.f_mode & FMODE_READ) !== 0,
        write,
        create: false,
        excl: false,
        trunc: false,
        mode: 0,
      };
      const r = host.open(ino.hostPath, flags);
      if (isHostErr(r)) return -ERRNO[r.errno];
      f.private_data = r;
      return 0n;
    },
    read(f, len) {
      const buf = new Uint8Array(len);
      const n = host.read(fd(f), buf, null);
      return isHostErr(n) ? -ERRNO[n.errno] : buf.subarray(0, n);
    },
    write(f, data) {
      const n = host.write(fd(f), data, null);
      return isHostErr(n) ? -ERRNO[n.errno] : n;
    },
    poll: () => DEFAULT_POLLMASK,
    release(f) {
      host.close(fd(f));
    },
  };
}

/** A host directory stream: the cookie of the entry it gives next, and an entry read but not
 *  taken by the last call (the caller's buffer was full). */
interface host_dir_stream {
  handle: number;
  next: number;
  pending: { entry: dir_entry; cookie: number } | null;
}

/** Host directories: ".", "..", then the host's entries in the host's order; cookie n + 2 is
 *  the host's n-th entry (a seek backwards reopens the stream and skips forward). */
export function hostfs_dir_operations(host: HostFs): file_operations {
  const close = (f: file): void => {
    const s = f.private_data as host_dir_stream | null;
    if (s) host.closedir(s.handle);
    f.private_data = null;
  };
  return {
    seekable: true,
    iterate(f, pos, emit) {
      const ino = f.f_inode as hostfs_inode;
      if (pos <= 0 && !emit({ name: ".", ino: ino.i_ino, type: dtype(ino.i_mode) }, 1)) return 0n;
      const parent = f.f_path.dentry.d_parent.d_inode;
      if (pos <= 1 && !emit({ name: "..", ino: parent.i_ino, type: dtype(parent.i_mode) }, 2)) return 0n;
      const want = Math.max(pos, 2);
      let s = f.private_data as host_dir_stream | null;
      if (s && (s.pending?.cookie ?? s.next) > want) {
        close(f);
        s = null;
      }
      if (!s) {
        const h = host.opendir(ino.hostPath);
        if (isHostErr(h)) return -ERRNO[h.errno];
        s = { handle: h, next: 2, pending: null };
        f.private_data = s;
      }
      for (;;) {
        let item = s.pending;
        s.pending = null;
        if (!item) {
          const e = host.readdir(s.handle);
          if (isHostErr(e)) return -ERRNO[e.errno];
          if (e === null) return 0n;
          const cookie = s.next++;
          if (cookie < want) continue;
          const st = host.lstat(ino.hostPath === "/" ? `/${e.name}` : `${ino.hostPath}/${e.name}`);
          item = { entry: { name: e.name, ino: isHostErr(st) ? 0 : st.ino, type: e.type }, cookie };
        }
        if (!emit(item.entry, item.cookie + 1)) {
          s.pending = item; // the next call starts with it
          return 0n;
        }
      }
    },
    poll: () => DEFAULT_POLLMASK,
    release: close,
  };
}
