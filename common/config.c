#include "ronda/config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

struct ronda_cfg_ctx {
	const char *file;
	yaml_document_t *doc;
	struct ronda_cfg_errors *errs;
	int nerr;
};

const char *
ronda_cfg_file(const struct ronda_cfg_ctx *ctx)
{
	return ctx->file;
}

static void
errs_add(struct ronda_cfg_errors *errs, char *msg)
{
	char **v;

	if (msg == NULL)
		return;
	v = realloc(errs->v, (errs->n + 1) * sizeof(*v));
	if (v == NULL) {
		free(msg);
		return;
	}
	errs->v = v;
	errs->v[errs->n++] = msg;
}

void
ronda_cfg_error(struct ronda_cfg_ctx *ctx, int line, const char *path,
    const char *fmt, ...)
{
	char msg[512], *full = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (asprintf(&full, "%s:%d: %s: %s", ctx->file, line, path, msg) == -1)
		full = NULL;
	errs_add(ctx->errs, full);
	ctx->nerr++;
}

void
ronda_cfg_errors_addf(struct ronda_cfg_errors *errs, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	errs_add(errs, msg);
}

void
ronda_cfg_errors_free(struct ronda_cfg_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		free(errs->v[i]);
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}

int
ronda_cfg_parse_duration(const char *s, int64_t *ms)
{
	char *end;
	double v;
	double mult = 1000;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else if (strcmp(end, "d") == 0)
		mult = 86400000;
	else
		return -1;
	if (v * mult > (double)INT64_MAX / 2)
		return -1;
	*ms = (int64_t)(v * mult);
	return 0;
}

int
ronda_cfg_parse_size(const char *s, int64_t *bytes)
{
	char *end;
	long long v;
	int64_t mult = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0 || v < 0)
		return -1;
	if (*end == '\0' || strcasecmp(end, "b") == 0)
		mult = 1;
	else if (strcasecmp(end, "k") == 0 || strcasecmp(end, "kb") == 0 ||
	    strcasecmp(end, "kib") == 0)
		mult = 1024;
	else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mb") == 0 ||
	    strcasecmp(end, "mib") == 0)
		mult = 1024 * 1024;
	else if (strcasecmp(end, "g") == 0 || strcasecmp(end, "gb") == 0 ||
	    strcasecmp(end, "gib") == 0)
		mult = 1024LL * 1024 * 1024;
	else
		return -1;
	if (v > INT64_MAX / mult)
		return -1;
	*bytes = v * mult;
	return 0;
}

static const char *const type_names[] = {
	[RONDA_CFG_STR] = "a string",
	[RONDA_CFG_INT] = "an integer",
	[RONDA_CFG_BOOL] = "true or false",
	[RONDA_CFG_ENUM] = "one of the listed words",
	[RONDA_CFG_DURATION] = "a duration (e.g. 30s, 5m)",
	[RONDA_CFG_SIZE] = "a size (e.g. 64k, 16M)",
	[RONDA_CFG_STRLIST] = "a list of strings",
	[RONDA_CFG_MAP] = "a mapping of names to values",
	[RONDA_CFG_SECTION] = "a mapping",
	[RONDA_CFG_LIST] = "a list of mappings",
};

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL) {
		fprintf(stderr, "out of memory\n");
		abort();
	}
	return d;
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL && n != 0) {
		fprintf(stderr, "out of memory\n");
		abort();
	}
	return q;
}

static void apply_table(struct ronda_cfg_ctx *ctx, const struct ronda_cfg_key *keys,
    void *obj, yaml_node_t *map, const char *prefix);

