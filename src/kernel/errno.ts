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
  ENXIO: 6n,
  E2BIG: 7n,
  ENOEXEC: 8n,
  EBADF: 9n,
  ECHILD: 10n,
  EAGAIN: 11n,
  ENOMEM: 12n,
  EACCES: 13n,
  EFAULT: 14n,
  EBUSY: 16n,
  EEXIST: 17n,
  EXDEV: 18n,
  ENODEV: 19n,
  ENOTDIR: 20n,
  EISDIR: 21n,
  EINVAL: 22n,
  ENFILE: 23n,
  EMFILE: 24n,
  ENOTTY: 25n,
  ETXTBSY: 26n,
  EFBIG: 27n,
  ENOSPC: 28n,
  ESPIPE: 29n,
  EROFS: 30n,
  EMLINK: 31n,
  EPIPE: 32n,
  ERANGE: 34n,
  EDEADLK: 35n,
  ENAMETOOLONG: 36n,
  ENOSYS: 38n,
  ENOTEMPTY: 39n,
  ELOOP: 40n,
  EOVERFLOW: 75n,
  EOPNOTSUPP: 95n,
  ETIMEDOUT: 110n,
  // The kernel's own restart codes (include/linux/errno.h): a system call interrupted by a
  // signal returns one; signal delivery turns it into EINTR or a restart, so user space never
  // sees them (strace shows them as "? ERESTARTSYS (To be restarted if SA_RESTART is set)").
  ERESTARTSYS: 512n,
  ERESTARTNOINTR: 513n,
  ERESTARTNOHAND: 514n,
  ERESTART_RESTARTBLOCK: 516n,
} as const;

export type ErrnoName = keyof typeof ERRNO;

export const {
  EPERM,
  ENOENT,
  ESRCH,
  EINTR,
  EIO,
  ENXIO,
  E2BIG,
  ENOEXEC,
  EBADF,
  ECHILD,
  EAGAIN,
  ENOMEM,
  EACCES,
  EFAULT,
  EBUSY,
  EEXIST,
  EXDEV,
  ENODEV,
  ENOTDIR,
  EISDIR,
  EINVAL,
  ENFILE,
  EMFILE,
  ENOTTY,
  ETXTBSY,
  EFBIG,
  ENOSPC,
  ESPIPE,
  EROFS,
  EMLINK,
  EPIPE,
  ERANGE,
  EDEADLK,
  ENAMETOOLONG,
  ENOSYS,
  ENOTEMPTY,
  ELOOP,
  EOVERFLOW,
  EOPNOTSUPP,
  ETIMEDOUT,
  ERESTARTSYS,
  ERESTARTNOINTR,
  ERESTARTNOHAND,
  ERESTART_RESTARTBLOCK,
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
  ENXIO: "No such device or address",
  E2BIG: "Argument list too long",
  ENOEXEC: "Exec format error",
  EBADF: "Bad file descriptor",
  ECHILD: "No child processes",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Bad address",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  EXDEV: "Invalid cross-device link",
  ENODEV: "No such device",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  ENOTTY: "Inappropriate ioctl for device",
  ETXTBSY: "Text file busy",
  EFBIG: "File too large",
  ENOSPC: "No space left on device",
  ESPIPE: "Illegal seek",
  EROFS: "Read-only file system",
  EMLINK: "Too many links",
  EPIPE: "Broken pipe",
  ERANGE: "Numerical result out of range",
  EDEADLK: "Resource deadlock avoided",
  ENAMETOOLONG: "File name too long",
  ENOSYS: "Function not implemented",
  ENOTEMPTY: "Directory not empty",
  ELOOP: "Too many levels of symbolic links",
  EOVERFLOW: "Value too large for defined data type",
  EOPNOTSUPP: "Operation not supported",
  ETIMEDOUT: "Connection timed out",
  ERESTARTSYS: "To be restarted if SA_RESTART is set",
  ERESTARTNOINTR: "To be restarted",
  ERESTARTNOHAND: "To be restarted if no handler",
  ERESTART_RESTARTBLOCK: "Interrupted by signal",
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
