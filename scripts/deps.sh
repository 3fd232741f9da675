#!/bin/sh
# Install the Debian packages Ronda needs to build, test and run its demo.
# As root: apt-get installs what is missing. Otherwise: print the exact command.
set -eu

PKGS="build-essential pkg-config libevent-dev librdkafka-dev libsqlite3-dev libcjson-dev
libyaml-dev libcmocka-dev kcat python3 python3-jsonschema sqlite3 tzdata clang time
faketime libpcre2-dev libsystemd-dev systemd-journal-remote
libcurl4-openssl-dev
libssl-dev
libmaxminddb-dev libmaxmind-db-writer-perl
chromium chromium-driver python3-selenium"

arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
case "$arch" in
    amd64|x86_64) PKGS="$PKGS libhyperscan-dev" ;;
    *)            PKGS="$PKGS libvectorscan-dev" ;;
esac

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "deps: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
else
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
