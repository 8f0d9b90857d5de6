/*
 * File descriptors of a Linux process: 0-2 are the console (a terminal),
 * read-only files from a small built-in table (/etc/passwd, which Linux's
 * protection_keys reads into a key-protected buffer and expects EFAULT),
 * /dev/null (read: end of file; write: every byte taken, as Linux's
 * drivers/char/mem.c), and pipes (64 KiB each, as Linux's default, shared
 * across fork).  A read of an
 * empty pipe that has a writer, and a write to a full one, block as in
 * Linux (O_NONBLOCK: EAGAIN), a signal ending the wait; a write with no
 * reader left is EPIPE and SIGPIPE.  Every copy to or from the process
 * obeys its PKRU, as in Linux.
 */
#include <kernel/console.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include "proc.h"

#define COPY_CHUNK	256
#define PIPE_BUF_SIZE	65536	/* Linux's default pipe capacity */
#define PIPE_BUF	4096	/* writes up to this size are atomic */
#define NR_PIPES	4
#define NR_PROC_SNAPSHOTS 4	/* open /proc files at a time, in the whole run */
#define PROC_SNAPSHOT_SIZE 4096
#define PROC_SELF_MAPS	"/proc/self/maps"
#define AT_FDCWD	(-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_NO_AUTOMOUNT	0x800
#define AT_EMPTY_PATH	0x1000
#define AT_STATX_SYNC_TYPE 0x6000
#define O_ACCMODE	3
#define O_RDONLY	0
#define O_CREAT		0100
#define O_EXCL		0200
#define O_TRUNC		01000
#define O_DIRECTORY	0200000
#define O_PATH		010000000
#define __O_TMPFILE	020000000
#define O_NOTIFICATION_PIPE O_EXCL
#define SEEK_DATA	3
#define SEEK_HOLE	4
#define FIONREAD	0x541b
#define FIONBIO		0x5421
#define FIONCLEX	0x5450
#define FIOCLEX		0x5451
#define SPLICE_F_NONBLOCK 0x02
#define SPLICE_F_ALL	0x0f
#define S_IFCHR		0020000
#define S_IFREG		0100000
#define S_IFIFO		0010000
#define TTY_RDEV	0x8800	/* makedev(136, 0): /dev/pts/0 */
#define NULL_RDEV	0x103	/* makedev(1, 3): /dev/null */
#define DEV_NULL	"/dev/null"
#define TCGETS		0x5401
#define TIOCGWINSZ	0x5413
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#define LX_EAGAIN	11
#define LX_EPIPE	32
#define LX_SIGPIPE	13
#define O_NONBLOCK	04000
#define O_DIRECT	040000
#define O_CLOEXEC	02000000
#define LX_EACCES	13
#define LX_EMFILE	24

struct builtin_file {
	const char *path;
	const char *data;
};

static const struct builtin_file builtin_files[] = {
	{ "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
			 "pkrulab:x:1000:1000:pkrulab:/:/bin/sh\n" },
};

struct pipe {
	bool used;
	u32 head, len;
	int readers, writers;
	u8 buf[PIPE_BUF_SIZE];
};

static struct pipe pipes[NR_PIPES];

/* An open /proc file: its text as of open, shared by the descriptors fork copied. */
struct proc_snapshot {
	int users;
	u64 len;
	char text[PROC_SNAPSHOT_SIZE];
};

static struct proc_snapshot proc_snapshots[NR_PROC_SNAPSHOTS];

static struct linux_file *fd_get(long fd)
{
	struct linux_proc *p = lx_current();

	return fd >= 0 && fd < LINUX_NR_FDS && p->fds[fd].kind != LXF_NONE ? &p->fds[fd] : NULL;
}

enum linux_file_kind lx_fd_kind(long fd)
{
	struct linux_file *f = fd_get(fd);

	return f ? f->kind : LXF_NONE;
}

