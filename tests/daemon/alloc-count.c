// SPDX-License-Identifier: GPL-2.0-only
/*
 * Preloaded into the daemon under test: counts every heap allocation
 * (malloc, calloc, realloc, and the aligned family) in a counter shared
 * through the file named by XVDM_ALLOC_COUNT, so a test can read it at any
 * moment and prove that steady-state I/O allocates nothing. Allocation
 * itself is glibc's, untouched.
 */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);

/* The shared counter; NULL until the constructor ran (then not counted). */
static uint64_t *allocs;

static void count(void)
{
	if (allocs)
		__atomic_add_fetch(allocs, 1, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void alloc_count_init(void)
{
	const char *path = getenv("XVDM_ALLOC_COUNT");
	void *p;
	int fd;

	if (!path)
		return;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	p = mmap(NULL, sizeof(*allocs), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	close(fd);
	if (p != MAP_FAILED)
		allocs = p;
}

void *malloc(size_t size)
{
	count();
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	count();
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	count();
	return __libc_realloc(p, size);
}

void *memalign(size_t align, size_t size)
{
	count();
	return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	count();
	return __libc_memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	count();
	p = __libc_memalign(align, size);
	if (!p && size)
		return ENOMEM;
	*out = p;
	return 0;
}
