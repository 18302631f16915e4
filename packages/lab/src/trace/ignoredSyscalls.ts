/**
 * System calls a trace may carry that change nothing the VM model replays (file I/O, signals, identity,
 * time). The readers skip them silently; any other name they do not know is skipped with a warning.
 */
export const IGNORED_SYSCALLS: ReadonlySet<string> = new Set([
  'read', 'write', 'pread64', 'pwrite64', 'readv', 'writev', 'preadv', 'pwritev', 'preadv2', 'pwritev2',
  'open', 'openat', 'openat2', 'creat', 'close', 'close_range', 'dup', 'dup2', 'dup3', 'pipe', 'pipe2',
  'stat', 'fstat', 'lstat', 'newfstatat', 'statx', 'fstatat64', 'statfs', 'fstatfs', 'lseek', '_llseek',
  'access', 'faccessat', 'faccessat2', 'readlink', 'readlinkat', 'getdents', 'getdents64', 'ioctl', 'fcntl',
  'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2', 'mkdir', 'mkdirat', 'rmdir', 'chdir', 'fchdir',
  'getcwd', 'chmod', 'fchmod', 'fchmodat', 'chown', 'fchown', 'fchownat', 'umask', 'utimensat', 'ftruncate',
  'truncate', 'fsync', 'fdatasync', 'sync_file_range', 'fadvise64', 'fallocate', 'sendfile', 'copy_file_range',
  'poll', 'ppoll', 'select', 'pselect6', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait',
  'socket', 'connect', 'bind', 'listen', 'accept', 'accept4', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg',
  'socketpair', 'getsockname', 'getpeername', 'setsockopt', 'getsockopt', 'shutdown',
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigsuspend', 'sigaltstack', 'kill', 'tkill', 'tgkill',
  'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pidfd_open', 'pidfd_send_signal', 'pidfd_getfd', 'signalfd4',
  'getpid', 'getppid', 'gettid', 'getuid', 'geteuid', 'getgid', 'getegid', 'getresuid', 'getresgid',
  'setuid', 'setgid', 'setresuid', 'setresgid', 'getgroups', 'setgroups', 'setsid', 'setpgid', 'getpgid',
  'getpgrp', 'getsid', 'prctl', 'arch_prctl', 'set_tid_address', 'set_robust_list', 'get_robust_list', 'rseq',
  'prlimit64', 'getrlimit', 'setrlimit', 'getrusage', 'sysinfo', 'uname', 'getrandom', 'futex', 'futex_waitv',
  'nanosleep', 'clock_nanosleep', 'clock_gettime', 'clock_getres', 'gettimeofday', 'time', 'times',
  'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getparam', 'sched_getscheduler',
  'getpriority', 'setpriority', 'capget', 'capset', 'eventfd2', 'timerfd_create', 'timerfd_settime',
  'inotify_init1', 'inotify_add_watch', 'memfd_create', 'mincore', 'get_mempolicy', 'set_mempolicy', 'mbind',
  'membarrier', 'restart_syscall', 'alarm', 'pause',
]);
