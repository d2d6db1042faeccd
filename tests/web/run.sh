#!/usr/bin/env bash
# The browser test of the web page (ctest web_tests): installs playwright-core from the lockfile when it is
# missing, checks that web/vendor/ matches web/package-lock.json, then runs the scenarios of browser.test.mjs.
# Usage: tests/web/run.sh BANTRACK_EXECUTABLE SCREENSHOT_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -d "$here/node_modules" ] || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
"$here/../../scripts/build-web.sh" --check
BANTRACK="$1" SCREENSHOTS="$2" exec node --test --test-reporter=spec "$here/browser.test.mjs"
