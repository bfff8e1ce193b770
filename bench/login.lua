-- wrk script: sign-ins through POST /api/login with the credentials in
-- $BENCH_USERNAME / $BENCH_PASSWORD (argon2 verification every time).
local body = '{"username":"' .. os.getenv("BENCH_USERNAME") .. '","password":"' ..
  os.getenv("BENCH_PASSWORD") .. '"}'

function request()
  return wrk.format("POST", "/api/login", { ["Content-Type"] = "application/json" }, body)
end
