-- B2's load: each request fires one transition on its own SKP (or bumps its own row), so requests never conflict.
-- Thread k of T takes the k-th of T equal blocks of ids first … last; wrk's threads each run a copy of this script.
-- Arguments (after --): path template with {id}, first id, last id, bearer token, If-Match version ("" for none),
-- T (wrk's -t).
local counter = 0
local threads = {}
local template, first, last, token, version, block  -- `offset` is a global: setup() sets it per thread

function setup(thread)
   thread:set("offset", #threads)
   table.insert(threads, thread)
end

function init(args)
   template, first, last, token, version = args[1], tonumber(args[2]), tonumber(args[3]), args[4], args[5]
   block = math.floor((last - first + 1) / tonumber(args[6]))
end

function request()
   local id = first + offset * block + counter
   counter = counter + 1
   if counter > block then
      id = first + offset * block  -- out of fresh ids: the reply is a 409 and shows as a non-2xx response
   end
   local headers = { ["Authorization"] = "Bearer " .. token }
   if version ~= "" then
      headers["If-Match"] = '"' .. version .. '"'
   end
   return wrk.format("POST", (template:gsub("{id}", tostring(id))), headers, nil)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "timeouts": %d, '
         .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
      summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
