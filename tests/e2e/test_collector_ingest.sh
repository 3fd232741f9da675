#!/bin/bash
# 200,000 lines appended while the collector runs all arrive in Kafka, and
# every event validates against schemas/event.schema.json.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
ingest_test none
