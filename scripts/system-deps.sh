#!/usr/bin/env bash
# Installs the system packages the project needs on Debian/Ubuntu, only those that are missing:
# PostgreSQL + PostGIS (the local database), GDAL (ogrinfo, used by tests as a real client),
# Chromium (browser tests), Node.js + npm (frontend build), python3-venv.
# Usage: scripts/system-deps.sh [--test]   (--test adds what only the tests need)
set -euo pipefail

# Vite needs Node.js >= 20.19; Debian 12's own nodejs is 18. The npm registry carries Node.js
# builds (package "node"), so an old distribution Node can install a current one.
node_ok() {
  command -v node >/dev/null 2>&1 && node -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
ensure_node_version() {
  node_ok && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "Node.js >= 20.19 is needed to build the frontend (found $(node --version 2>/dev/null || echo none))." >&2
    exit 1
  fi
  echo "Installing Node.js 22 from the npm registry (the distribution's is $(node --version))"
  npm install -g --no-audit --no-fund node@22 >/dev/null
  hash -r
  node_ok || { echo "Node.js upgrade failed; install Node.js >= 20.19 yourself." >&2; exit 1; }
}

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

if [ ${#missing[@]} -eq 0 ]; then
  ensure_node_version
  exit 0
fi

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
ensure_node_version
