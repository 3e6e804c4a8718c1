/**
 * The relay's routing, run inside Redis so that it reads presence and publishes in one atomic step:
 * an event relayed after a node's presence claim reached Redis always reaches that node.
 *
 * KEYS: the presence key of each user of the batch. ARGV[1]: now (ms); ARGV[2]: the sending node's id
 * (never a target); ARGV[3]: the relay channel prefix (a node's channel is prefix .. node id);
 * ARGV[4]: the message header; ARGV[4 + i]: user i's events (one JSON array, one line).
 * Publishes, to each node that holds at least one of the users, one message: the header and the lines
 * of that node's users. Returns [node, "i,j,..." (1-based user indexes), node, ...].
 */
export const RELAY_SCRIPT = `
local now = tonumber(ARGV[1])
local byNode = {}
local order = {}
for i, key in ipairs(KEYS) do
  local nodes = redis.call('ZRANGEBYSCORE', key, now, '+inf')
  for _, n in ipairs(nodes) do
    if n ~= ARGV[2] then
      local t = byNode[n]
      if not t then
        t = {}
        byNode[n] = t
        order[#order + 1] = n
      end
      t[#t + 1] = i
    end
  end
end
local out = {}
for _, n in ipairs(order) do
  local idx = byNode[n]
  local parts = { ARGV[4] }
  for j, i in ipairs(idx) do parts[j + 1] = ARGV[4 + i] end
  redis.call('PUBLISH', ARGV[3] .. n, table.concat(parts, '\\n'))
  out[#out + 1] = n
  out[#out + 1] = table.concat(idx, ',')
end
return out
`;
