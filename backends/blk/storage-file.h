/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the block storage (storage.c): opening the file or block device
 * and learning what it is, apart from the ring that does its I/O.
 */
#ifndef XVDM_BLK_STORAGE_FILE_H
#define XVDM_BLK_STORAGE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct storage_file {
	int fd;
	uint64_t size;	     /* bytes */
	uint32_t block_size; /* logical, bytes */
	bool can_punch;	     /* storage_can_punch() */
	bool in_ram;	     /* tmpfs or ramfs: I/O done inline (storage.h) */
};

/*
 * Opens path (O_CLOEXEC, O_RDWR or O_RDONLY) into f. On error returns
 * -errno with a message naming the path and the reason in err; f->fd may
 * then be open (the caller closes it).
 */
int storage_file_open(struct storage_file *f, const char *path, bool readonly,
		      char *err, size_t err_len) must_check;
/* Writes "path: what: reason" to err; returns rc (-errno). */
int storage_fail(char *err, size_t err_len, const char *path, const char *what,
		 int rc);

#endif
