-- Replays a request file written by bench/run.ts, cycling through it, and prints one JSON summary line.
--
-- Request file (BENCH_REQUESTS): records of
--   <METHOD> <PATH> <BODY-BYTES>\n<HEADER-LINES, one "Name: value" per line>\n\n<BODY>
-- Every request is pre-formatted once in init(), so per request wrk only hands out a ready string.
local requests = {}
local n = 0
local i = 0

function init(args)
  local path = os.getenv("BENCH_REQUESTS")
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  while pos <= #data do
    local s, e, method, target, len = string.find(data, "^(%u+) (%S+) (%d+)\n", pos)
    assert(s, "bad request file at byte " .. pos)
    pos = e + 1
    local headers = {}
    while true do
      local ls, le, line = string.find(data, "^([^\n]*)\n", pos)
      pos = le + 1
      if line == "" then break end
      local name, value = string.match(line, "^([^:]+):%s*(.*)$")
      headers[name] = value
    end
    len = tonumber(len)
    local body = nil
    if len > 0 then body = string.sub(data, pos, pos + len - 1) end
    pos = pos + len
    n = n + 1
    requests[n] = wrk.format(method, target, headers, body)
  end
  -- Threads start at different offsets so they do not hit the same series in lockstep.
  i = math.random(0, n - 1)
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return requests[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