/* Set one scalar-typed key from text. Returns 0, or -1 after reporting. */
static int
set_scalar(struct ronda_cfg_ctx *ctx, const struct ronda_cfg_key *k, void *obj,
    const char *text, int line, const char *path)
{
	char *field = (char *)obj + k->off;
	int64_t v;
	char *end;

	switch (k->type) {
	case RONDA_CFG_STR:
		free(*(char **)field);
		*(char **)field = xstrdup(text);
		return 0;
	case RONDA_CFG_INT:
		errno = 0;
		v = strtoll(text, &end, 10);
		if (*text == '\0' || *end != '\0' || errno != 0) {
			ronda_cfg_error(ctx, line, path, "expected an integer, got \"%s\"", text);
			return -1;
		}
		break;
	case RONDA_CFG_BOOL:
		if (!strcasecmp(text, "true") || !strcasecmp(text, "yes") ||
		    !strcasecmp(text, "on")) {
			*(int *)field = 1;
		} else if (!strcasecmp(text, "false") || !strcasecmp(text, "no") ||
		    !strcasecmp(text, "off")) {
			*(int *)field = 0;
		} else {
			ronda_cfg_error(ctx, line, path, "expected true or false, got \"%s\"", text);
			return -1;
		}
		return 0;
	case RONDA_CFG_ENUM:
		for (int i = 0; k->enums[i] != NULL; i++) {
			if (strcmp(k->enums[i], text) == 0) {
				*(int *)field = i;
				return 0;
			}
		}
		{
			char list[256] = "";
			for (int i = 0; k->enums[i] != NULL; i++) {
				if (i > 0)
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
				strncat(list, k->enums[i], sizeof(list) - strlen(list) - 1);
			}
			ronda_cfg_error(ctx, line, path, "\"%s\" is not one of: %s", text, list);
		}
		return -1;
	case RONDA_CFG_DURATION:
		if (ronda_cfg_parse_duration(text, &v) == -1) {
			ronda_cfg_error(ctx, line, path,
			    "expected a duration (e.g. 500ms, 30s, 5m, 1h), got \"%s\"", text);
			return -1;
		}
		break;
	case RONDA_CFG_SIZE:
		if (ronda_cfg_parse_size(text, &v) == -1) {
			ronda_cfg_error(ctx, line, path,
			    "expected a size (e.g. 4096, 64k, 16M), got \"%s\"", text);
			return -1;
		}
		break;
	default:
		return -1;
	}
	if (k->min < k->max && (v < k->min || v > k->max)) {
		ronda_cfg_error(ctx, line, path, "%s is out of range (%lld to %lld)", text,
		    (long long)k->min, (long long)k->max);
		return -1;
	}
	*(int64_t *)field = v;
	return 0;
}