static long fd_alloc(enum linux_file_kind kind)
{
	struct linux_proc *p = lx_current();

	/* RLIMIT_NOFILE: its soft limit bounds the descriptors, as in Linux. */
	for (int fd = 0; fd < LINUX_NR_FDS && (u64)fd < p->rlimits[7][0]; fd++)
		if (p->fds[fd].kind == LXF_NONE) {
			p->fds[fd] = (struct linux_file){ .kind = kind };
			return fd;
		}
	return -LX_EMFILE;
}

void lx_files_init(struct linux_proc *p)
{
	for (int fd = 0; fd <= 2; fd++)
		p->fds[fd].kind = LXF_CONSOLE;
}

static void fd_release(struct linux_file *f)
{
	if (f->kind == LXF_PIPE_R || f->kind == LXF_PIPE_W) {
		struct pipe *pp = &pipes[f->index];

		if (f->kind == LXF_PIPE_R)
			pp->readers--;
		else
			pp->writers--;
		if (!pp->readers && !pp->writers)
			pp->used = false;
	}
	if (f->kind == LXF_PROC)
		proc_snapshots[f->index].users--;
	f->kind = LXF_NONE;
}

/* fork: the same open files, each pipe end counted once more. */
void lx_files_fork(struct linux_proc *child, const struct linux_proc *parent)
{
	for (int fd = 0; fd < LINUX_NR_FDS; fd++) {
		const struct linux_file *f = &parent->fds[fd];

		child->fds[fd] = *f;
		if (f->kind == LXF_PIPE_R)
			pipes[f->index].readers++;
		else if (f->kind == LXF_PIPE_W)
			pipes[f->index].writers++;
		else if (f->kind == LXF_PROC)
			proc_snapshots[f->index].users++;
	}
}

/* execve: the close-on-exec descriptors go (do_close_on_exec()). */
void lx_files_exec(struct linux_proc *p)
{
	for (int fd = 0; fd < LINUX_NR_FDS; fd++)
		if (p->fds[fd].kind != LXF_NONE && p->fds[fd].cloexec)
			fd_release(&p->fds[fd]);
}

void lx_files_exit(struct linux_proc *p)
{
	for (int fd = 0; fd < LINUX_NR_FDS; fd++)
		if (p->fds[fd].kind != LXF_NONE)
			fd_release(&p->fds[fd]);
}

/* ---- console ------------------------------------------------------------- */

static long console_out(u64 ubuf, u64 len)
{
	char buf[COPY_CHUNK];
	u64 done = 0;

	while (done < len) {
		u64 n = len - done > sizeof(buf) ? sizeof(buf) : len - done;

		/* With the caller's PKRU: a buffer it denies is -EFAULT, as in Linux. */
		if (copy_from_user(buf, ubuf + done, n))
			return done ? (long)done : -LX_EFAULT;
		lx_console_write(lx_current(), buf, n);
		done += n;
	}
	return done;
}

/* ---- pipes ----------------------------------------------------------------- */

/*
 * Wait for the other end: one tick's sleep, after which the caller looks
 * again (the writer or reader is another process, and a close counts
 * too).  A signal ends the wait: -ERESTARTSYS, which a handler with
 * SA_RESTART turns into a restart, as Linux's pipe_read/pipe_write.
 */
static long pipe_wait(void)
{
	if (current->sig.pending & ~current->sig.blocked)
		return -LX_ERESTARTSYS;
	current->wake_tick = jiffies + 1;
	current->state = TASK_SLEEPING;
	schedule();
	return 0;
}

/* Up to PIPE_BUF bytes go in at once or not at all, as POSIX wants. */
static long pipe_write(struct linux_file *f, struct pipe *pp, u64 ubuf, u64 len)
{
	u64 done = 0;
	long err;

	while (done < len) {
		u64 room = PIPE_BUF_SIZE - pp->len, want = len - done;

		if (!pp->readers) {
			signal_queue(current, LX_SIGPIPE, lx_current()->pid);
			return done ? (long)done : -LX_EPIPE;
		}
		if (!room || (len <= PIPE_BUF && room < want)) {
			if (f->nonblock)
				return done ? (long)done : -LX_EAGAIN;
			if ((err = pipe_wait()))
				return done ? (long)done : err;
			continue;
		}
		for (u64 n = want < room ? want : room; n; n--) {
			u32 tail = (pp->head + pp->len) % PIPE_BUF_SIZE;
			u8 c;

			if (copy_from_user(&c, ubuf + done, 1))
				return done ? (long)done : -LX_EFAULT;
			pp->buf[tail] = c;
			pp->len++;
			done++;
		}
	}
	return done;
}

