/*
 * test_config.c — ronda_cfg_check_trusted (StrictModes for configuration
 * and rule files): modes, owners, folders above the file, symlinked paths,
 * and ronda_cfg_load refusing an untrusted file with one clear line.
 * The owner and foreign-group cases need root (chown) and skip otherwise.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ronda/config.h"

static char tmpdir[64];
static char file[128];

static int
setup(void **state)
{
	FILE *fp;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ronda-test-config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(file, sizeof(file), "%s/c.yaml", tmpdir);
	if ((fp = fopen(file, "w")) == NULL)
		return -1;
	fputs("name: x\n", fp);
	fclose(fp);
	chmod(file, 0644);
	chmod(tmpdir, 0700);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ronda_cfg_check_trusted on path; err gets the message. */
static int
check(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	assert_true(fd >= 0);
	err[0] = '\0';
	rc = ronda_cfg_check_trusted(fd, path, err, errlen);
	close(fd);
	return rc;
}

static void
good_file_is_trusted(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(check(file, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	chmod(file, 0600);
	assert_int_equal(check(file, err, sizeof(err)), 0);
	chmod(file, 0644);
}

static void
writable_by_others_refused(void **state)
{
	char err[512], want[512];

	(void)state;
	chmod(file, 0666);
	assert_int_equal(check(file, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: writable by others (mode 0666); chmod go-w %s",
	    file, file);
	assert_string_equal(err, want);
	chmod(file, 0602);
	assert_int_equal(check(file, err, sizeof(err)), -1);
	chmod(file, 0644);
}

static void
writable_by_foreign_group_refused(void **state)
{
	char err[512], want[512];

	(void)state;
	if (geteuid() != 0)
		skip();
	/* A group nobody is named for: certainly not the owner's private one. */
	assert_int_equal(chown(file, 0, 54321), 0);
	chmod(file, 0664);
	assert_int_equal(check(file, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: writable by group 54321 (mode 0664); chmod g-w %s",
	    file, file);
	assert_string_equal(err, want);
	chmod(file, 0644);	/* readable by that group is fine */
	assert_int_equal(check(file, err, sizeof(err)), 0);
	assert_int_equal(chown(file, 0, 0), 0);
}

static void
foreign_owner_refused(void **state)
{
	char err[512];

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(chown(file, 65534, 65534), 0);
	assert_int_equal(check(file, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ": owned by uid 65534"));
	assert_non_null(strstr(err, "not by root or the user running ronda (uid 0)"));
	assert_int_equal(chown(file, 0, 0), 0);
	assert_int_equal(check(file, err, sizeof(err)), 0);
}

static void
writable_folder_refused_sticky_allowed(void **state)
{
	char err[512], want[512];

	(void)state;
	chmod(tmpdir, 0777);
	assert_int_equal(check(file, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: folder %s is writable by others (mode 0777); "
	    "chmod go-w %s", file, tmpdir, tmpdir);
	assert_string_equal(err, want);
	/* Sticky (like /tmp): others may add files, not replace ours. */
	chmod(tmpdir, 01777);
	assert_int_equal(check(file, err, sizeof(err)), 0);
	chmod(tmpdir, 0700);
}

static void
symlink_in_writable_folder_refused(void **state)
{
	char evil[160], link[200], err[512];

	(void)state;
	snprintf(evil, sizeof(evil), "%s/drop", tmpdir);
	assert_int_equal(mkdir(evil, 0777), 0);
	chmod(evil, 0777);
	snprintf(link, sizeof(link), "%s/c.yaml", evil);
	assert_int_equal(symlink(file, link), 0);
	/* The target is fine; the folder holding the link is not. */
	assert_int_equal(check(link, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "folder"));
	assert_non_null(strstr(err, "/drop is writable by others"));
	chmod(evil, 0755);
	assert_int_equal(check(link, err, sizeof(err)), 0);
	unlink(link);
	rmdir(evil);
}

static void
relative_path_and_folder_fd(void **state)
{
	char err[512], cwd[512];
	int fd;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(check("c.yaml", err, sizeof(err)), 0);
	chmod("c.yaml", 0666);
	assert_int_equal(check("c.yaml", err, sizeof(err)), -1);
	assert_string_equal(err, "c.yaml: writable by others (mode 0666); chmod go-w c.yaml");
	chmod("c.yaml", 0644);
	assert_int_equal(chdir(cwd), 0);

	/* A rule folder is checked like a file. */
	fd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(ronda_cfg_check_trusted(fd, tmpdir, err, sizeof(err)), 0);
	chmod(tmpdir, 0777);
	assert_int_equal(ronda_cfg_check_trusted(fd, tmpdir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "writable by others (mode 0777)"));
	chmod(tmpdir, 0700);
	close(fd);
}

struct tiny {
	char *name;
};

static const struct ronda_cfg_key tiny_keys[] = {
	{ "name", RONDA_CFG_STR, NULL, 0, 0, offsetof(struct tiny, name), "a name", 0,
	  NULL, NULL, 0, NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

static void
load_refuses_untrusted_file(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct tiny t = { 0 };
	char want[512];

	(void)state;
	assert_int_equal(ronda_cfg_load(file, tiny_keys, &t, &errs), 0);
	assert_string_equal(t.name, "x");
	ronda_cfg_free(tiny_keys, &t);

	chmod(file, 0646);
	memset(&t, 0, sizeof(t));
	assert_int_equal(ronda_cfg_load(file, tiny_keys, &t, &errs), -1);
	assert_int_equal(errs.n, 1);
	snprintf(want, sizeof(want), "%s: writable by others (mode 0646); chmod go-w %s",
	    file, file);
	assert_string_equal(errs.v[0], want);
	assert_null(t.name);	/* nothing was read from it */
	ronda_cfg_errors_free(&errs);
	ronda_cfg_free(tiny_keys, &t);
	chmod(file, 0644);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file_is_trusted),
		cmocka_unit_test(writable_by_others_refused),
		cmocka_unit_test(writable_by_foreign_group_refused),
		cmocka_unit_test(foreign_owner_refused),
		cmocka_unit_test(writable_folder_refused_sticky_allowed),
		cmocka_unit_test(symlink_in_writable_folder_refused),
		cmocka_unit_test(relative_path_and_folder_fd),
		cmocka_unit_test(load_refuses_untrusted_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
