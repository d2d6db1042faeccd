-- wrk script of bench/http_bench.sh: sends prepared requests in turn, so every request asks a different question.
--   wrk ... -s wrk_check.lua URL -- get PATHS_FILE        one GET /v1/check?... path per line
--   wrk ... -s wrk_check.lua URL -- post BODY_FILE...     each file one POST /v1/check body
-- Requests are formatted once, in init, so that wrk spends its time sending them, not building them.

local requests = {}
local next_request = 1
local threads_created = 0  -- in the main script state, where setup runs

function setup(thread)
  thread:set("thread_offset", threads_created)
  threads_created = threads_created + 1
end

function init(args)
  local mode = args[1]
  if mode == "get" then
    for path in io.lines(args[2]) do
      requests[#requests + 1] = wrk.format("GET", path)
    end
  elseif mode == "post" then
    local headers = {["Content-Type"] = "application/json"}
    for i = 2, #args do
      local file = assert(io.open(args[i], "rb"))
      requests[#requests + 1] = wrk.format("POST", "/v1/check", headers, file:read("*a"))
      file:close()
    end
  end
  assert(#requests > 0, "wrk_check.lua: expected -- get PATHS_FILE or -- post BODY_FILE...")
  -- Threads start at different places, so that their connections do not ask the same questions in lockstep.
  next_request = ((thread_offset or 0) * 7919) % #requests + 1
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end
