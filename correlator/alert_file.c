/*
 * The file sink: each alert appended as one JSON line and fsync'ed before it
 * counts as delivered. The file is opened for each alert (alerts are rare),
 * so a logrotate rename needs no signal: the next alert creates a new file.
 * A short write (disk full) is cut back off, so a retry never leaves half a
 * line in front of the whole one.
 */
#include "alertd.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct file_sink {
	char *path;
};

/* fsync the directory holding path, so a newly created file survives a crash. */
static int
sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = -1;

	if (copy == NULL)
		return -1;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		rc = fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

static int
file_send(void *arg, const char *id, const char *json, size_t len,
    ronda_alert_done_fn done, void *ctx, char *err, size_t errlen)
{
	struct file_sink *f = arg;
	struct stat st;
	int fd, created = 0;
	size_t off = 0;
	char *line = NULL;

	(void)id;
	(void)done;
	(void)ctx;
	if ((fd = open(f->path, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1 && errno == ENOENT) {
		fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		created = 1;
	}
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
		return RONDA_SINK_FAILED;
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	/* The line with its newline in one write(), so readers never see it without. */
	if ((line = malloc(len + 1)) == NULL)
		goto fail;
	memcpy(line, json, len);
	line[len] = '\n';
	while (off < len + 1) {
		ssize_t w = write(fd, line + off, len + 1 - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto cut;
		off += (size_t)w;
	}
	if (fsync(fd) == -1)
		goto cut;
	free(line);
	/*
	 * The line is on disk: what follows cannot take it back, so a failure
	 * there must not make the dispatcher write it a second time.
	 */
	close(fd);
	if (created)
		(void)sync_dir(f->path);
	return RONDA_SINK_DONE;
cut:
	snprintf(err, errlen, "%s: write: %s", f->path, strerror(errno != 0 ? errno : EIO));
	/* Could not take the partial line back: end it, so the next one is whole. */
	if (off > 0 && ftruncate(fd, st.st_size) == -1 && write(fd, "\n", 1) != 1)
		snprintf(err, errlen, "%s: write: %s; a partial line stays", f->path,
		    strerror(errno));
	free(line);
	close(fd);
	return RONDA_SINK_FAILED;
fail:
	snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
	free(line);
	close(fd);
	return RONDA_SINK_FAILED;
}

static void
file_free(void *arg)
{
	struct file_sink *f = arg;

	if (f == NULL)
		return;
	free(f->path);
	free(f);
}

int
ronda_alert_file_new(struct ronda_alert_sink *out, const char *path, char *err,
    size_t errlen)
{
	struct file_sink *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->path = strdup(path)) == NULL) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "file");
	out->arg = f;
	out->send = file_send;
	out->free = file_free;
	return 0;
}
