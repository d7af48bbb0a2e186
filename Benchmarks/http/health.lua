-- wrk: GET /health through a request() callback, so the /health line pays wrk the same per-request
-- Lua cost as the lookup and nginx lines it is compared with.
function request()
  return wrk.format("GET", "/health")
end
