package redis

import "github.com/redis/rueidis"

// luaPrelude holds the helpers of the scripts.
//
// others reports whether the hash at key has a field, other than skip,
// naming a node whose lease runs past now; with gc it deletes the fields
// naming nodes gone from the nodes set (fully reaped, or never registered).
const luaPrelude = `
local function nowms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function others(nodes, key, skip, now, gc)
  local live = false
  for _, n in ipairs(redis.call('HKEYS', key)) do
    if n ~= skip then
      local s = redis.call('ZSCORE', nodes, n)
      if s then
        if tonumber(s) > now then live = true end
      elseif gc then
        redis.call('HDEL', key, n)
      end
    end
  end
  return live
end
`

// presenceHeartbeat renews the lease of node ARGV[1] and lists expired nodes.
//
// KEYS[1] nodes, KEYS[2] n:<node>. ARGV[1] node, ARGV[2] lease ms, ARGV[3]
// record TTL ms, ARGV[4] "1" to register a new node, ARGV[5] max dead nodes.
// Returns {state, dead nodes}: state -1 when the node was reaped or is
// unknown (nothing done), 1 when its lease had lapsed, else 0.
const presenceHeartbeat = luaPrelude + `
local now = nowms()
local state = 0
if ARGV[4] ~= '1' then
  local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if not s or tonumber(s) <= 0 then return {-1, {}} end
  if tonumber(s) <= now then state = 1 end
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {state, redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))}
`

// presenceUpdate sets the connection counts of users on node ARGV[1].
//
// KEYS[1] nodes, KEYS[2] n:<node>, then u:<user>, seen:<user> per user.
// ARGV[1] node, ARGV[2] lease ms, ARGV[3] record TTL ms, ARGV[4] seen TTL
// ms, ARGV[5] last-seen ms for users going offline, ARGV[6] "1" to remove
// the node afterwards (Close), then user, count per user. Returns {-1} when
// the node was reaped or is unknown (nothing done), else {0, t...} with per
// user t = 1 came online, -1 went offline, 0 neither.
const presenceUpdate = luaPrelude + `
local nodes, me = KEYS[1], ARGV[1]
local now = nowms()
local s = redis.call('ZSCORE', nodes, me)
if not s or tonumber(s) <= 0 then return {-1} end
local out = {0}
for i = 1, (#ARGV - 6) / 2 do
  local ukey, skey = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  local user, n = ARGV[5 + 2 * i], tonumber(ARGV[6 + 2 * i])
  local old = tonumber(redis.call('HGET', ukey, me) or '0')
  local other = others(nodes, ukey, me, now, true)
  if n > 0 then
    redis.call('HSET', ukey, me, n)
    redis.call('PEXPIRE', ukey, ARGV[3])
    redis.call('SADD', KEYS[2], user)
  else
    redis.call('HDEL', ukey, me)
    redis.call('SREM', KEYS[2], user)
  end
  local t = 0
  if not other then
    if old <= 0 and n > 0 then
      t = 1
    elseif old > 0 and n <= 0 then
      t = -1
      redis.call('SET', skey, ARGV[5], 'PX', ARGV[4])
    end
  end
  out[#out + 1] = t
end
if ARGV[6] == '1' then
  redis.call('ZREM', nodes, me)
  redis.call('DEL', KEYS[2])
else
  redis.call('ZADD', nodes, now + tonumber(ARGV[2]), me)
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return out
`

// presenceClaim claims dead node ARGV[1] for reaper ARGV[2].
//
// KEYS[1] nodes, KEYS[2] reap:<node>. ARGV[1] node, ARGV[2] claimant,
// ARGV[3] claim TTL ms. Returns the node's lease expiry (ms) when claimed,
// else 0 (alive, gone, or claimed by another).
const presenceClaim = luaPrelude + `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s then return 0 end
s = tonumber(s)
if s > nowms() then return 0 end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 0 end
if s > 0 then
  redis.call('ZADD', KEYS[1], -s, ARGV[1])
else
  s = -s
end
return s
`

// presenceReap removes claimed dead node ARGV[1] from the hashes of users.
//
// KEYS[1] nodes, KEYS[2] n:<node>, KEYS[3] reap:<node>, then u:<user>,
// seen:<user> per user. ARGV[1] node, ARGV[2] claimant, ARGV[3] lease
// expiry ms, ARGV[4] claim TTL ms, ARGV[5] seen TTL ms, then the users.
// Returns {-1, {}} when the claim is not ARGV[2]'s, else {users left on
// the node, users who went offline}; with none left the node is removed.
const presenceReap = luaPrelude + `
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return {-1, {}} end
redis.call('PEXPIRE', KEYS[3], ARGV[4])
local now = nowms()
local expiry = tonumber(ARGV[3])
local gone = {}
for i = 6, #ARGV do
  local ukey, skey = KEYS[2 * (i - 6) + 4], KEYS[2 * (i - 6) + 5]
  redis.call('SREM', KEYS[2], ARGV[i])
  if redis.call('HDEL', ukey, ARGV[1]) == 1 and not others(KEYS[1], ukey, '', now, true) then
    if tonumber(redis.call('GET', skey) or '0') < expiry then
      redis.call('SET', skey, ARGV[3], 'PX', ARGV[5])
      gone[#gone + 1] = ARGV[i]
    end
  end
end
local left = redis.call('SCARD', KEYS[2])
if left == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[3])
end
return {left, gone}
`

// presenceStatus reads the presence of users.
//
// KEYS[1] nodes, then u:<user>, seen:<user> per user. Returns online (0/1),
// last-seen ms (0: unknown) per user. A user whose nodes all expired but are
// not reaped yet was last seen at the latest of their expiries.
const presenceStatus = luaPrelude + `
local now = nowms()
local scores = {}
local out = {}
for i = 1, (#KEYS - 1) / 2 do
  local online, seen = 0, tonumber(redis.call('GET', KEYS[2 * i + 1]) or '0')
  for _, n in ipairs(redis.call('HKEYS', KEYS[2 * i])) do
    local s = scores[n]
    if s == nil then
      s = tonumber(redis.call('ZSCORE', KEYS[1], n) or '0')
      scores[n] = s
    end
    if s > now then
      online = 1
    elseif s ~= 0 then
      seen = math.max(seen, math.abs(s))
    end
  end
  out[#out + 1] = online
  out[#out + 1] = seen
end
return out
`

var (
	heartbeatScript = rueidis.NewLuaScript(presenceHeartbeat)
	updateScript    = rueidis.NewLuaScript(presenceUpdate)
	claimScript     = rueidis.NewLuaScript(presenceClaim)
	reapScript      = rueidis.NewLuaScript(presenceReap)
	statusScript    = rueidis.NewLuaScriptReadOnly(presenceStatus)
)
