-- wrk script for benchmarks/bench_load.py: every connection walks the URL list (read from the file named
-- after "--"), each from its own starting point, with a browser's Accept-Encoding; prints one RESULT line.
local urls = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(urls, line) end
  end
  i = (id * 7919) % #urls
  non200 = 0
end

function request()
  i = (i % #urls) + 1
  return wrk.format("GET", urls[i], {["Accept-Encoding"] = "gzip, deflate", ["Accept-Language"] = (i % 2 == 0) and "fr" or "en"})
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non200") end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %f %f %f\n", summary.requests,
    e.connect + e.read + e.write + e.timeout, bad, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
