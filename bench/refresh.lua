-- wrk script: token rotation. Run with as many threads as connections
-- (-tN -cN), so that each connection is a client of its own with one
-- refresh token: every request presents the token the previous answer
-- gave. A rotation that fails (a token used twice, or refused) is a
-- non-2xx answer, which wrk counts and bench/run.sh reports as an error.
-- $BENCH_TOKENS names a file with one refresh token per line.
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  if #line > 0 then tokens[#tokens + 1] = line end
end
local next_index = 1

function setup(thread)
  thread:set("token", tokens[next_index])
  next_index = next_index + 1
end

function request()
  return wrk.format("POST", "/api/refresh", { ["Content-Type"] = "application/json" },
    '{"refresh_token":"' .. token .. '"}')
end

function response(status, headers, body)
  if status == 200 then
    local fresh = body:match('"refresh_token":"([^"]+)"')
    if fresh then token = fresh end
  end
end
