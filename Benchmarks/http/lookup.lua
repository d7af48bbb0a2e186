-- wrk: POST /lookup/customer for COUNT callers in turn (first script argument, default 100).
-- Caller i is +1555 followed by i in seven digits; the CRM simulator (and the original worker's
-- mock CRM) know callers 0..9999, so larger counts are mostly numbers the CRM does not know.
local count, next_index
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  count = math.min(tonumber(args[1] or "100"), 10000000)
  next_index = 0
end

function request()
  local body = string.format('{"ani":"+1555%07d"}', next_index)
  next_index = (next_index + 1) % count
  return wrk.format("POST", "/lookup/customer", headers, body)
end
