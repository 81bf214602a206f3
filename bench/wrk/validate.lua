-- GET with "Authorization: Bearer <access token>", cycling through every session in $BENCH_TOKENS
-- (one "access refresh" pair per line); each thread starts at its own offset.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
require("report")

local tokens = {}
local next_token = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    tokens[#tokens + 1] = "Bearer " .. line:match("^(%S+)")
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
  next_token = math.random(#tokens)
end

function request()
  next_token = next_token % #tokens + 1
  return wrk.format("GET", nil, { ["Authorization"] = tokens[next_token] })
end
