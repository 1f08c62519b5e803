// Error numbers, with Linux's values (include/uapi/asm-generic/errno-base.h and errno.h): the
// kernel returns -EINVAL, -EFAULT, ... from here and nowhere else, and --strace names them
// with errnoName() and strerror().

/** Every errno this kernel returns, by name. */
export const ERRNO = {
  EPERM: 1n,
  ENOENT: 2n,
  ESRCH: 3n,
  EINTR: 4n,
  EIO: 5n,
  EBADF: 9n,
  EAGAIN: 11n,
  ENOMEM: 12n,
  EACCES: 13n,
  EFAULT: 14n,
  EBUSY: 16n,
  EEXIST: 17n,
  ENODEV: 19n,
  ENOTDIR: 20n,
  EISDIR: 21n,
  EINVAL: 22n,
  ENOTTY: 25n,
  ESPIPE: 29n,
  EROFS: 30n,
  ERANGE: 34n,
  ENOSYS: 38n,
} as const;

export type ErrnoName = keyof typeof ERRNO;

export const {
  EPERM,
  ENOENT,
  ESRCH,
  EINTR,
  EIO,
  EBADF,
  EAGAIN,
  ENOMEM,
  EACCES,
  EFAULT,
  EBUSY,
  EEXIST,
  ENODEV,
  ENOTDIR,
  EISDIR,
  EINVAL,
  ENOTTY,
  ESPIPE,
  EROFS,
  ERANGE,
  ENOSYS,
} = ERRNO;

/** Results in [-MAX_ERRNO, -1] are errors (IS_ERR_VALUE). */
export const MAX_ERRNO = 4095n;

/** strerror()'s text of each errno, as glibc (and so strace) prints it. */
const STRERROR: Record<ErrnoName, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  ESRCH: "No such process",
  EINTR: "Interrupted system call",
  EIO: "Input/output error",
  EBADF: "Bad file descriptor",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Bad address",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  ENODEV: "No such device",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENOTTY: "Inappropriate ioctl for device",
  ESPIPE: "Illegal seek",
  EROFS: "Read-only file system",
  ERANGE: "Numerical result out of range",
  ENOSYS: "Function not implemented",
};

const NAMES = new Map<bigint, ErrnoName>(
  Object.entries(ERRNO).map(([name, e]): [bigint, ErrnoName] => [e, name as ErrnoName]),
);

/** "EINVAL" for 22n; "E<n>" for a number this kernel never returns. */
export function errnoName(e: bigint): string {
  return NAMES.get(e) ?? `E${e}`;
}

/** strerror(e): "Invalid argument" for 22n; "Unknown error" for others. */
export function strerror(e: bigint): string {
  const name = NAMES.get(e);
  return name ? STRERROR[name] : "Unknown error";
}

/** Is a system call's result an error (-MAX_ERRNO ... -1)? */
export function IS_ERR_VALUE(r: bigint): boolean {
  return r < 0n && r >= -MAX_ERRNO;
}