static long pipe_read(struct linux_file *f, struct pipe *pp, u64 ubuf, u64 len)
{
	u64 done = 0;
	long err;

	while (len && !pp->len && pp->writers) {
		if (f->nonblock)
			return -LX_EAGAIN;
		if ((err = pipe_wait()))
			return err;
	}
	while (done < len && pp->len) {
		if (copy_to_user(ubuf + done, &pp->buf[pp->head], 1))
			return done ? (long)done : -LX_EFAULT;
		pp->head = (pp->head + 1) % PIPE_BUF_SIZE;
		pp->len--;
		done++;
	}
	return done;
}

static long do_pipe2(u64 ufds, u64 flags)
{
	int i, fds[2];
	long r, w;

	/* O_DIRECT (packet mode) is not implemented: refused, named, rather than ignored. */
	if (flags & ~(u64)(O_NONBLOCK | O_CLOEXEC | O_DIRECT | O_NOTIFICATION_PIPE))
		return -LX_EINVAL;
	if (flags & O_DIRECT)
		return lx_refuse("pipe2 O_DIRECT", -LX_EINVAL, "pipe2 flag O_DIRECT (packet mode)");
	/* A watch queue: Debian's 6.12 answers ENOPKG (no CONFIG_WATCH_QUEUE), and so here. */
	if (flags & O_NOTIFICATION_PIPE)
		return -65;		/* ENOPKG */

	for (i = 0; i < NR_PIPES && pipes[i].used; i++)
		;
	if (i == NR_PIPES)
		return -23;		/* ENFILE */
	r = fd_alloc(LXF_PIPE_R);
	if (r < 0)
		return r;
	w = fd_alloc(LXF_PIPE_W);
	if (w < 0) {
		lx_current()->fds[r].kind = LXF_NONE;
		return w;
	}
	fds[0] = r;
	fds[1] = w;
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		lx_current()->fds[r].kind = lx_current()->fds[w].kind = LXF_NONE;
		return -LX_EFAULT;
	}
	pipes[i] = (struct pipe){ .used = true, .readers = 1, .writers = 1 };
	lx_current()->fds[r].index = lx_current()->fds[w].index = i;
	lx_current()->fds[r].nonblock = lx_current()->fds[w].nonblock = flags & O_NONBLOCK;
	lx_current()->fds[r].cloexec = lx_current()->fds[w].cloexec = flags & O_CLOEXEC;
	return 0;
}

long sys_pipe(struct pt_regs *r) { return do_pipe2(r->rdi, 0); }
long sys_pipe2(struct pt_regs *r) { return do_pipe2(r->rdi, r->rsi); }

/* ---- read, write, open, close ---------------------------------------------- */

/* One write to a console or pipe descriptor. */
static long fd_write(struct linux_file *f, u64 ubuf, u64 len)
{
	switch (f->kind) {
	case LXF_CONSOLE:
		return console_out(ubuf, len);
	case LXF_PIPE_W:
		return pipe_write(f, &pipes[f->index], ubuf, len);
	case LXF_NULL:
		return len;	/* write_null(): taken without looking at the buffer */
	default:
		return -LX_EBADF;
	}
}

/* writev, and vmsplice (its pipe side): each struct iovec in turn. */
static long fd_write_iov(struct linux_file *f, u64 uiov, u64 cnt)
{
	u64 iov[2], total = 0;
	long n;

	if (cnt > 1024)
		return -LX_EINVAL;
	for (u64 i = 0; i < cnt; i++) {
		if (copy_from_user(iov, uiov + 16 * i, sizeof(iov)))
			return -LX_EFAULT;
		n = fd_write(f, iov[0], iov[1]);
		if (n < 0)
			return total ? (long)total : n;
		total += n;
	}
	return total;
}

