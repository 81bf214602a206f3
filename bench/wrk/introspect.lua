-- POST /v1/introspect (RFC 7662) with HTTP Basic client authentication, cycling through every
-- session's access token in $BENCH_TOKENS; requests are formatted once in init, as validate.lua does.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
require("report")

local requests = {}
local next_request = 0

function init(args)
  local headers = {
    ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC"),
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    requests[#requests + 1] = wrk.format("POST", nil, headers, "token=" .. line:match("^(%S+)"))
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
  next_request = math.random(#requests)
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