static const char *
scalar_text(yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int
node_line(yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

/* Apply one YAML value node to key k. */
static void
apply_key(struct ronda_cfg_ctx *ctx, const struct ronda_cfg_key *k, void *obj,
    yaml_node_t *val, const char *path)
{
	char *field = (char *)obj + k->off;
	int line = node_line(val);

	switch (k->type) {
	case RONDA_CFG_STR:
	case RONDA_CFG_INT:
	case RONDA_CFG_BOOL:
	case RONDA_CFG_ENUM:
	case RONDA_CFG_DURATION:
	case RONDA_CFG_SIZE:
		if (val->type != YAML_SCALAR_NODE) {
			ronda_cfg_error(ctx, line, path, "expected %s, got a %s",
			    type_names[k->type],
			    val->type == YAML_MAPPING_NODE ? "mapping" : "list");
			return;
		}
		if (set_scalar(ctx, k, obj, scalar_text(val), line, path) == 0 &&
		    k->check != NULL)
			k->check(ctx, (char *)obj + k->off, line, path);
		return;
	case RONDA_CFG_STRLIST: {
		struct ronda_strlist *sl = (struct ronda_strlist *)field;
		if (val->type == YAML_SCALAR_NODE) {
			sl->v = xrealloc(sl->v, (sl->n + 1) * sizeof(char *));
			sl->v[sl->n++] = xstrdup(scalar_text(val));
			return;
		}
		if (val->type != YAML_SEQUENCE_NODE) {
			ronda_cfg_error(ctx, line, path, "expected a list of strings");
			return;
		}
		for (yaml_node_item_t *it = val->data.sequence.items.start;
		    it < val->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(ctx->doc, *it);
			if (e == NULL || e->type != YAML_SCALAR_NODE) {
				ronda_cfg_error(ctx, e ? node_line(e) : line, path,
				    "expected a string in the list");
				continue;
			}
			sl->v = xrealloc(sl->v, (sl->n + 1) * sizeof(char *));
			sl->v[sl->n++] = xstrdup(scalar_text(e));
		}
		return;
	}
	case RONDA_CFG_MAP: {
		struct ronda_kvlist *kv = (struct ronda_kvlist *)field;
		if (val->type == YAML_SCALAR_NODE && scalar_text(val)[0] == '\0')
			return;	/* "properties:" with nothing */
		if (val->type != YAML_MAPPING_NODE) {
			ronda_cfg_error(ctx, line, path, "expected a mapping of names to values");
			return;
		}
		for (yaml_node_pair_t *p = val->data.mapping.pairs.start;
		    p < val->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = yaml_document_get_node(ctx->doc, p->key);
			yaml_node_t *vn = yaml_document_get_node(ctx->doc, p->value);
			if (kn == NULL || vn == NULL || kn->type != YAML_SCALAR_NODE ||
			    vn->type != YAML_SCALAR_NODE) {
				ronda_cfg_error(ctx, kn ? node_line(kn) : line, path,
				    "expected name: value pairs");
				continue;
			}
			kv->k = xrealloc(kv->k, (kv->n + 1) * sizeof(char *));
			kv->v = xrealloc(kv->v, (kv->n + 1) * sizeof(char *));
			kv->k[kv->n] = xstrdup(scalar_text(kn));
			kv->v[kv->n] = xstrdup(scalar_text(vn));
			kv->n++;
		}
		return;
	}
	case RONDA_CFG_SECTION:
		if (val->type == YAML_SCALAR_NODE && scalar_text(val)[0] == '\0') {
			apply_table(ctx, k->sub, field, NULL, path);	/* defaults only */
		} else if (val->type != YAML_MAPPING_NODE) {
			ronda_cfg_error(ctx, line, path, "expected a mapping");
			return;
		} else {
			apply_table(ctx, k->sub, field, val, path);
		}
		if (k->check != NULL)
			k->check(ctx, field, line, path);
		return;
	case RONDA_CFG_LIST: {
		struct ronda_cfg_array *arr = (struct ronda_cfg_array *)field;
		size_t i = 0;
		if (val->type != YAML_SEQUENCE_NODE) {
			ronda_cfg_error(ctx, line, path, "expected a list of mappings");
			return;
		}
		for (yaml_node_item_t *it = val->data.sequence.items.start;
		    it < val->data.sequence.items.top; it++, i++) {
			yaml_node_t *e = yaml_document_get_node(ctx->doc, *it);
			char epath[300];
			char *elem;
			snprintf(epath, sizeof(epath), "%s[%zu]", path, i);
			if (e == NULL || e->type != YAML_MAPPING_NODE) {
				ronda_cfg_error(ctx, e ? node_line(e) : line, epath,
				    "expected a mapping");
				continue;
			}
			arr->v = xrealloc(arr->v, (arr->n + 1) * k->elem_size);
			elem = (char *)arr->v + arr->n * k->elem_size;
			memset(elem, 0, k->elem_size);
			arr->n++;
			apply_table(ctx, k->sub, elem, e, epath);
			if (k->check != NULL)
				k->check(ctx, elem, node_line(e), epath);
		}
		return;
	}
	}
}

/*
 * Apply a key table to a mapping node (or defaults only when map is NULL):
 * every key of the mapping must be in the table; every table key absent from
 * the mapping gets its default or, when required, an error.
 */
static void
apply_table(struct ronda_cfg_ctx *ctx, const struct ronda_cfg_key *keys, void *obj,
    yaml_node_t *map, const char *prefix)
{
	size_t nkeys = 0;
	unsigned char *seen;
	char path[512];
	int map_line = map != NULL ? node_line(map) : 1;

	while (keys[nkeys].name != NULL)
		nkeys++;
	seen = calloc(nkeys + 1, 1);
	if (seen == NULL)
		abort();

	if (map != NULL) {
		for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
		    p < map->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = yaml_document_get_node(ctx->doc, p->key);
			yaml_node_t *vn = yaml_document_get_node(ctx->doc, p->value);
			const char *name;
			size_t i;

			if (kn == NULL || vn == NULL)
				continue;
			if (kn->type != YAML_SCALAR_NODE) {
				ronda_cfg_error(ctx, node_line(kn), prefix[0] ? prefix : "(top)",
				    "keys must be plain names");
				continue;
			}
			name = scalar_text(kn);
			snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "",
			    name);
			for (i = 0; i < nkeys; i++)
				if (strcmp(keys[i].name, name) == 0)
					break;
			if (i == nkeys) {
				ronda_cfg_error(ctx, node_line(kn), path, "unknown key");
				continue;
			}
			if (seen[i]) {
				ronda_cfg_error(ctx, node_line(kn), path, "given twice");
				continue;
			}
			seen[i] = 1;
			apply_key(ctx, &keys[i], obj, vn, path);
		}
	}

	for (size_t i = 0; i < nkeys; i++) {
		const struct ronda_cfg_key *k = &keys[i];
		if (seen[i])
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "", k->name);
		if (k->flags & RONDA_CFG_REQUIRED) {
			ronda_cfg_error(ctx, map_line, path, "required key is missing");
			continue;
		}
		if (k->type == RONDA_CFG_SECTION) {
			apply_table(ctx, k->sub, (char *)obj + k->off, NULL, path);
			if (k->check != NULL)
				k->check(ctx, (char *)obj + k->off, map_line, path);
		} else if (k->def != NULL) {
			if (k->type == RONDA_CFG_STRLIST) {
				struct ronda_strlist *sl =
				    (struct ronda_strlist *)((char *)obj + k->off);
				sl->v = xrealloc(sl->v, sizeof(char *));
				sl->v[0] = xstrdup(k->def);
				sl->n = 1;
			} else {
				set_scalar(ctx, k, obj, k->def, map_line, path);
			}
		}
	}
	free(seen);
}

