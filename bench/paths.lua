-- wrk script: every request GETs a random line of the file named by
-- $BENCH_PATHS (the -H headers, such as the session cookie, still apply).
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
