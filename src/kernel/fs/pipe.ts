// Pipes (fs/pipe.c): a ring of up to PIPE_DEF_BUFFERS (16) page buffers, 64 KiB, whose pages
// come from the buddy allocator and go back as readers drain them. Reads take what is there
// (a short read is normal); at end of data they return 0 once no writer is left, and EAGAIN
// otherwise (the caller sleeps on rd_wait unless O_NONBLOCK). A write of at most PIPE_BUF
// (4096) bytes goes in whole or not at all (atomic); a longer one takes what fits. A write
// with no reader left is EPIPE (and SIGPIPE, sent by the caller). Readers and writers wake
// each other through the two wait queues, with POLLIN / POLLOUT keys for poll's waiters.

import { EAGAIN, EFAULT, ENOTTY, EPIPE } from "../errno.js";
import type { Kernel } from "../kernel.js";
import { PAGE_SIZE } from "../layout.js";
import { wait_queue_head } from "../wait.js";
import { page_address } from "./filemap.js";
import {
  FMODE_READ,
  FMODE_WRITE,
  type file,
  type file_operations,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  POLLRDNORM,
  POLLWRNORM,
} from "./types.js";

/** Buffers in a pipe (PIPE_DEF_BUFFERS) and the bytes a write keeps together (PIPE_BUF). */
export const PIPE_DEF_BUFFERS = 16;
export const PIPE_BUF = 4096;
/** FIONREAD: bytes waiting in a pipe (asm-generic/ioctls.h). */
export const FIONREAD = 0x541b;

/** One buffer of a pipe: a page and the bytes of it not read yet. */
interface pipe_buffer {
  pfn: number;
  offset: number;
  len: number;
}

export class pipe_inode_info {
  private readonly bufs: pipe_buffer[] = [];
  readers = 0;
  writers = 0;
  /** Bytes waiting. */
  nrbytes = 0;
  readonly rd_wait = new wait_queue_head("pipe_rd");
  readonly wr_wait = new wait_queue_head("pipe_wr");

  constructor(private readonly k: Kernel) {}

  /** Free room for a write: whole free buffers plus the tail of the last one. */
  space(): number {
    const last = this.bufs[this.bufs.length - 1];
    const tail = last ? PAGE_SIZE - last.offset - last.len : 0;
    return (PIPE_DEF_BUFFERS - this.bufs.length) * PAGE_SIZE + tail;
  }

  /** Take up to `len` bytes. */
  take(len: number): Uint8Array {
    const out = new Uint8Array(Math.min(len, this.nrbytes));
    let done = 0;
    while (done < out.length) {
      const b = this.bufs[0]!;
      const n = Math.min(b.len, out.length - done);
      out.set(this.k.kmem.read(page_address(b.pfn) + BigInt(b.offset), n, "pipe_read"), done);
      b.offset += n;
      b.len -= n;
      done += n;
      if (b.len === 0) {
        this.bufs.shift();
        this.k.pages.__free_pages(b.pfn, 0);
      }
    }
    this.nrbytes -= done;
    return out;
  }

  /** Store as much of `data` as fits (a page could not be had: less); the bytes stored. */
  put(data: Uint8Array): number {
    let done = 0;
    while (done < data.length) {
      let b = this.bufs[this.bufs.length - 1];
      if (!b || b.offset + b.len === PAGE_SIZE) {
        if (this.bufs.length === PIPE_DEF_BUFFERS) break;
        const pfn = this.k.pages.alloc_pages(0);
        if (pfn < 0) break;
        b = { pfn, offset: 0, len: 0 };
        this.bufs.push(b);
      }
      const n = Math.min(PAGE_SIZE - b.offset - b.len, data.length - done);
      this.k.kmem.write(
        page_address(b.pfn) + BigInt(b.offset + b.len),
        data.subarray(done, done + n),
        "pipe_write",
      );
      b.len += n;
      done += n;
    }
    this.nrbytes += done;
    return done;
  }

  /** The last end is closed: the pages go back. */
  free(): void {
    for (const b of this.bufs.splice(0)) this.k.pages.__free_pages(b.pfn, 0);
    this.nrbytes = 0;
  }
}

const pipeOf = (f: file): pipe_inode_info => f.private_data as pipe_inode_info;

/** The file operations of both ends of a pipe (pipefifo_fops). */
export const pipefifo_fops: file_operations = {
  seekable: false,
  read(f, len) {
    const p = pipeOf(f);
    if (p.nrbytes > 0) {
      const data = p.take(len);
      p.wr_wait.wake_up_all(POLLOUT | POLLWRNORM);
      return data;
    }
    return p.writers === 0 ? new Uint8Array(0) : -EAGAIN;
  },
  write(f, data) {
    const p = pipeOf(f);
    if (p.readers === 0) return -EPIPE;
    const space = p.space();
    if (data.length <= PIPE_BUF && space < data.length) return -EAGAIN; // atomic: whole or wait
    if (space === 0) return -EAGAIN;
    const n = p.put(data);
    if (n === 0) return -EAGAIN;
    p.rd_wait.wake_up_all(POLLIN | POLLRDNORM);
    return n;
  },
  poll(f) {
    const p = pipeOf(f);
    let mask = 0;
    if (f.f_mode & FMODE_READ) {
      if (p.nrbytes > 0) mask |= POLLIN | POLLRDNORM;
      if (p.writers === 0) mask |= POLLHUP;
    }
    if (f.f_mode & FMODE_WRITE) {
      if (p.space() >= PIPE_BUF) mask |= POLLOUT | POLLWRNORM;
      if (p.readers === 0) mask |= POLLERR;
    }
    return mask;
  },
  wait(f) {
    const p = pipeOf(f);
    return f.f_mode & FMODE_READ ? p.rd_wait : p.wr_wait;
  },
  ioctl(f, cmd, _arg, put) {
    if (cmd !== FIONREAD) return -ENOTTY;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, pipeOf(f).nrbytes, true);
    return put(b) ? 0n : -EFAULT;
  },
  release(f) {
    const p = pipeOf(f);
    if (f.f_mode & FMODE_READ) p.readers--;
    if (f.f_mode & FMODE_WRITE) p.writers--;
    if (p.readers === 0 && p.writers === 0) p.free();
    // The other end sees EOF (POLLHUP) or EPIPE (POLLERR): wake it.
    p.rd_wait.wake_up_all(POLLIN | POLLHUP);
    p.wr_wait.wake_up_all(POLLOUT | POLLERR);
  },
};
