/** Errno values by ABI; outcomes name errnos, expectations compare their values. */
const COMMON: Record<string, number> = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
};

const FREEBSD: Record<string, number> = { ...COMMON, EDEADLK: 11, EAGAIN: 35, EOPNOTSUPP: 45, ENOTSUP: 45, ENOSYS: 78 };
const OPENBSD: Record<string, number> = { ...COMMON, EDEADLK: 11, EAGAIN: 35, EOPNOTSUPP: 45, ENOTSUP: 91, ENOSYS: 78 };
const LINUX: Record<string, number> = { ...COMMON, EAGAIN: 11, EDEADLK: 35, ENOSYS: 38, EOPNOTSUPP: 95, ENOTSUP: 95 };

const TABLES: Record<string, Record<string, number>> = { freebsd: FREEBSD, openbsd: OPENBSD, linux: LINUX };

/** The numeric value of an errno name under an ABI, or undefined when the ABI has no such name. */
export function errnoValue(abi: string, name: string): number | undefined {
  return (TABLES[abi] ?? FREEBSD)[name];
}
