// test_lmdb_store.cpp: the LMDB counter store passes the store conformance suite
// (R-PSH-6), and refuses a corrupt record instead of reading it as "nothing sent".
#include <doctest/doctest.h>
#include <lmdb.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/store/lmdb_store.hpp"
#include "test/unit/store/store_conformance.hpp"

using namespace mailwarden;

namespace {

struct temp_file {
    temp_file() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "mw-lmdb-XXXXXX").string();
        const int fd = mkstemp(tmpl.data());
        REQUIRE(fd >= 0);
        close(fd);
        std::filesystem::remove(tmpl);  // LMDB creates it
        path = tmpl;
    }
    ~temp_file() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
        std::filesystem::remove(path + "-lock", ec);
    }
    std::string path;
};

}  // namespace

TEST_CASE("R-PSH-6: LMDB counter store conformance") {
    temp_file f;
    test::run_store_conformance(
        [&] { return std::make_unique<store::lmdb_store>(f.path, std::size_t{1} << 24); },
        "k:", false);
}

TEST_CASE("R-PSH-6: LMDB store refuses a corrupt record and an unusable path") {
    temp_file f;
    {
        // Plant 5 bytes where a record should be.
        MDB_env* env = nullptr;
        REQUIRE(mdb_env_create(&env) == 0);
        REQUIRE(mdb_env_open(env, f.path.c_str(), MDB_NOSUBDIR, 0600) == 0);
        MDB_txn* txn = nullptr;
        REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
        MDB_dbi dbi = 0;
        REQUIRE(mdb_dbi_open(txn, nullptr, 0, &dbi) == 0);
        std::string k = "x@example.org", v = "short";
        MDB_val kv{k.size(), k.data()}, vv{v.size(), v.data()};
        REQUIRE(mdb_put(txn, dbi, &kv, &vv, 0) == 0);
        REQUIRE(mdb_txn_commit(txn) == 0);
        mdb_env_close(env);
    }
    store::lmdb_store s(f.path);
    const auto a = s.check_and_add("x@example.org", policy::cap_params{}, 1'800'000'000, 1);
    CHECK_FALSE(a.ok);
    CHECK(a.error == "corrupt record");
    CHECK_THROWS_AS(store::lmdb_store("/nonexistent-dir/x.lmdb"), std::runtime_error);
}
