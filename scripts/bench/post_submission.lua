-- post_submission.lua -- the wrk script of scripts/bench-collector: every request posts a complete resident
-- submission under a uuid of its own, and the run ends with one machine-readable line for the bench script.
--
-- The body is the file named by BENCH_BODY (default scripts/bench/resident_submission.json, read from the
-- repository's root, where the bench script runs wrk): what the resident page sends when every question that
-- applies is answered, computed answers included, about 1.6 KB. Its uuid (the zero uuid in the file) is
-- replaced by the request's own.
--
-- A uuid is RFC 4122 version 4 in form: 24 hex digits drawn from /dev/urandom once per wrk thread (each thread
-- has its own Lua state), then an 8-digit counter, with the version and variant digits set. No two requests of
-- a run share one, so every success must be a 201 and every one of them a new row.

local path = "/api/v1/forms/resident/submissions"
local headers = { ["Content-Type"] = "application/json" }
local placeholder = "00000000-0000-4000-8000-000000000000"

local prefix, variant, head, tail
local counter = 0

function init(args)
    local f = assert(io.open("/dev/urandom", "rb"))
    local bytes = f:read(12)
    f:close()
    prefix = (bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end))
    variant = ("89ab"):sub(tonumber(prefix:sub(17, 17), 16) % 4 + 1, tonumber(prefix:sub(17, 17), 16) % 4 + 1)
    local name = os.getenv("BENCH_BODY") or "scripts/bench/resident_submission.json"
    local b = assert(io.open(name, "rb"))
    local body = b:read("*a"):gsub("%s+$", "")
    b:close()
    local at = assert(body:find(placeholder, 1, true), name .. ": no placeholder uuid " .. placeholder)
    head, tail = body:sub(1, at - 1), body:sub(at + #placeholder)
end

function request()
    counter = counter + 1
    local h = prefix .. string.format("%08x", counter)
    local uuid = h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-4" .. h:sub(14, 16) .. "-" .. variant .. h:sub(18, 20)
        .. "-" .. h:sub(21, 32)
    return wrk.format("POST", path, headers, head .. uuid .. tail)
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("BENCH requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d "
        .. "p50_us=%d p99_us=%d\n", summary.requests, summary.duration, e.status, e.connect, e.read, e.write,
        e.timeout, latency:percentile(50), latency:percentile(99)))
end
