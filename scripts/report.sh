#!/usr/bin/env bash
# A short compliance report from the seeded data: questions taken from the news articles the project grew from.
# Usage: scripts/report.sh BANTRACK DB
set -uo pipefail
bantrack=$1
db=$2
ask() { "$bantrack" --db "$db" check --brief "$@"; }
echo "bantrack — a few questions from the articles (run \`$bantrack --db $db check --help\` to ask your own):"
ask --app deepseek --device government --owner us-tx-dps --as-of 2025-02-01
ask --app deepseek --device government --owner us-tx-dps --as-of 2025-01-30
ask --app deepseek --device personal --location us-tx --as-of 2025-02-01
ask --app deepseek --device government --owner us-navy --as-of 2025-02-01
ask --app deepseek --device personal --location it --as-of 2025-02-01
ask --app deepseek --device personal --location kr --as-of 2025-03-01
ask --app deepseek --device personal --location ie --as-of 2025-02-01
ask --app tiktok --device personal --location us-mt --as-of 2024-01-02
ask --app android:com.lemon.lvoverseas --device government --owner us-house --as-of 2025-02-01
echo