long sys_write(struct pt_regs *r)
{
	struct linux_file *f = fd_get((long)(int)r->rdi);

	return f ? fd_write(f, r->rsi, r->rdx) : -LX_EBADF;
}

long sys_writev(struct pt_regs *r)
{
	struct linux_file *f = fd_get((long)(int)r->rdi);

	return f ? fd_write_iov(f, r->rsi, r->rdx) : -LX_EBADF;
}

/* readv: /dev/null and the console are at end of file; other kinds, one buffer at a time. */
long sys_readv(struct pt_regs *r)
{
	struct linux_file *f = fd_get((long)(int)r->rdi);
	u64 iov[2];

	if (!f)
		return -LX_EBADF;
	if (r->rdx > 1024)
		return -LX_EINVAL;
	if (f->kind == LXF_NULL || f->kind == LXF_CONSOLE || !r->rdx)
		return 0;
	if (copy_from_user(iov, r->rsi, sizeof(iov)))
		return -LX_EFAULT;
	return lx_refuse("readv", -LX_EINVAL, "readv of a pipe or file (one read() each)");
}

/*
 * vmsplice into a pipe: Linux pins the pages with get_user_pages, which
 * honours the caller's protection keys -- so a key-denied buffer is
 * EFAULT.  Here the bytes are copied in (what they are matters to no test).
 */
long sys_vmsplice(struct pt_regs *r)
{
	struct linux_file *f = fd_get((long)(int)r->rdi), nb;

	if (r->r10 & ~(u64)SPLICE_F_ALL)
		return -LX_EINVAL;
	if (!f)
		return -LX_EBADF;
	if (f->kind == LXF_PIPE_R)
		return lx_refuse("vmsplice read", -LX_EINVAL,
				 "vmsplice from a pipe's read end (into memory)");
	if (f->kind != LXF_PIPE_W)
		return -LX_EBADF;
	/* SPLICE_F_NONBLOCK: this call does not wait; MOVE, MORE, GIFT are hints. */
	nb = *f;
	nb.nonblock |= !!(r->r10 & SPLICE_F_NONBLOCK);
	return fd_write_iov(&nb, r->rsi, r->rdx);
}

/* The bytes behind a file descriptor of a built-in or /proc file, and their length. */
static const char *file_data(const struct linux_file *f, u64 *size)
{
	if (f->kind == LXF_PROC) {
		*size = proc_snapshots[f->index].len;
		return proc_snapshots[f->index].text;
	}
	*size = strlen(builtin_files[f->index].data);
	return builtin_files[f->index].data;
}

static long file_read(struct linux_file *f, u64 ubuf, u64 len)
{
	u64 size, n;
	const char *data = file_data(f, &size);

	if (f->pos >= size)
		return 0;
	n = size - f->pos < len ? size - f->pos : len;
	if (copy_to_user(ubuf, data + f->pos, n))
		return -LX_EFAULT;	/* e.g. a buffer the caller's PKRU denies */
	f->pos += n;
	return n;
}

long sys_read(struct pt_regs *r)
{
	struct linux_file *f = fd_get((long)(int)r->rdi);

	if (!f)
		return -LX_EBADF;
	switch (f->kind) {
	case LXF_CONSOLE:
	case LXF_NULL:
		return 0;		/* no input: end of file */
	case LXF_FILE:
	case LXF_PROC:
		return file_read(f, r->rsi, r->rdx);
	case LXF_PIPE_R:
		return pipe_read(f, &pipes[f->index], r->rsi, r->rdx);
	default:
		return -LX_EBADF;
	}
}

