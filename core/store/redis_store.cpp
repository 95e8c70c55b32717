// redis_store.cpp: counter store in Redis with one Lua script (see redis_store.hpp).
// Rules: R-PSH-6.
#include "core/store/redis_store.hpp"
#include "core/store/lmdb_store.hpp"

#include <hiredis/hiredis.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace mailwarden::store {

namespace {

// ARGV: now, amount, limit, window, bucket, block_duration, record (1) or peek (0).
// Returns {outcome (0 allowed, 1 over_limit, 2 blocked), used, blocked_until}: the same as
// policy::apply / policy::peek (amount 0 counts as 1; limit 0 = no cap, nothing counted).
constexpr const char* script = R"lua(
local now = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local bucket = tonumber(ARGV[5])
local block = tonumber(ARGV[6])
local record = ARGV[7] == '1'
if amount == 0 then amount = 1 end
local cur = now - (now % bucket)
local oldest = cur - window + bucket
local h = redis.call('HGETALL', KEYS[1])
local used = 0
local blocked = 0
for i = 1, #h, 2 do
  local f, v = h[i], tonumber(h[i + 1])
  if f == 'u' then
    if v > now then blocked = v else redis.call('HDEL', KEYS[1], 'u') end
  else
    local start = tonumber(f)
    if start < oldest then redis.call('HDEL', KEYS[1], f) else used = used + v end
  end
end
if not record then
  if blocked ~= 0 then return {2, used, blocked} end
  return {0, used, 0}
end
if blocked ~= 0 then return {2, used, blocked} end
if limit == 0 then return {0, used, 0} end
local ttl = window + block + bucket
if amount > limit or used > limit - amount then
  if block > 0 then
    blocked = now + block
    redis.call('HSET', KEYS[1], 'u', blocked)
    redis.call('EXPIRE', KEYS[1], ttl)
  end
  return {1, used, blocked}
end
redis.call('HINCRBY', KEYS[1], tostring(cur), amount)
redis.call('EXPIRE', KEYS[1], ttl)
return {0, used + amount, 0}
)lua";

struct reply_deleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

}  // namespace

struct redis_store::state {
    std::string uri;
    std::string prefix;
    redisContext* ctx = nullptr;
    std::string sha;  // of the loaded script

    void drop() {
        if (ctx) redisFree(ctx);
        ctx = nullptr;
    }
};

redis_store::redis_store(std::string uri, std::string key_prefix)
    : state_(std::make_unique<state>()) {
    state_->uri = std::move(uri);
    state_->prefix = std::move(key_prefix);
}

redis_store::~redis_store() { state_->drop(); }

std::string redis_store::connect() {
    std::lock_guard lock(mutex_);
    if (state_->ctx) return {};
    const timeval timeout{2, 0};
    const std::string& uri = state_->uri;
    redisContext* c = nullptr;
    if (uri.starts_with("unix:")) {
        c = redisConnectUnixWithTimeout(uri.substr(5).c_str(), timeout);
    } else if (uri.starts_with("tcp://")) {
        const std::string rest = uri.substr(6);
        const auto colon = rest.rfind(':');
        int port = 0;
        const std::string port_text = colon == std::string::npos ? "" : rest.substr(colon + 1);
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        c = redisConnectWithTimeout(rest.substr(0, colon).c_str(), port, timeout);
    } else {
        return "not a Redis URI";
    }
    if (c == nullptr) return "cannot allocate a Redis context";
    if (c->err) {
        std::string why = c->errstr;
        redisFree(c);
        return "connect: " + why;
    }
    redisSetTimeout(c, timeout);
    state_->ctx = c;
    return {};
}