static int
load_parser(const char *name, yaml_parser_t *parser, const struct ronda_cfg_key *keys,
    void *obj, struct ronda_cfg_errors *errs)
{
	struct ronda_cfg_ctx ctx = { .file = name, .errs = errs };
	yaml_document_t doc;
	yaml_node_t *root;

	if (!yaml_parser_load(parser, &doc)) {
		ronda_cfg_error(&ctx, (int)parser->problem_mark.line + 1, "yaml", "%s%s%s",
		    parser->problem ? parser->problem : "syntax error",
		    parser->context ? " " : "", parser->context ? parser->context : "");
		return -1;
	}
	ctx.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		apply_table(&ctx, keys, obj, NULL, "");
	} else if (root->type != YAML_MAPPING_NODE) {
		ronda_cfg_error(&ctx, node_line(root), "(top)",
		    "the file must be a mapping of keys to values");
	} else {
		apply_table(&ctx, keys, obj, root, "");
	}
	yaml_document_delete(&doc);
	return ctx.nerr > 0 ? -1 : 0;
}

int
ronda_cfg_load_string(const char *name, const char *text, size_t len,
    const struct ronda_cfg_key *keys, void *obj, struct ronda_cfg_errors *errs)
{
	yaml_parser_t parser;
	int rc;

	if (!yaml_parser_initialize(&parser))
		return -1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	rc = load_parser(name, &parser, keys, obj, errs);
	yaml_parser_delete(&parser);
	return rc;
}

/* ---- trusted files (StrictModes) ------------------------------------ */

/*
 * Is gid the private group of uid: uid's primary group, with no other user
 * as a member or having it as primary group (Debian's user private groups,
 * where a umask of 002 leaves files group-writable without letting anyone
 * else write them; Debian's sshd accepts them for the same reason)?
 */
static int
private_group(uid_t uid, gid_t gid)
{
	struct passwd *pw;
	struct group *gr;
	char name[256];
	int ok = 1;

	if ((pw = getpwuid(uid)) == NULL || pw->pw_gid != gid ||
	    strlen(pw->pw_name) >= sizeof(name))
		return 0;
	strcpy(name, pw->pw_name);	/* getgrgid and getpwent reuse the buffer */
	if ((gr = getgrgid(gid)) == NULL)
		return 0;
	for (char **m = gr->gr_mem; *m != NULL; m++)
		if (strcmp(*m, name) != 0)
			return 0;
	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (pw->pw_gid == gid && pw->pw_uid != uid) {
			ok = 0;
			break;
		}
	}
	endpwent();
	return ok;
}

/*
 * One file or folder of a trusted path. what is path for the file itself,
 * or "path: folder DIR" for a folder above it; fix names what to chmod.
 */
static int
check_owner_mode(const struct stat *sb, const char *path, const char *dir,
    char *err, size_t errlen)
{
	const char *fix = dir != NULL ? dir : path;
	char where[PATH_MAX + 16] = "";
	mode_t mode = sb->st_mode & 07777;
	uid_t me = geteuid();

	if (dir != NULL)
		snprintf(where, sizeof(where), " folder %s is", dir);
	if (sb->st_uid != 0 && sb->st_uid != me) {
		struct passwd *pw = getpwuid(sb->st_uid);
		snprintf(err, errlen, "%s:%s owned by uid %u%s%s%s, not by root or the "
		    "user running ronda (uid %u); chown root %s", path, where,
		    (unsigned)sb->st_uid, pw ? " (" : "", pw ? pw->pw_name : "",
		    pw ? ")" : "", (unsigned)me, fix);
		return -1;
	}
	if (dir != NULL && (mode & S_ISVTX))
		return 0;	/* sticky (/tmp): others cannot replace what is ours */
	if (mode & S_IWOTH) {
		snprintf(err, errlen, "%s:%s writable by others (mode %04o); chmod go-w %s",
		    path, where, (unsigned)mode, fix);
		return -1;
	}
	if ((mode & S_IWGRP) && !private_group(sb->st_uid, sb->st_gid)) {
		struct group *gr = getgrgid(sb->st_gid);
		char gname[300];
		if (gr != NULL)
			snprintf(gname, sizeof(gname), "%s", gr->gr_name);
		else
			snprintf(gname, sizeof(gname), "%u", (unsigned)sb->st_gid);
		snprintf(err, errlen, "%s:%s writable by group %s (mode %04o); chmod g-w %s",
		    path, where, gname, (unsigned)mode, fix);
		return -1;
	}
	return 0;
}