/* A path from user memory; -EFAULT, or the index of the built-in file (-1: none). */
static long path_lookup(u64 upath, char *path, unsigned size)
{
	memset(path, 0, size);
	for (unsigned i = 0; i < size - 1; i++) {
		if (copy_from_user(&path[i], upath + i, 1))
			return -LX_EFAULT;
		if (!path[i])
			break;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(builtin_files); i++)
		if (!strcmp(path, builtin_files[i].path))
			return i;
	return -1;
}

/* What open() says of flags an existing file that is no directory refuses (0: none). */
static long open_existing_flags(u64 flags)
{
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -LX_EEXIST;
	if ((flags & O_DIRECTORY) || (flags & __O_TMPFILE))
		return -LX_ENOTDIR;
	if (flags & O_PATH)
		return lx_refuse("open O_PATH", -LX_EINVAL, "open flag O_PATH (a path-only descriptor)");
	return 0;
}

/* /dev/null: crw-rw-rw-, so every access mode; O_TRUNC does nothing to a device. */
static long open_null(u64 flags)
{
	long err = open_existing_flags(flags);

	return err ? err : fd_alloc(LXF_NULL);
}

/* /proc/self/maps: r--r--r--, read-only for everyone (EACCES to write, as Linux). */
static long open_proc_maps(u64 flags)
{
	long fd;
	int i;

	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -LX_EEXIST;
	if ((flags & O_DIRECTORY) || (flags & __O_TMPFILE))
		return -LX_ENOTDIR;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return -LX_EACCES;
	for (i = 0; i < NR_PROC_SNAPSHOTS && proc_snapshots[i].users; i++)
		;
	if (i == NR_PROC_SNAPSHOTS)
		return lx_refuse("open /proc", -LX_ENOMEM, "more than %d open /proc files",
				 NR_PROC_SNAPSHOTS);
	fd = fd_alloc(LXF_PROC);
	if (fd < 0)
		return fd;
	proc_snapshots[i].users = 1;
	proc_snapshots[i].len = lx_proc_maps(lx_current(), proc_snapshots[i].text,
					     PROC_SNAPSHOT_SIZE);
	lx_current()->fds[fd].index = i;
	return fd;
}

/*
 * open/openat of the read-only built-in files, with Linux's checks
 * (build_open_flags(), do_open()): O_TRUNC wants write access; O_CREAT|O_EXCL
 * of an existing file is EEXIST; O_DIRECTORY of a file ENOTDIR; O_TMPFILE
 * wants write access and a directory.  O_CLOEXEC marks the descriptor
 * (sys_open()); O_NONBLOCK, O_NOCTTY, O_NOFOLLOW (no symbolic links), O_LARGEFILE, O_SYNC, O_DSYNC,
 * O_DIRECT, O_NOATIME and O_APPEND change nothing for a read-only
 * in-memory file; unknown bits Linux's open() ignores too.
 */
static long do_open(long dirfd, u64 upath, u64 flags)
{
	char path[64];
	long fd, i = path_lookup(upath, path, sizeof(path));

	if (i == -LX_EFAULT)
		return i;
	if ((flags & __O_TMPFILE) &&
	    ((flags & (__O_TMPFILE | O_DIRECTORY)) != (__O_TMPFILE | O_DIRECTORY) ||
	     (flags & O_ACCMODE) == O_RDONLY || (flags & O_CREAT)))
		return -LX_EINVAL;
	if (path[0] != '/' && dirfd != AT_FDCWD && !fd_get(dirfd))
		return -LX_EBADF;
	if (!strcmp(path, DEV_NULL))
		return open_null(flags);
	if (!strcmp(path, PROC_SELF_MAPS))
		return open_proc_maps(flags);
	if (i < 0 || (path[0] != '/' && dirfd != AT_FDCWD)) {
		/* A new file: there is no writable file system here. */
		if ((flags & O_CREAT) && path[0])
			return lx_refuse("open O_CREAT", -LX_EROFS, "open flag O_CREAT of a new file "
					 "(no writable file system)");
		return -LX_ENOENT;
	}
	if ((fd = open_existing_flags(flags)))
		return fd;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return -LX_EACCES;	/* read-only, as /etc/passwd for a user */
	fd = fd_alloc(LXF_FILE);
	if (fd >= 0)
		lx_current()->fds[fd].index = i;
	return fd;
}

