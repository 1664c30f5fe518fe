//! The Lua scripts run on Redis, each atomically (one `EVALSHA`): Redis runs one script at a time,
//! so there is no read-modify-write race between workers. Time is Redis's own clock (`TIME`), so the
//! workers' clocks need not agree.

/// GCRA for requests and tokens per minute in one step. `KEYS`: the requests key, the tokens key.
/// `ARGV`: requests per minute (0: none), tokens per minute (0: none), this request's tokens. Each
/// key holds its theoretical arrival time (µs). The burst is one second's worth of the rate (at
/// least 1); a request of more tokens than that passes once the bucket is empty. Returns 0 when the
/// request may start (both keys updated), else the wait in ms (nothing updated).
pub(crate) const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function check(key, per_minute, cost)
  if per_minute <= 0 or cost <= 0 then return nil, 0 end
  local interval = 60000000 / per_minute
  local burst = math.max(1, math.floor(per_minute / 60))
  local tolerance = interval * math.max(burst, cost)
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval * cost
  local allow_at = new_tat - tolerance
  if allow_at > now then return nil, allow_at - now end
  return new_tat, 0
end
local rpm_tat, rpm_wait = check(KEYS[1], tonumber(ARGV[1]), 1)
local tpm_tat, tpm_wait = check(KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3]))
local wait = math.max(rpm_wait, tpm_wait)
if wait > 0 then return math.max(1, math.ceil(wait / 1000)) end
if rpm_tat then
  redis.call('SET', KEYS[1], string.format('%.0f', rpm_tat), 'PX', math.ceil((rpm_tat - now) / 1000) + 1000)
end
if tpm_tat then
  redis.call('SET', KEYS[2], string.format('%.0f', tpm_tat), 'PX', math.ceil((tpm_tat - now) / 1000) + 1000)
end
return 0
";

/// Takes a lease of the concurrency cap. `KEYS`: the sorted set of leases (scored by expiry, ms).
/// `ARGV`: the cap, the lease time (ms), this lease's id. Removes expired leases, then adds ours when
/// fewer than the cap remain. Returns 0 when taken, else the ms until the earliest lease expires.
pub(crate) const TAKE_LEASE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], lease * 2)
  return 0
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(first[2]) - now)
";

/// Extends a held lease. `KEYS`: the sorted set. `ARGV`: the lease time (ms), the lease's id. Only
/// a lease still present is extended (one that expired may have been handed to another worker).
/// Returns 1 when extended, 0 when the lease was gone.
pub(crate) const REFRESH_LEASE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], lease * 2)
  return 1
end
return 0
";
