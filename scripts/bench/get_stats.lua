-- get_stats.lua -- the wrk script of scripts/bench-collector's counts part: wrk sends the GET of its command
-- line (with -H for a token) as is; this only ends the run with the machine-readable line the bench script reads.

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("BENCH requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d "
        .. "p50_us=%d p99_us=%d\n", summary.requests, summary.duration, e.status, e.connect, e.read, e.write,
        e.timeout, latency:percentile(50), latency:percentile(99)))
end
