#!/usr/bin/env bash
# Installs the system packages the project needs on Debian/Ubuntu, only those that are missing:
# PostgreSQL + PostGIS (the local database), GDAL (ogrinfo, used by tests as a real client),
# Chromium (browser tests), Node.js + npm (frontend build), python3-venv.
# Usage: scripts/system-deps.sh [--test]   (--test adds what only the tests need)
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

missing=()
python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  if ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    major=$(ls /usr/lib/postgresql | sort -n | tail -1)
    missing+=("postgresql-${major}-postgis-3")
  else
    missing+=(postgresql postgis)
  fi
fi
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "$want_test" = 1 ]; then
  command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with your package manager (Debian/Ubuntu: sudo apt-get install ${missing[*]})," >&2
  echo "or see README.md, 'Other systems'." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# A generic "postgis" install pulls the distribution's server: add its PostGIS extension too.
if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  major=$(ls /usr/lib/postgresql | sort -n | tail -1)
  apt-get install -y -qq --no-install-recommends "postgresql-${major}-postgis-3" >/dev/null
fi
