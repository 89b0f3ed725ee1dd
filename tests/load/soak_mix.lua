-- soak_mix.lua -- the wrk script of scripts/bench-soak (and tests/load/soak_short.sh): the mixed traffic of a
-- campaign day. Out of every ten requests: five POST a valid resident submission under a uuid of its own, two
-- GET /healthz (a monitor), two GET /api/v1/forms/resident (a phone loading the form) and one GET /f/resident
-- with Accept-Encoding: gzip (the page). The run ends with one machine-readable line for the script.
--
-- A uuid is RFC 4122 version 4 in form: 24 hex digits drawn from /dev/urandom once per wrk thread (each thread
-- has its own Lua state), then an 8-digit counter, with the version and variant digits set (as in
-- scripts/bench/post_submission.lua). No two requests of a run share one, so every answer to a POST must be a
-- 201 and each 201 a new row: the script counts 201s to check them against the database.

local post_path = "/api/v1/forms/resident/submissions"
local post_headers = { ["Content-Type"] = "application/json" }
local page_headers = { ["Accept-Encoding"] = "gzip" }
-- The answers of scripts/bench/post_submission.lua.
local answers = '{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R13":"non",'
    .. '"R14":"medecin_parti","R17":"non","R23":{"pmi":"connu_utilise","cpam":"connu"}}'
local kinds = { "post", "health", "post", "form", "post", "health", "post", "page", "post", "form" }

local threads = {}
local prefix, variant
local counter, turn = 0, 0
-- Per thread, read by done() through thread:get.
created, replayed, other = 0, 0, 0

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    local f = assert(io.open("/dev/urandom", "rb"))
    local bytes = f:read(12)
    f:close()
    prefix = (bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end))
    local v = tonumber(prefix:sub(17, 17), 16) % 4 + 1
    variant = ("89ab"):sub(v, v)
    turn = tonumber(prefix:sub(1, 2), 16) % #kinds -- threads do not walk the mix in step
end

function request()
    turn = turn % #kinds + 1
    local k = kinds[turn]
    if k == "post" then
        counter = counter + 1
        local h = prefix .. string.format("%08x", counter)
        local uuid = h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-4" .. h:sub(14, 16) .. "-" .. variant .. h:sub(18, 20)
            .. "-" .. h:sub(21, 32)
        local body = '{"uuid":"' .. uuid .. '","form_version":"1","lang":"fr","channel":"web",'
            .. '"started_at":"2024-05-01T10:12","answers":' .. answers .. '}'
        return wrk.format("POST", post_path, post_headers, body)
    elseif k == "health" then
        return wrk.format("GET", "/healthz")
    elseif k == "form" then
        return wrk.format("GET", "/api/v1/forms/resident")
    end
    return wrk.format("GET", "/f/resident", page_headers)
end

function response(status, headers, body)
    if status == 201 then
        created = created + 1
    elseif status == 200 then
        replayed = replayed + 1 -- every GET, and a POST only if it were a replay
    else
        other = other + 1
    end
end

function done(summary, latency, requests)
    local c, r, o = 0, 0, 0
    for _, t in ipairs(threads) do
        c = c + t:get("created")
        r = r + t:get("replayed")
        o = o + t:get("other")
    end
    local e = summary.errors
    io.write(string.format("SOAK requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d "
        .. "p50_us=%d p99_us=%d max_us=%d created=%d ok200=%d other=%d\n", summary.requests, summary.duration,
        e.status, e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99),
        latency.max, c, r, o))
end
