/*
 * fuzz_config.c — libFuzzer target for the strict YAML loader (common/config.c)
 * that reads every daemon's configuration and the simulator's scenarios. The
 * key table below uses every key type, nested sections and lists with a
 * check callback. Whatever the bytes, a load either succeeds or reports at
 * least one "name:line: ..." message, and everything it allocated is freed.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/config.h"

#define FUZZ_MAX 16384

struct item {
	char *path;
	int kind;
	struct ronda_strlist tags;
};

struct section {
	char *brokers;
	struct ronda_kvlist props;
	int64_t timeout;
};

struct cfg {
	char *site;
	int64_t count;
	int on;
	int mode;
	int64_t wait;
	int64_t size;
	struct ronda_strlist rules;
	struct section kafka;
	struct ronda_cfg_array items;
};

static const char *const kinds[] = { "web", "auth", NULL };

static void
item_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	struct item *it = obj;

	if (it->path != NULL && it->path[0] != '/')
		ronda_cfg_error(ctx, line, path, "must be an absolute path");
}

static const struct ronda_cfg_key item_keys[] = {
	{ "path", RONDA_CFG_STR, NULL, 0, 0, offsetof(struct item, path), "",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "kind", RONDA_CFG_ENUM, "web", 0, 0, offsetof(struct item, kind), "", 0,
	  kinds, NULL, 0, NULL },
	{ "tags", RONDA_CFG_STRLIST, NULL, 0, 0, offsetof(struct item, tags), "", 0,
	  NULL, NULL, 0, NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

static const struct ronda_cfg_key section_keys[] = {
	{ "brokers", RONDA_CFG_STR, "127.0.0.1:9092", 0, 0,
	  offsetof(struct section, brokers), "", 0, NULL, NULL, 0, NULL },
	{ "properties", RONDA_CFG_MAP, NULL, 0, 0, offsetof(struct section, props), "",
	  0, NULL, NULL, 0, NULL },
	{ "timeout", RONDA_CFG_DURATION, "30s", 1, 3600000,
	  offsetof(struct section, timeout), "", 0, NULL, NULL, 0, NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

static const struct ronda_cfg_key keys[] = {
	{ "site", RONDA_CFG_STR, NULL, 0, 0, offsetof(struct cfg, site), "",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "count", RONDA_CFG_INT, "3", 1, 1000, offsetof(struct cfg, count), "", 0,
	  NULL, NULL, 0, NULL },
	{ "on", RONDA_CFG_BOOL, "true", 0, 0, offsetof(struct cfg, on), "", 0, NULL,
	  NULL, 0, NULL },
	{ "mode", RONDA_CFG_ENUM, "web", 0, 0, offsetof(struct cfg, mode), "", 0,
	  kinds, NULL, 0, NULL },
	{ "wait", RONDA_CFG_DURATION, "1s", 0, 0, offsetof(struct cfg, wait), "", 0,
	  NULL, NULL, 0, NULL },
	{ "size", RONDA_CFG_SIZE, "64k", 256, 16777216, offsetof(struct cfg, size), "",
	  0, NULL, NULL, 0, NULL },
	{ "rules", RONDA_CFG_STRLIST, "/x", 0, 0, offsetof(struct cfg, rules), "", 0,
	  NULL, NULL, 0, NULL },
	{ "kafka", RONDA_CFG_SECTION, NULL, 0, 0, offsetof(struct cfg, kafka), "", 0,
	  NULL, section_keys, 0, NULL },
	{ "items", RONDA_CFG_LIST, NULL, 0, 0, offsetof(struct cfg, items), "", 0,
	  NULL, item_keys, sizeof(struct item), item_check },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_cfg_errors errs = { 0 };
	struct cfg c;
	char *text;
	int rc;

	if (size > FUZZ_MAX)
		return 0;
	/* Exact-size copy so ASan sees any read past the end. */
	text = malloc(size ? size : 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	memset(&c, 0, sizeof(c));
	rc = ronda_cfg_load_string("fuzz.yaml", text, size, keys, &c, &errs);
	if (rc == -1) {
		assert(errs.n > 0);
		for (size_t i = 0; i < errs.n; i++)
			assert(strncmp(errs.v[i], "fuzz.yaml:", 10) == 0);
	} else {
		assert(errs.n == 0 && c.site != NULL);
	}
	ronda_cfg_free(keys, &c);
	ronda_cfg_errors_free(&errs);
	free(text);
	return 0;
}
