-- GET with "Authorization: Bearer <access token>", cycling through every session in $BENCH_TOKENS
-- (one "access refresh" pair per line); each thread starts at its own offset. Requests are
-- formatted once in init: formatting per request would spend wrk's share of the CPU on Lua.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
require("report")

local requests = {}
local next_request = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    requests[#requests + 1] = wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. line:match("^(%S+)") })
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
  next_request = math.random(#requests)
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
