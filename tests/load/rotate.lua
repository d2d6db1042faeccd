-- wrk script for `make loadtest`: every request takes the next of these reads in turn (checks, lists, views,
-- the timeline and the feed), all valid, so that every answer must be a 2xx.
local paths = {
  "/v1/check?app=deepseek&device=government&owner=us-tx-dps&as_of=2025-02-01",
  "/v1/check?app=tiktok&device=government&owner=us-navy&as_of=2024-06-01",
  "/v1/check?app=deepseek&device=personal&location=it&as_of=2025-02-01",
  "/v1/check?app=web:chat.deepseek.com&device=work&owner=us-tx&as_of=2025-03-01",
  "/v1/check?app=chatgpt&device=government&owner=us-tx-dps&as_of=2026-11-21",
  "/v1/apps",
  "/v1/rules?q=deepseek",
  "/v1/entities?limit=20",
  "/v1/rules?issuer=us&issuer_tree=true&as_of=2025-02-01",
  "/v1/apps/tiktok/restrictions?as_of=2025-02-01",
  "/v1/timeline?from=2024-01-01&limit=50",
  "/feed.atom",
}
local next_path = 0

request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
