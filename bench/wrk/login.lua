-- POST /v1/sessions as $BENCH_LOGIN_USERS users (bench-login-1 … N), round robin, so no single
-- user's grain serializes the load.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
require("report")

local users = tonumber(os.getenv("BENCH_LOGIN_USERS"))
local password = os.getenv("BENCH_LOGIN_PASSWORD")
local next_user = 0

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
  next_user = math.random(users)
end

function request()
  next_user = next_user % users + 1
  local body = string.format('{"username":"bench-login-%d","password":"%s"}', next_user, password)
  return wrk.format("POST", "/v1/sessions", { ["Content-Type"] = "application/json" }, body)
end
