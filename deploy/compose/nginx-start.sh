#!/bin/sh
# Entry point of the compose nginx service: renders deploy/nginx/huayin.conf (the site file the
# tests run with real nginx) for compose, then runs the given command (nginx -g 'daemon off;').
# Only the `upstream huayin_app` servers change: the file names gunicorn on the same host
# (127.0.0.1:…); here the app replicas are the compose service HUAYIN_UPSTREAM (default app:8000),
# a name Docker's DNS resolves to every replica. The first `server` line keeps its parameters with
# the new address; further server lines (other local instances) are dropped.
set -eu
target="${HUAYIN_UPSTREAM:-app:8000}"
source="${HUAYIN_SITE_SOURCE:-/etc/huayin/huayin.conf}"
output="${HUAYIN_SITE_OUTPUT:-/etc/nginx/conf.d/default.conf}"
awk -v target="$target" '
    /^[[:space:]]*upstream[[:space:]]+huayin_app[[:space:]]*\{/ { inside = 1; print; next }
    inside && /^[[:space:]]*\}/ { inside = 0 }
    inside && /^[[:space:]]*server[[:space:]]/ {
        if (done) next
        sub(/server[[:space:]]+[^[:space:];]+/, "server " target)
        done = 1
    }
    { print }
' "$source" > "$output"
if ! grep -q "^[[:space:]]*server $target" "$output"; then
    echo "nginx-start.sh: $source has no 'upstream huayin_app' with a server line" >&2
    exit 1
fi
exec "$@"
