#!/bin/bash
# 200,000 lines with a rename rotation (logrotate's default) every 10,000
# lines while the collector runs: every line arrives.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
ingest_test rename
