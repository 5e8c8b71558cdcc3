-- wrk script: one GET path in closed loop; done() prints one JSON line for bench/run.js.
function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},"latencyUs":{"p50":%d,"p99":%d,"max":%d},"statuses":{}}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, latency:percentile(50), latency:percentile(99), latency.max))
end
