#!/usr/bin/env bash
# Refreshes web/vendor/: the map's libraries and data, copied from the versions pinned in web/package-lock.json.
# The copies are committed, so serving the page needs neither Node nor a build step; run this after changing
# web/package.json. With --check it changes nothing and fails when a copy differs from its pinned package.
set -euo pipefail
cd "$(dirname "$0")/../web"

[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error

# source in node_modules -> name under vendor/
files=(
  "d3-array/dist/d3-array.min.js              d3-array.min.js"
  "d3-geo/dist/d3-geo.min.js                  d3-geo.min.js"
  "topojson-client/dist/topojson-client.min.js topojson-client.min.js"
  "world-atlas/countries-110m.json            countries-110m.json"
  "i18n-iso-countries/codes.json              iso-3166-codes.json"
  "d3-array/LICENSE                           LICENSE-d3-array"
  "d3-geo/LICENSE                             LICENSE-d3-geo"
  "topojson-client/LICENSE                    LICENSE-topojson-client"
  "world-atlas/LICENSE                        LICENSE-world-atlas"
  "i18n-iso-countries/LICENSE                 LICENSE-i18n-iso-countries"
)

mkdir -p vendor
stale=0
for entry in "${files[@]}"; do
  read -r source target <<<"$entry"
  if [ "${1:-}" = --check ]; then
    cmp -s "node_modules/$source" "vendor/$target" || { echo "build-web: web/vendor/$target differs from $source" >&2; stale=1; }
  else
    cp "node_modules/$source" "vendor/$target"
  fi
done
[ "$stale" -eq 0 ] || { echo "build-web: run scripts/build-web.sh to refresh web/vendor/" >&2; exit 1; }
