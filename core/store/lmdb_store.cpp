// lmdb_store.cpp: counter store in an LMDB file (see lmdb_store.hpp). Rules: R-PSH-6.
#include "core/store/lmdb_store.hpp"

#include <lmdb.h>

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace mailwarden::store {

struct lmdb_store::state {
    MDB_env* env = nullptr;
    MDB_dbi dbi = 0;
};

namespace {

std::string lmdb_error(const char* what, int rc) {
    return fmt::format("lmdb {}: {}", what, mdb_strerror(rc));
}

}  // namespace

lmdb_store::lmdb_store(const std::string& path, std::size_t map_size)
    : state_(std::make_unique<state>()) {
    int rc = mdb_env_create(&state_->env);
    if (rc != 0) throw std::runtime_error(lmdb_error("env_create", rc));
    auto fail = [&](const char* what, int code) {
        mdb_env_close(state_->env);
        state_->env = nullptr;
        throw std::runtime_error(fmt::format("{}: {}", path, lmdb_error(what, code)));
    };
    if ((rc = mdb_env_set_mapsize(state_->env, map_size)) != 0) fail("set_mapsize", rc);
    // NOSUBDIR: the path is the data file. NOTLS: libmilter threads come and go; read
    // slots are tied to transactions, not threads.
    if ((rc = mdb_env_open(state_->env, path.c_str(), MDB_NOSUBDIR | MDB_NOTLS, 0600)) != 0)
        fail("open", rc);
    MDB_txn* txn = nullptr;
    if ((rc = mdb_txn_begin(state_->env, nullptr, 0, &txn)) != 0) fail("txn_begin", rc);
    if ((rc = mdb_dbi_open(txn, nullptr, 0, &state_->dbi)) != 0) {
        mdb_txn_abort(txn);
        fail("dbi_open", rc);
    }
    if ((rc = mdb_txn_commit(txn)) != 0) fail("commit", rc);
}

lmdb_store::~lmdb_store() {
    if (state_ && state_->env) mdb_env_close(state_->env);
}

template <typename Change>
cap_answer lmdb_store::update(std::string_view key, Change&& change) {
    cap_answer out;
    if (key.empty() || key.size() > 511) {  // LMDB's default key limit
        out.error = "invalid key length";
        return out;
    }
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(state_->env, nullptr, 0, &txn);
    if (rc != 0) {
        out.error = lmdb_error("txn_begin", rc);
        return out;
    }
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v{};
    policy::cap_record record;
    rc = mdb_get(txn, state_->dbi, &k, &v);
    if (rc == 0) {
        if (!policy::decode({static_cast<const char*>(v.mv_data), v.mv_size}, record)) {
            mdb_txn_abort(txn);
            out.error = "corrupt record";
            return out;
        }
    } else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        out.error = lmdb_error("get", rc);
        return out;
    }
    const policy::cap_record before = record;
    out.decision = change(record);
    if (record == before) {
        mdb_txn_abort(txn);  // nothing to write: a read-only answer
        out.ok = true;
        return out;
    }
    if (record.buckets.empty() && record.blocked_until == 0) {
        rc = mdb_del(txn, state_->dbi, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
    } else {
        std::string bytes = policy::encode(record);
        MDB_val nv{bytes.size(), bytes.data()};
        rc = mdb_put(txn, state_->dbi, &k, &nv, 0);
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        out.error = lmdb_error("put", rc);
        return out;
    }
    if ((rc = mdb_txn_commit(txn)) != 0) {
        out.error = lmdb_error("commit", rc);
        return out;
    }
    out.ok = true;
    return out;
}

cap_answer lmdb_store::check_and_add(std::string_view key, const policy::cap_params& p,
                                     std::int64_t now, std::uint64_t amount) {
    return update(key, [&](policy::cap_record& r) { return policy::apply(r, p, now, amount); });
}

cap_answer lmdb_store::peek(std::string_view key, const policy::cap_params& p, std::int64_t now) {
    return update(key, [&](policy::cap_record& r) { return policy::peek(r, p, now); });
}

cap_answer lmdb_store::reset(std::string_view key) {
    return update(key, [](policy::cap_record& r) {
        r = policy::cap_record{};
        return policy::cap_decision{};
    });
}

// Activation marks live in the same database under "activation:" + key (a '\x01' can not
// start an address, so the two key spaces never meet): 8 bytes, little-endian seconds.
namespace {
std::string activation_key(std::string_view key) {
    return std::string("\x01") + "activation:" + std::string(key);
}
}  // namespace

bool lmdb_store::record_activation(std::string_view key, std::int64_t now, std::string& error) {
    const std::string k = activation_key(key);
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(state_->env, nullptr, 0, &txn);
    if (rc == 0) {
        std::string v = policy::encode(policy::cap_record{{}, now});  // 8 bytes: the time
        MDB_val kv{k.size(), const_cast<char*>(k.data())}, vv{v.size(), v.data()};
        rc = mdb_put(txn, state_->dbi, &kv, &vv, 0);
        if (rc == 0) rc = mdb_txn_commit(txn);
        else mdb_txn_abort(txn);
    }
    if (rc != 0) error = lmdb_error("activation", rc);
    return rc == 0;
}

std::optional<std::int64_t> lmdb_store::activation_seen(std::string_view key,
                                                        std::string& error) {
    const std::string k = activation_key(key);
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(state_->env, nullptr, MDB_RDONLY, &txn);
    if (rc != 0) {
        error = lmdb_error("txn_begin", rc);
        return std::nullopt;
    }
    MDB_val kv{k.size(), const_cast<char*>(k.data())}, vv{};
    rc = mdb_get(txn, state_->dbi, &kv, &vv);
    std::optional<std::int64_t> out;
    policy::cap_record r;
    if (rc == MDB_NOTFOUND) out = 0;
    else if (rc != 0) error = lmdb_error("get", rc);
    else if (policy::decode({static_cast<const char*>(vv.mv_data), vv.mv_size}, r))
        out = r.blocked_until;
    else error = "corrupt activation record";
    mdb_txn_abort(txn);
    return out;
}

bool lmdb_store::clear_activation(std::string_view key, std::string& error) {
    const std::string k = activation_key(key);
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(state_->env, nullptr, 0, &txn);
    if (rc == 0) {
        MDB_val kv{k.size(), const_cast<char*>(k.data())};
        rc = mdb_del(txn, state_->dbi, &kv, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;  // already gone: the wanted end state
        if (rc == 0) rc = mdb_txn_commit(txn);
        else mdb_txn_abort(txn);
    }
    if (rc != 0) error = lmdb_error("clear activation", rc);
    return rc == 0;
}

// One read transaction over every key: a consistent snapshot that never blocks the
// milter's writers (LMDB readers and writers do not wait for each other).
std::optional<std::vector<counter_store::blocked_key>> lmdb_store::list_blocked(
    std::int64_t now, std::string& error) {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(state_->env, nullptr, MDB_RDONLY, &txn);
    if (rc != 0) {
        error = lmdb_error("txn_begin", rc);
        return std::nullopt;
    }
    MDB_cursor* cur = nullptr;
    if ((rc = mdb_cursor_open(txn, state_->dbi, &cur)) != 0) {
        mdb_txn_abort(txn);
        error = lmdb_error("cursor_open", rc);
        return std::nullopt;
    }
    std::vector<blocked_key> out;
    MDB_val k{}, v{};
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
        if (key.starts_with('\x01')) continue;  // activation marks, not counters
        policy::cap_record r;
        if (!policy::decode({static_cast<const char*>(v.mv_data), v.mv_size}, r)) {
            error = "corrupt record";
            break;
        }
        if (r.blocked_until > now) out.push_back({std::string(key), r.blocked_until});
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (!error.empty()) return std::nullopt;
    if (rc != MDB_NOTFOUND) {
        error = lmdb_error("cursor_get", rc);
        return std::nullopt;
    }
    return out;  // LMDB keys come sorted by bytes already
}

}  // namespace mailwarden::store
