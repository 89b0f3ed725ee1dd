-- post_submission.lua -- the wrk script of scripts/bench-collector: every request posts a valid resident
-- submission under a uuid of its own, and the run ends with one machine-readable line for the bench script.
--
-- A uuid is RFC 4122 version 4 in form: 24 hex digits drawn from /dev/urandom once per wrk thread (each thread
-- has its own Lua state), then an 8-digit counter, with the version and variant digits set. No two requests of
-- a run share one, so every success must be a 201 and every one of them a new row.

local path = "/api/v1/forms/resident/submissions"
local headers = { ["Content-Type"] = "application/json" }
-- The answers scripts/bench/sqlite_ceiling.c stores: keep the two in step.
local answers = '{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R13":"non",'
    .. '"R14":"medecin_parti","R17":"non","R23":{"pmi":"connu_utilise","cpam":"connu"}}'

local prefix, variant
local counter = 0

function init(args)
    local f = assert(io.open("/dev/urandom", "rb"))
    local bytes = f:read(12)
    f:close()
    prefix = (bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end))
    variant = ("89ab"):sub(tonumber(prefix:sub(17, 17), 16) % 4 + 1, tonumber(prefix:sub(17, 17), 16) % 4 + 1)
end

function request()
    counter = counter + 1
    local h = prefix .. string.format("%08x", counter)
    local uuid = h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-4" .. h:sub(14, 16) .. "-" .. variant .. h:sub(18, 20)
        .. "-" .. h:sub(21, 32)
    local body = '{"uuid":"' .. uuid .. '","form_version":"1","lang":"fr","channel":"web",'
        .. '"started_at":"2024-05-01T10:12","answers":' .. answers .. '}'
    return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("BENCH requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d "
        .. "p50_us=%d p99_us=%d\n", summary.requests, summary.duration, e.status, e.connect, e.read, e.write,
        e.timeout, latency:percentile(50), latency:percentile(99)))
end
