-- Shared by the scenarios: one machine-readable line for bench/run.sh after each run.
-- Latency figures are milliseconds; errors are non-2xx responses plus socket errors and timeouts.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50=%.3f p99=%.3f requests=%d errors=%d\n",
    (summary.requests - errors) / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors))
end
