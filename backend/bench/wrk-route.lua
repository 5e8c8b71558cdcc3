-- wrk script: one route of the customer mix in closed loop, for bench/route-cpu.js.
--   wrk -t2 -c32 -d6s -s bench/wrk-route.lua http://127.0.0.1:PORT -- MODE <products comma-separated>
-- MODE:
--   session        POST /api/session
--   drops          GET /api/drops/current (with an X-Session-Id, as the mix sends it)
--   product        GET /api/products/<one of the products> (with an X-Session-Id)
--   order          POST /api/orders on one of the products, a fresh key, a session of this thread
--   session-order  POST /api/session, then one order on one of the products with THAT session
--                  (a new customer's first order; about half the requests each)
-- Routes that need a session start with POST /api/session until this thread holds one; every
-- answer is counted by kind and status ("session 201", "other 409"), printed by done().
local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local mode = "session"
local products = { "bench-limited-1" }
local sessions = {}
local nsess = 0
local fresh = {}
local seq = 0
counts = {}

function init(args)
  if args[1] then mode = args[1] end
  if args[2] then
    products = {}
    for p in string.gmatch(args[2], "[^,]+") do table.insert(products, p) end
  end
  math.randomseed(os.time() * 1000 + tid)
end

local function session()
  return wrk.format("POST", "/api/session", { ["Content-Length"] = "0" }, "")
end

local function order(sid)
  seq = seq + 1
  local body = '{"productId":"' .. products[math.random(#products)] .. '","quantity":1}'
  return wrk.format("POST", "/api/orders", {
    ["X-Session-Id"] = sid, ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "wrk-" .. tid .. "-" .. seq .. "-" .. math.random(1000000000),
  }, body)
end

function request()
  if mode == "session" then return session() end
  if mode == "session-order" then
    local sid = table.remove(fresh)
    if sid == nil then return session() end
    return order(sid)
  end
  if nsess == 0 then return session() end
  local sid = sessions[math.random(nsess)]
  if mode == "drops" then
    return wrk.format("GET", "/api/drops/current", { ["X-Session-Id"] = sid })
  elseif mode == "product" then
    return wrk.format("GET", "/api/products/" .. products[math.random(#products)], { ["X-Session-Id"] = sid })
  end
  return order(sid)
end

function response(status, headers, body)
  local kind = "other"
  local sid = body and string.match(body, '"sessionId":"([^"]+)"')
  if sid then
    kind = "session"
    if mode == "session-order" then
      table.insert(fresh, sid)
    elseif nsess < 2000 then
      nsess = nsess + 1
      sessions[nsess] = sid
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