cap_answer redis_store::run_script(std::string_view key, const policy::cap_params& p,
                                   std::int64_t now, std::uint64_t amount, bool record) {
    cap_answer out;
    if (std::string why = connect(); !why.empty()) {
        out.error = "redis " + why;
        return out;
    }
    std::lock_guard lock(mutex_);
    const std::string full_key = state_->prefix + std::string(key);
    const std::vector<std::string> args{
        std::to_string(now),   std::to_string(amount),
        std::to_string(p.limit), std::to_string(p.window),
        std::to_string(p.bucket), std::to_string(p.block_duration),
        record ? "1" : "0"};
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (state_->sha.empty()) {
            reply_ptr loaded(static_cast<redisReply*>(
                redisCommand(state_->ctx, "SCRIPT LOAD %s", script)));
            if (!loaded || loaded->type != REDIS_REPLY_STRING) {
                out.error = loaded ? "redis SCRIPT LOAD refused" : "redis: " +
                                                                       std::string(state_->ctx->errstr);
                state_->drop();
                return out;
            }
            state_->sha.assign(loaded->str, loaded->len);
        }
        std::vector<const char*> argv{"EVALSHA", state_->sha.c_str(), "1", full_key.c_str()};
        std::vector<std::size_t> lens{7, state_->sha.size(), 1, full_key.size()};
        for (const auto& a : args) {
            argv.push_back(a.c_str());
            lens.push_back(a.size());
        }
        reply_ptr r(static_cast<redisReply*>(redisCommandArgv(
            state_->ctx, static_cast<int>(argv.size()), argv.data(), lens.data())));
        if (!r) {
            out.error = "redis: " + std::string(state_->ctx->errstr);
            state_->drop();
            return out;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            const std::string text(r->str, r->len);
            if (text.starts_with("NOSCRIPT") && attempt == 0) {
                state_->sha.clear();  // the server restarted or flushed its scripts
                continue;
            }
            out.error = "redis: " + text;
            return out;
        }
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
            out.error = "redis: unexpected script reply";
            return out;
        }
        const long long o = r->element[0]->integer;
        out.decision.outcome = o == 0   ? policy::cap_outcome::allowed
                               : o == 1 ? policy::cap_outcome::over_limit
                                        : policy::cap_outcome::blocked;
        out.decision.used = static_cast<std::uint64_t>(r->element[1]->integer);
        out.decision.blocked_until = r->element[2]->integer;
        out.ok = true;
        return out;
    }
    out.error = "redis: script could not be loaded";
    return out;
}

cap_answer redis_store::check_and_add(std::string_view key, const policy::cap_params& p,
                                      std::int64_t now, std::uint64_t amount) {
    return run_script(key, p, now, amount, true);
}

cap_answer redis_store::peek(std::string_view key, const policy::cap_params& p,
                             std::int64_t now) {
    return run_script(key, p, now, 0, false);
}

cap_answer redis_store::reset(std::string_view key) {
    cap_answer out;
    if (std::string why = connect(); !why.empty()) {
        out.error = "redis " + why;
        return out;
    }
    std::lock_guard lock(mutex_);
    const std::string full_key = state_->prefix + std::string(key);
    reply_ptr r(static_cast<redisReply*>(
        redisCommand(state_->ctx, "DEL %b", full_key.data(), full_key.size())));
    if (!r || r->type == REDIS_REPLY_ERROR) {
        out.error = r ? "redis: " + std::string(r->str, r->len)
                      : "redis: " + std::string(state_->ctx->errstr);
        if (!r) state_->drop();
        return out;
    }
    out.ok = true;
    return out;
}

bool redis_store::record_activation(std::string_view key, std::int64_t now, std::string& error) {
    if (std::string why = connect(); !why.empty()) {
        error = "redis " + why;
        return false;
    }
    std::lock_guard lock(mutex_);
    const std::string k = state_->prefix + "activation:" + std::string(key);
    const std::string v = std::to_string(now);
    reply_ptr r(static_cast<redisReply*>(
        redisCommand(state_->ctx, "SET %b %b", k.data(), k.size(), v.data(), v.size())));
    if (!r || r->type == REDIS_REPLY_ERROR) {
        error = r ? "redis: " + std::string(r->str, r->len)
                  : "redis: " + std::string(state_->ctx->errstr);
        if (!r) state_->drop();
        return false;
    }
    return true;
}

std::optional<std::int64_t> redis_store::activation_seen(std::string_view key,
                                                         std::string& error) {
    if (std::string why = connect(); !why.empty()) {
        error = "redis " + why;
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    const std::string k = state_->prefix + "activation:" + std::string(key);
    reply_ptr r(static_cast<redisReply*>(redisCommand(state_->ctx, "GET %b", k.data(), k.size())));
    if (!r || r->type == REDIS_REPLY_ERROR) {
        error = r ? "redis: " + std::string(r->str, r->len)
                  : "redis: " + std::string(state_->ctx->errstr);
        if (!r) state_->drop();
        return std::nullopt;
    }
    if (r->type == REDIS_REPLY_NIL) return 0;
    std::int64_t v = 0;
    const std::string_view t(r->str, r->len);
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || p != t.data() + t.size()) {
        error = "corrupt activation record";
        return std::nullopt;
    }
    return v;
}

