-- wrk script: the customer mix in closed loop (one connection = one request at a time).
-- Requests rotate session -> drop -> product -> order per thread (a quarter each); reads and
-- orders use a session id captured from an earlier POST /api/session answer on this thread.
-- Status counts (session answers apart) are printed as one JSON line by done(), for bench/run.js.
--   wrk -t2 -c64 -d10s -s bench/wrk-mix.lua http://127.0.0.1:PORT -- <products comma-separated>
local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local products = { "bench-limited-1" }
local sessions = {}
local nsess = 0
local step = 0
local seq = 0
counts = {}

function init(args)
  if args[1] then
    products = {}
    for p in string.gmatch(args[1], "[^,]+") do table.insert(products, p) end
  end
  math.randomseed(os.time() * 1000 + tid)
end

local function pick()
  if nsess == 0 then return nil end
  return sessions[math.random(nsess)]
end

function request()
  step = step % 4 + 1
  local sid = pick()
  if sid == nil then step = 1 end
  local req
  if step == 1 then
    req = wrk.format("POST", "/api/session", { ["Content-Length"] = "0" }, "")
  elseif step == 2 then
    req = wrk.format("GET", "/api/drops/current", { ["X-Session-Id"] = sid })
  elseif step == 3 then
    req = wrk.format("GET", "/api/products/" .. products[math.random(#products)], { ["X-Session-Id"] = sid })
  else
    seq = seq + 1
    local body = '{"productId":"' .. products[math.random(#products)] .. '","quantity":1}'
    req = wrk.format("POST", "/api/orders", {
      ["X-Session-Id"] = sid, ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = "wrk-" .. tid .. "-" .. seq .. "-" .. math.random(1000000000),
    }, body)
  end
  return req
end

function response(status, headers, body)
  -- answers of a thread's connections interleave: count by status (and session answers apart)
  local kind = "other"
  local sid = body and string.match(body, '"sessionId":"([^"]+)"')
  if sid then
    kind = "session"
    if nsess < 5000 then
      nsess = nsess + 1
      sessions[nsess] = sid
    else
      sessions[math.random(nsess)] = sid
    end
  end
  local key = kind .. " " .. status
  counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, v in pairs(c) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, string.format('"%s":%d', k, v)) end
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"latencyUs":{"p50":%d,"p99":%d,"max":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, latency:percentile(50), latency:percentile(99), latency.max, table.concat(parts, ",")))
end
