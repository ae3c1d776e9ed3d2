-- The wrk script of every HTTP workload in scripts/bench.sh, chosen by WRK_MODE:
--
--   browse      W1: GET /parse/classes/Product?where={"price":{"$gte":a,"$lte":b}}&limit=20&order=-createdAt
--   get         W2: GET /parse/classes/Product/<id>, ids rotated from WRK_IDS
--   login       W3: POST /parse/login, usernames rotated from WRK_USERS, password WRK_PASSWORD
--   bare-range  floor of W1: GET /range?min=a&max=b (the same windows as browse)
--   bare-d1     floor of W2: GET /d1/<id> (the same ids as get)
--   upload      W6: POST /parse/files/bench.png, the 1 MiB of WRK_BODY, as the buyer of WRK_TOKEN
--   bare-put    floor of W6 upload: POST /r2/put (the same bytes)
--   plain       the URL as given (bare /hello, /do; W6's download and its floor, /r2/get/:key)
--
-- done() writes the run to WRK_OUT as JSON: requests, seconds, errors (non-2xx answers, i.e.
-- wrk's status errors (>= 400), plus socket errors and timeouts) and the latency distribution as
-- 1,000 quantiles, so bench/merge.mjs can pool several runs into one p50 and p99. (Debian's wrk
-- does not answer latency[i], the raw histogram, so quantiles it is.)
local mode = os.getenv("WRK_MODE") or "plain"
local mount = os.getenv("WRK_MOUNT") or "/parse"
wrk.headers["X-Parse-Application-Id"] = os.getenv("WRK_APP_ID") or "artisan-market"

local function lines(path)
  local out = {}
  if path then
    for line in io.lines(path) do
      if line ~= "" then out[#out + 1] = line end
    end
  end
  return out
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- A 20-wide price window at a random place in 5.00–505.00 (the seed's range): about 200 of the
-- 5,000 rows match, of which the 20 newest are answered.
local function window()
  local a = math.floor((5 + math.random() * 480) * 100) / 100
  return a, a + 20
end

-- Each thread starts at its own place in the lists and with its own random seed.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
end

local ids, users, i
function init(args)
  local n = thread_no or 1
  math.randomseed(os.time() + n * 7919)
  ids = lines(os.getenv("WRK_IDS"))
  users = lines(os.getenv("WRK_USERS"))
  i = n * 997
end

local function next_of(list)
  i = i + 1
  return list[(i % #list) + 1]
end

if mode == "browse" then
  local order = "&limit=20&order=-createdAt"
  function request()
    local a, b = window()
    local where = string.format('{"price":{"$gte":%.2f,"$lte":%.2f}}', a, b)
    return wrk.format("GET", mount .. "/classes/Product?where=" .. urlencode(where) .. order)
  end
elseif mode == "get" then
  function request()
    return wrk.format("GET", mount .. "/classes/Product/" .. next_of(ids))
  end
elseif mode == "login" then
  local password = os.getenv("WRK_PASSWORD")
  local headers = { ["Content-Type"] = "application/json", ["X-Parse-Application-Id"] = wrk.headers["X-Parse-Application-Id"] }
  function request()
    local body = string.format('{"username":"%s","password":"%s"}', next_of(users), password)
    return wrk.format("POST", mount .. "/login", headers, body)
  end
elseif mode == "bare-range" then
  function request()
    local a, b = window()
    return wrk.format("GET", string.format("/range?min=%.2f&max=%.2f", a, b))
  end
elseif mode == "upload" or mode == "bare-put" then
  local f = assert(io.open(os.getenv("WRK_BODY"), "rb"))
  local body = f:read("*a")
  f:close()
  local headers = { ["Content-Type"] = "image/png", ["X-Parse-Application-Id"] = wrk.headers["X-Parse-Application-Id"] }
  local path = "/r2/put"
  if mode == "upload" then
    headers["X-Parse-Session-Token"] = os.getenv("WRK_TOKEN")
    path = mount .. "/files/bench.png"
  end
  function request()
    return wrk.format("POST", path, headers, body)
  end
elseif mode == "bare-d1" then
  function request()
    return wrk.format("GET", "/d1/" .. next_of(ids))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  -- The middle of each 0.1 % of requests, in microseconds.
  local quantiles = {}
  if summary.requests > 0 then
    for k = 0, 999 do
      quantiles[#quantiles + 1] = string.format("%d", latency:percentile((k + 0.5) / 10))
    end
  end
  local head = string.format('"requests":%d,"seconds":%.3f,"errors":%d,"timeouts":%d',
    summary.requests, seconds, errors, e.timeout)
  local out = os.getenv("WRK_OUT")
  if out and out ~= "" then
    local f = assert(io.open(out, "w"))
    f:write("{", head, ',"quantiles":[', table.concat(quantiles, ","), "]}\n")
    f:close()
  end
end