/* readlink: no symbolic links here; a file that exists is not one (EINVAL). */
static long do_readlink(long dirfd, u64 upath, long size)
{
	char path[64];
	long i = path_lookup(upath, path, sizeof(path));

	if (i == -LX_EFAULT)
		return i;
	if (size <= 0)
		return -LX_EINVAL;
	if (path[0] != '/' && dirfd != AT_FDCWD && !fd_get(dirfd))
		return -LX_EBADF;
	return i >= 0 ? -LX_EINVAL : -LX_ENOENT;
}

long sys_readlink(struct pt_regs *r) { return do_readlink(AT_FDCWD, r->rdi, (long)(int)r->rdx); }
long sys_readlinkat(struct pt_regs *r)
{
	return do_readlink((long)(int)r->rdi, r->rsi, (long)(int)r->r10);
}

/* The new descriptor with O_CLOEXEC: execve closes it (lx_files_exec()). */
static long open_cloexec(long fd, u64 flags)
{
	if (fd >= 0)
		lx_current()->fds[fd].cloexec = flags & O_CLOEXEC;
	return fd;
}

long sys_open(struct pt_regs *r) { return open_cloexec(do_open(AT_FDCWD, r->rdi, r->rsi), r->rsi); }

long sys_openat(struct pt_regs *r)
{
	return open_cloexec(do_open((long)(int)r->rdi, r->rsi, r->rdx), r->rdx);
}

long sys_close(struct pt_regs *r)
{
	struct linux_file *f = fd_get((long)(int)r->rdi);

	if (!f)
		return -LX_EBADF;
	fd_release(f);
	return 0;
}

long sys_lseek(struct pt_regs *r)
{
	struct linux_file *f = fd_get((long)(int)r->rdi);
	long off = (long)r->rsi, base;

	if (!f)
		return -LX_EBADF;
	if (f->kind == LXF_NULL)
		return 0;		/* null_lseek(): the position stays 0 */
	if (f->kind == LXF_PROC) {
		/* seq_lseek(): from the start or from here; no end to seek from. */
		base = r->rdx == SEEK_SET ? 0 : r->rdx == SEEK_CUR ? (long)f->pos : -1;
		if (base < 0 || base + off < 0)
			return -LX_EINVAL;
		f->pos = base + off;
		return f->pos;
	}
	if (f->kind != LXF_FILE)
		return -LX_ESPIPE;
	switch (r->rdx) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->pos; break;
	case SEEK_END: base = strlen(builtin_files[f->index].data); break;
	case SEEK_DATA:
	case SEEK_HOLE:
		/* No holes: data up to the end, the one hole at it (generic_file_llseek). */
		base = strlen(builtin_files[f->index].data);
		if (off < 0 || off >= base)
			return -LX_ENXIO;
		f->pos = r->rdx == SEEK_DATA ? off : base;
		return f->pos;
	default: return -LX_EINVAL;
	}
	if (base + off < 0)
		return -LX_EINVAL;
	f->pos = base + off;
	return f->pos;
}

