-- POST /v1/sessions/refresh, chaining: each response's new refresh token goes back into this
-- thread's queue, so every token is presented exactly once (a second use would end the session).
-- Thread k of n takes the lines k, k+n, k+2n … of $BENCH_TOKENS. With $BENCH_CLIENT_ID (and
-- $BENCH_CLIENT_SECRET) it is the OpenID Connect token endpoint's refresh grant instead:
-- POST /connect/token, the client authenticating in the body (client_secret_post).
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
require("report")

local threads = {}
local queue = {}
local head, tail = 1, 0
local client = os.getenv("BENCH_CLIENT_ID")

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local count = tonumber(os.getenv("BENCH_THREADS"))
  local line_number = 0
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if line_number % count == thread_index then
      tail = tail + 1
      queue[tail] = line:match("^%S+%s+(%S+)")
    end
    line_number = line_number + 1
  end
end

function request()
  local token = "igr_exhausted"  -- out of tokens (should not happen with enough seeded sessions): shows up as an error
  if head <= tail then
    token = queue[head]
    queue[head] = nil
    head = head + 1
  end
  if client then
    return wrk.format("POST", "/connect/token", { ["Content-Type"] = "application/x-www-form-urlencoded" },
      "grant_type=refresh_token&refresh_token=" .. token .. "&client_id=" .. client .. "&client_secret=" .. os.getenv("BENCH_CLIENT_SECRET"))
  end
  return wrk.format("POST", "/v1/sessions/refresh", { ["Content-Type"] = "application/json" },
    '{"refreshToken":"' .. token .. '"}')
end

function response(status, headers, body)
  local token = body:match('"refreshToken":"(igr_[^"]+)"') or body:match('"refresh_token"%s*:%s*"(igr_[^"]+)"')
  if token then
    tail = tail + 1
    queue[tail] = token
  end
end
