#!/usr/bin/env bash
# Installs the real programs some tests drive: nginx, redis-server, chromium, and docker-compose
# (only its offline `config` check of docker-compose.yml; no Docker engine is needed).
# Under CI=true a program that cannot be installed is an error; elsewhere the
# tests that need it are skipped with a message saying so.
set -u

need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
[ ${#need[@]} -eq 0 ] && exit 0

echo "installing system packages: ${need[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo -n"
if { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/tmp/huayin-apt.log 2>&1; then
  exit 0
fi
echo "could not install ${need[*]} (see /tmp/huayin-apt.log)" >&2
if [ "${CI:-}" = "true" ]; then
  exit 1
fi
echo "continuing: tests that need them will be skipped" >&2
exit 0
