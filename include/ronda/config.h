/*
 * config.h — strict YAML configuration loading from key tables.
 *
 * Each daemon describes its config as tables of struct ronda_cfg_key
 * {name, type, default, min, max, offsetof, help}. The loader reads a YAML
 * file with libyaml, applies the tables, and reports every problem as
 * "file:line: key: message" (unknown keys, wrong types, out of range, missing
 * required keys), so an admin fixes them all in one pass.
 *
 *   static const struct ronda_cfg_key kafka_keys[] = {
 *       { "brokers", RONDA_CFG_STR, "127.0.0.1:9092", 0, 0,
 *         offsetof(struct kafka_cfg, brokers), "bootstrap servers" },
 *       { NULL }
 *   };
 */
#ifndef RONDA_CONFIG_H
#define RONDA_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum ronda_cfg_type {
	RONDA_CFG_STR,		/* char * (owned by the struct) */
	RONDA_CFG_INT,		/* int64_t, range min..max when min < max */
	RONDA_CFG_BOOL,		/* int: true/false/yes/no/on/off */
	RONDA_CFG_ENUM,		/* int: index into .enums */
	RONDA_CFG_DURATION,	/* int64_t milliseconds: "500ms", "30s", "5m", "2h", "1d" or seconds */
	RONDA_CFG_SIZE,		/* int64_t bytes: "64k", "16M", "1G" or bytes */
	RONDA_CFG_STRLIST,	/* struct ronda_strlist: a sequence of strings, or one string */
	RONDA_CFG_MAP,		/* struct ronda_kvlist: a mapping of scalars (e.g. librdkafka properties) */
	RONDA_CFG_SECTION,	/* a nested mapping parsed with .sub at offset .off */
	RONDA_CFG_LIST,		/* struct ronda_cfg_array of .elem_size elements, each a mapping (.sub) */
};

#define RONDA_CFG_REQUIRED 0x1	/* a missing key is an error */

struct ronda_strlist {
	char **v;
	size_t n;
};

struct ronda_kvlist {
	char **k;
	char **v;
	size_t n;
};

struct ronda_cfg_array {
	void *v;		/* n elements of elem_size bytes */
	size_t n;
};

struct ronda_cfg_ctx;

struct ronda_cfg_key {
	const char *name;
	int type;
	const char *def;	/* default as text (parsed like YAML input); NULL = none */
	int64_t min, max;	/* INT/DURATION/SIZE range when min < max */
	size_t off;		/* offsetof the field in the enclosing struct */
	const char *help;
	unsigned flags;		/* RONDA_CFG_REQUIRED */
	const char *const *enums;	/* ENUM: NULL-terminated names */
	const struct ronda_cfg_key *sub;	/* SECTION / LIST element keys */
	size_t elem_size;	/* LIST: sizeof one element */
	/*
	 * SECTION / LIST: called after an element (or the section) was parsed,
	 * to check rules that span keys; scalar keys: called with the field
	 * after a value was set from the file. Report with ronda_cfg_error().
	 */
	void (*check)(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path);
};

/* The errors collected by a load, each "file:line: key: message". */
struct ronda_cfg_errors {
	char **v;
	size_t n;
};

/* Report an error at line for key path (used by .check callbacks). */
void ronda_cfg_error(struct ronda_cfg_ctx *ctx, int line, const char *path,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The file being loaded (for .check callbacks that resolve relative paths). */
const char *ronda_cfg_file(const struct ronda_cfg_ctx *ctx);

/*
 * Load path into obj (zeroed by the caller) using the top-level key table.
 * Defaults are applied for absent keys. Returns 0 when there was no error,
 * -1 otherwise; the messages are appended to errs (caller frees with
 * ronda_cfg_errors_free). On error obj may be partly filled: free it with
 * ronda_cfg_free.
 */
int ronda_cfg_load(const char *path, const struct ronda_cfg_key *keys, void *obj,
    struct ronda_cfg_errors *errs);

/* The same from a string (tests, fuzzing); name is used in messages. */
int ronda_cfg_load_string(const char *name, const char *text, size_t len,
    const struct ronda_cfg_key *keys, void *obj, struct ronda_cfg_errors *errs);

/* Free everything the loader allocated inside obj (not obj itself). */
void ronda_cfg_free(const struct ronda_cfg_key *keys, void *obj);
void ronda_cfg_errors_free(struct ronda_cfg_errors *errs);
/* Append one formatted message to errs (for checks made after loading). */
void ronda_cfg_errors_addf(struct ronda_cfg_errors *errs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Refuse a file the daemons trust (a configuration, a rule file or folder)
 * that someone else could change, like sshd's StrictModes: fd, open on path,
 * must be owned by root or the effective user and not writable by others,
 * nor by its group unless that group is the owner's private group (its
 * primary group, no other member: a umask of 002 is harmless). Every folder
 * above it, as written and as resolved, must pass the same test, except
 * that a sticky folder (/tmp) may be writable by all. Returns 0, or -1 with
 * one line in err, e.g. "/etc/ronda/collector.yaml: writable by others
 * (mode 0666); chmod go-w /etc/ronda/collector.yaml".
 */
int ronda_cfg_check_trusted(int fd, const char *path, char *err, size_t errlen);

/* Parse a duration ("30s") or size ("64k") as the loader does. 0 / -1. */
int ronda_cfg_parse_duration(const char *s, int64_t *ms);
int ronda_cfg_parse_size(const char *s, int64_t *bytes);

#endif
