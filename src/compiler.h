/* SPDX-License-Identifier: GPL-2.0-only */
/* Small compiler helpers shared by every module. */
#ifndef XVDM_COMPILER_H
#define XVDM_COMPILER_H

#include <stddef.h>

#define must_check __attribute__((warn_unused_result))
#define printf_like(fmt, args) __attribute__((format(printf, fmt, args)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
