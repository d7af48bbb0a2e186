-- wrk: POST /lookup/customer for COUNT callers in turn (first script argument, default 100).
-- Customers 0..9999 exist in the embedded CRM simulator as +1555000NNNN.
local count, next_index
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  count = tonumber(args[1] or "100")
  next_index = 0
end

function request()
  local body = string.format('{"ani":"+1555%07d"}', next_index % 10000)
  next_index = (next_index + 1) % count
  return wrk.format("POST", "/lookup/customer", headers, body)
end
