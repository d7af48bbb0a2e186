-- wrk: POST /lookup/customer for COUNT callers in turn (first script argument, default 100),
-- starting at caller FIRST (second argument, default 0) and going round to 0 after COUNT - 1.
-- Caller i is +1555 followed by i in seven digits; the CRM simulator (and the original worker's
-- mock CRM) know callers 0..9999, so larger counts are mostly numbers the CRM does not know
-- (unless it runs with --every-phone, CRM_EVERY_PHONE=1 for the worker's).
local count, next_index
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  count = math.min(tonumber(args[1] or "100"), 10000000)
  next_index = math.min(math.max(tonumber(args[2] or "0"), 0), count - 1)
end

function request()
  local body = string.format('{"ani":"+1555%07d"}', next_index)
  next_index = (next_index + 1) % count
  return wrk.format("POST", "/lookup/customer", headers, body)
end
