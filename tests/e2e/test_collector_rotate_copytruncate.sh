#!/bin/bash
# 200,000 lines with a copytruncate rotation every 10,000 lines while the
# collector runs: every line arrives (lines not yet read at truncation time
# are read from the copy).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
ingest_test copytruncate