/* Check every folder above abs (an absolute path), deepest first. */
static int
check_folders(const char *path, const char *abs, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat sb;
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", abs) >= (int)sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	while ((slash = strrchr(dir, '/')) != NULL) {
		if (slash == dir)
			slash[1] = '\0';	/* "/" itself */
		else
			*slash = '\0';
		if (stat(dir, &sb) == -1) {
			snprintf(err, errlen, "%s: folder %s: %s", path, dir, strerror(errno));
			return -1;
		}
		if (check_owner_mode(&sb, path, dir, err, errlen) == -1)
			return -1;
		if (slash == dir)
			break;
	}
	return 0;
}

int
ronda_cfg_check_trusted(int fd, const char *path, char *err, size_t errlen)
{
	char abs[PATH_MAX], real[PATH_MAX];
	struct stat sb;

	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (check_owner_mode(&sb, path, NULL, err, errlen) == -1)
		return -1;
	/*
	 * Whoever can write a folder above the file can replace it: the
	 * folders as written (a symlinked path) and as resolved.
	 */
	if (path[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", path);
	} else {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    snprintf(abs, sizeof(abs), "%s/%s", cwd, path) >= (int)sizeof(abs)) {
			snprintf(err, errlen, "%s: cannot resolve the path", path);
			return -1;
		}
	}
	if (check_folders(path, abs, err, errlen) == -1)
		return -1;
	if (realpath(path, real) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (strcmp(real, abs) != 0 && check_folders(path, real, err, errlen) == -1)
		return -1;
	return 0;
}

int
ronda_cfg_load(const char *path, const struct ronda_cfg_key *keys, void *obj,
    struct ronda_cfg_errors *errs)
{
	yaml_parser_t parser;
	FILE *fp;
	int rc;
	char *msg = NULL;

	if ((fp = fopen(path, "r")) == NULL) {
		if (asprintf(&msg, "%s: cannot open: %s", path, strerror(errno)) == -1)
			msg = NULL;
		errs_add(errs, msg);
		return -1;
	}
	{
		char err[PATH_MAX + 256];
		if (ronda_cfg_check_trusted(fileno(fp), path, err, sizeof(err)) == -1) {
			errs_add(errs, strdup(err));
			fclose(fp);
			return -1;
		}
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(fp);
		return -1;
	}
	yaml_parser_set_input_file(&parser, fp);
	rc = load_parser(path, &parser, keys, obj, errs);
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}

void
ronda_cfg_free(const struct ronda_cfg_key *keys, void *obj)
{
	for (const struct ronda_cfg_key *k = keys; k->name != NULL; k++) {
		char *field = (char *)obj + k->off;
		switch (k->type) {
		case RONDA_CFG_STR:
			free(*(char **)field);
			*(char **)field = NULL;
			break;
		case RONDA_CFG_STRLIST: {
			struct ronda_strlist *sl = (struct ronda_strlist *)field;
			for (size_t i = 0; i < sl->n; i++)
				free(sl->v[i]);
			free(sl->v);
			sl->v = NULL;
			sl->n = 0;
			break;
		}
		case RONDA_CFG_MAP: {
			struct ronda_kvlist *kv = (struct ronda_kvlist *)field;
			for (size_t i = 0; i < kv->n; i++) {
				free(kv->k[i]);
				free(kv->v[i]);
			}
			free(kv->k);
			free(kv->v);
			kv->k = kv->v = NULL;
			kv->n = 0;
			break;
		}
		case RONDA_CFG_SECTION:
			ronda_cfg_free(k->sub, field);
			break;
		case RONDA_CFG_LIST: {
			struct ronda_cfg_array *arr = (struct ronda_cfg_array *)field;
			for (size_t i = 0; i < arr->n; i++)
				ronda_cfg_free(k->sub, (char *)arr->v + i * k->elem_size);
			free(arr->v);
			arr->v = NULL;
			arr->n = 0;
			break;
		}
		default:
			break;
		}
	}
}
