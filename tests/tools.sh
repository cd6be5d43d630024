#!/usr/bin/env bash
# Installs what the test suite drives, from the registries this project may use:
#   Debian: chromium (real browser), poppler-utils (pdfinfo/pdftotext), libharfbuzz-subset0 (fast font subsetting
#           for WeasyPrint), default-jre-headless (EPUBCheck, vnu) when java is missing.
#   npm:    publish check's checkers (src/publish/check/npm/package.json: axe-core, vnu-jar, @daisy/ace-cli with its
#           browser download skipped: Debian's chromium is used), installed by publish check's own installer where
#           publish check finds them, so the suite and publish check use one set;
#           tests/citations (citeproc-js for the differential citation harness).
# Idempotent and quick when everything is present. Without root, it says what to install instead.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdfinfo >/dev/null || need+=(poppler-utils)
command -v java >/dev/null || need+=(default-jre-headless)
command -v node >/dev/null || need+=(nodejs npm)
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset.so.0 || need+=(libharfbuzz-subset0)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "tests/tools.sh: installing ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "tests/tools.sh: please install: sudo apt-get install ${need[*]}" >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi

npm_install() {  # $1: folder with package.json (+ lock); reinstalls only when either changed
  local dir=$1
  [ -f "$dir/package.json" ] || return 0
  local stamp="$dir/node_modules/.publish-stamp"
  local want
  want=$(cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | sha256sum)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "tests/tools.sh: npm install in $dir"
  local cmd=install
  [ -f "$dir/package-lock.json" ] && cmd=ci
  (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=true PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=true \
     npm "$cmd" --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" > "$stamp"
}
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
PYTHONPATH=src "$PY" -m publish.check.tools
npm_install tests/citations