bool redis_store::clear_activation(std::string_view key, std::string& error) {
    if (std::string why = connect(); !why.empty()) {
        error = "redis " + why;
        return false;
    }
    std::lock_guard lock(mutex_);
    const std::string k = state_->prefix + "activation:" + std::string(key);
    reply_ptr r(static_cast<redisReply*>(redisCommand(state_->ctx, "DEL %b", k.data(), k.size())));
    if (!r || r->type == REDIS_REPLY_ERROR) {
        error = r ? "redis: " + std::string(r->str, r->len)
                  : "redis: " + std::string(state_->ctx->errstr);
        if (!r) state_->drop();
        return false;
    }
    return true;
}

namespace {

// The prefix as a SCAN MATCH pattern that matches itself literally, then anything.
std::string literal_pattern(std::string_view prefix) {
    std::string out;
    for (const char c : prefix) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
        out += c;
    }
    return out + "*";
}

}  // namespace

// SCAN (never KEYS: that would stall every MTA sharing this Redis on a large key space)
// over the prefix, then HGET u of each account hash. Activation marks (plain strings under
// PREFIX "activation:") are skipped by name.
std::optional<std::vector<counter_store::blocked_key>> redis_store::list_blocked(
    std::int64_t now, std::string& error) {
    if (std::string why = connect(); !why.empty()) {
        error = "redis " + why;
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    const std::string& prefix = state_->prefix;
    const std::string pattern = literal_pattern(prefix);
    const std::string activation = prefix + "activation:";
    auto failed = [&](const redisReply* r) {
        if (r == nullptr) error = "redis: " + std::string(state_->ctx->errstr);
        else if (r->type == REDIS_REPLY_ERROR) error = "redis: " + std::string(r->str, r->len);
        else error = "redis: unexpected SCAN reply";
        if (!r) state_->drop();
        return std::nullopt;
    };
    std::vector<blocked_key> out;
    std::string cursor = "0";
    do {
        reply_ptr r(static_cast<redisReply*>(
            redisCommand(state_->ctx, "SCAN %b MATCH %b COUNT 500", cursor.data(), cursor.size(),
                         pattern.data(), pattern.size())));
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY)
            return failed(r.get());
        cursor.assign(r->element[0]->str, r->element[0]->len);
        const redisReply* keys = r->element[1];
        for (std::size_t i = 0; i < keys->elements; ++i) {
            const std::string k(keys->element[i]->str, keys->element[i]->len);
            if (k.starts_with(activation)) continue;
            reply_ptr u(static_cast<redisReply*>(
                redisCommand(state_->ctx, "HGET %b u", k.data(), k.size())));
            if (!u) return failed(nullptr);
            if (u->type != REDIS_REPLY_STRING) continue;  // no block, expired, or not a hash
            std::int64_t until = 0;
            const auto [p, ec] = std::from_chars(u->str, u->str + u->len, until);
            if (ec != std::errc{} || p != u->str + u->len) {
                error = "corrupt record";
                return std::nullopt;
            }
            // A block that ended stays in the hash until the next script run prunes it.
            if (until > now) out.push_back({k.substr(prefix.size()), until});
        }
    } while (cursor != "0");
    // SCAN may return a key twice (rehashing); sort and drop the repeats.
    std::sort(out.begin(), out.end(),
              [](const blocked_key& a, const blocked_key& b) { return a.key < b.key; });
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::unique_ptr<counter_store> open_counter_store(const config::send_cap_settings& s) {
    if (s.store == config::store_backend::redis) return std::make_unique<redis_store>(s.redis_uri);
    return std::make_unique<lmdb_store>(s.lmdb_path);
}

policy::cap_params cap_params_from(const config::send_cap_settings& s, std::uint64_t limit) {
    policy::cap_params p;
    p.limit = limit;
    p.window = s.window.count();
    p.bucket = s.bucket.count();
    p.block_duration = s.block_duration.count();
    return p;
}

}  // namespace mailwarden::store
