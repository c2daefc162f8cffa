-- Sends each request to the next server id of a range, so that no server is hit twice in a row
-- (a server that is still building returns 423 to a new build). The range is split between
-- wrk's threads, and each thread walks its part in order, starting over at its end.
-- Environment: BENCH_METHOD (GET or POST), BENCH_PATH (with %d for the id), BENCH_FIRST_ID,
-- BENCH_COUNT, BENCH_THREADS (the same as wrk's -t), BENCH_TOKEN, and BENCH_BODY for POST.

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH")
local first = tonumber(os.getenv("BENCH_FIRST_ID"))
local count = tonumber(os.getenv("BENCH_COUNT"))
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
local body = os.getenv("BENCH_BODY")
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
  ["Content-Type"] = "application/json",
}

local setup_calls = 0

-- Runs in wrk's main script state, once per thread, before that thread's init.
function setup(thread)
  setup_calls = setup_calls + 1
  thread:set("thread_index", setup_calls)
end

function init(args)
  local size = math.floor(count / threads)
  part_first = first + ((thread_index or 1) - 1) * size
  part_count = size
  next_offset = 0
end

function request()
  local id = part_first + next_offset
  next_offset = (next_offset + 1) % part_count
  return wrk.format(method, string.format(path, id), headers, body)
end