long sys_ioctl(struct pt_regs *r)
{
	/* The console is a terminal: stdio line-buffers it. */
	static const u32 termios[9] = { 0x500, 0x5, 0xbf, 0x8a3b };
	static const u16 winsize[4] = { 24, 80, 0, 0 };
	struct linux_file *f = fd_get((long)(int)r->rdi);

	int n;

	if (!f)
		return -LX_EBADF;
	/* Every descriptor's (do_vfs_ioctl()): close-on-exec, O_NONBLOCK. */
	switch ((u32)r->rsi) {
	case FIOCLEX:
	case FIONCLEX:
		f->cloexec = (u32)r->rsi == FIOCLEX;
		return 0;
	case FIONBIO:
		if (copy_from_user(&n, r->rdx, sizeof(n)))
			return -LX_EFAULT;
		f->nonblock = n != 0;
		return 0;
	case FIONREAD:
		if (f->kind == LXF_PIPE_R || f->kind == LXF_PIPE_W)
			n = pipes[f->index].len;
		else if (f->kind == LXF_FILE)
			n = f->pos < strlen(builtin_files[f->index].data) ?
				    strlen(builtin_files[f->index].data) - f->pos : 0;
		else
			n = 0;		/* the console has no input */
		return copy_to_user(r->rdx, &n, sizeof(n)) ? -LX_EFAULT : 0;
	}
	if (f->kind != LXF_CONSOLE)
		return -LX_ENOTTY;
	switch ((u32)r->rsi) {
	case TCGETS:
		return copy_to_user(r->rdx, termios, 36) ? -LX_EFAULT : 0;
	case TIOCGWINSZ:
		return copy_to_user(r->rdx, winsize, sizeof(winsize)) ? -LX_EFAULT : 0;
	}
	/* The terminal's other requests (0x54xx): a real tty has them. */
	if (((u32)r->rsi & 0xff00) == 0x5400)
		return lx_refuse("ioctl tty", -LX_ENOTTY, "ioctl request %#x on the terminal",
				 (u32)r->rsi);
	return -LX_ENOTTY;
}

/* struct stat of x86-64 (144 bytes). */
static long stat_fd(struct linux_file *f, u64 ubuf)
{
	u64 st[18] = { 0 };

	st[0] = 0x16;					/* st_dev */
	st[1] = 3 + (u64)f->kind * 16 + f->index;	/* st_ino */
	st[2] = 1;					/* st_nlink */
	st[7] = 4096;					/* st_blksize */
	switch (f->kind) {
	case LXF_CONSOLE:
		st[3] = S_IFCHR | 0620 | (u64)LINUX_UID << 32;	/* st_mode, st_uid */
		st[4] = 5;					/* st_gid (tty) */
		st[5] = TTY_RDEV;				/* st_rdev */
		st[7] = 1024;
		break;
	case LXF_PROC:
		st[3] = S_IFREG | 0444;			/* size 0, as procfs says */
		st[7] = 1024;
		break;
	case LXF_NULL:
		st[3] = S_IFCHR | 0666;
		st[5] = NULL_RDEV;
		break;
	case LXF_FILE:
		st[3] = S_IFREG | 0644;
		st[6] = strlen(builtin_files[f->index].data);	/* st_size */
		st[8] = 8;					/* st_blocks */
		break;
	default:
		st[3] = S_IFIFO | 0600 | (u64)LINUX_UID << 32;
		break;
	}
	return copy_to_user(ubuf, st, sizeof(st)) ? -LX_EFAULT : 0;
}

long sys_fstat(struct pt_regs *r)
{
	struct linux_file *f = fd_get((long)(int)r->rdi);

	return f ? stat_fd(f, r->rsi) : -LX_EBADF;
}

long sys_newfstatat(struct pt_regs *r)
{
	struct linux_file *f, tmp;
	char path[64];
	long i, dirfd = (long)(int)r->rdi;

	if (r->r10 & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH |
			    AT_STATX_SYNC_TYPE))
		return -LX_EINVAL;
	i = path_lookup(r->rsi, path, sizeof(path));
	if (i == -LX_EFAULT)
		return i;
	if (!path[0]) {
		if (!(r->r10 & AT_EMPTY_PATH))
			return -LX_ENOENT;
		f = fd_get(dirfd);
		return f ? stat_fd(f, r->rdx) : -LX_EBADF;
	}
	if (path[0] != '/' && dirfd != AT_FDCWD)
		return fd_get(dirfd) ? -LX_ENOENT : -LX_EBADF;
	if (i < 0)
		return -LX_ENOENT;	/* no directories, no other files (README) */
	/* No symbolic links: AT_SYMLINK_NOFOLLOW changes nothing. */
	tmp = (struct linux_file){ .kind = LXF_FILE, .index = (int)i };
	return stat_fd(&tmp, r->rdx);
}
