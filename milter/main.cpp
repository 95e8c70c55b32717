// main.cpp: mailwarden-milter, the policy milter Postfix calls (smtpd_milters and
// non_smtpd_milters). Start-up order matters and is: options -> config (all errors, exit 78)
// -> logger -> milter socket (as root) -> privilege drop -> daemonise (without -f) -> serve.
//   mailwarden-milter [-c FILE] [--check-config] [-f] [--version]
// Signals: SIGTERM/SIGINT stop (smfi_stop; connections in progress finish); SIGHUP loads
// the config again and swaps it in only if it has no error (messages in progress keep the
// snapshot they started with).
// Rules: R-TJP-4 (audit line per message, via session), R-MYO-12 (one milter in a chain),
// R-SAV-9 (account directory), R-PSH-6 (counter store; a test-only clock offset), R-TJP-3
// (subject block list loaded at start and on SIGHUP with the config; a broken file exits 78
// at start and keeps the running rules on reload), R-PSH-3 (the optional write connection
// for activations, opened as root), R-PSH-5 / R-SAV-4 (classes.attribute follows reloads).
// Security: starts as root only to open the socket, connect LDAP (and, with
// ldap.write_bind_dn, the write connection, whose password is read as root into a memfd
// for milter.user) and create the LMDB files for milter.user; then runs as
// milter.user/milter.group and refuses to continue as root; writes nothing as root. Without
// ldap.write_bind_dn it never reads or holds a write credential. Trusts nothing it is sent.
// Failure: a bad config exits 78 (EX_CONFIG) before anything is opened; a failed reload
// keeps the running config; while it is down, Postfix answers 451 4.7.1 itself
// (milter_default_action = tempfail), so no mail is lost or let through unchecked.
#include <fcntl.h>
#include <fmt/format.h>
#include <libmilter/mfapi.h>
#include <pthread.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "core/config/config.hpp"
#include "core/policy/directory.hpp"
#include "core/policy/subject_rules.hpp"
#include "core/store/counter_store.hpp"
#include "core/store/redis_store.hpp"
#include "core/util/clock.hpp"
#include "core/util/log.hpp"
#include "core/util/version.hpp"
#include "milter/callbacks.hpp"
#include "milter/config_holder.hpp"
#include "milter/ldap_directory.hpp"
#include "milter/listener.hpp"
#include "milter/process.hpp"
#include "milter/socket_spec.hpp"

namespace mailwarden::milter {
namespace {

constexpr const char* program = "mailwarden-milter";

// Sinks live for the whole process: the syslog sink owns the ident string openlog() keeps
// a pointer to (libmilter logs through syslog too), so it must never be destroyed, and a
// reload that switches target back and forth reuses the same sink.
std::shared_ptr<log::sink> sink_for(config::log_target target) {
    static const std::shared_ptr<log::sink> to_stderr = log::make_stderr_sink(program);
    if (target == config::log_target::stderr_stream) return to_stderr;
    static const std::shared_ptr<log::sink> to_syslog = log::make_syslog_sink(program);
    return to_syslog;
}

std::shared_ptr<const runtime_config> make_runtime(
    config::settings s, std::shared_ptr<const policy::subject_rules> subjects) {
    log::logger logger(sink_for(s.log.target), s.log.level);
    return make_runtime_config(std::move(s), logger, std::move(subjects));
}

// R-TJP-3: the subject block list rules.subject_block_file names (no rules, no errors when
// the key is empty). Read at start (as root) and at each reload (as milter.user, so the
// file must be readable by it).
policy::subject_rules_load load_subjects(const config::settings& s) {
    if (s.rules.subject_block_file.empty()) return {};
    return policy::load_subject_rules(s.rules.subject_block_file, s.rules.subject_block_action);
}

void log_subjects(const runtime_config& rc, std::string_view when) {
    if (rc.subjects)
        rc.log.info("{}: subject block list {}: {} rule(s) (R-TJP-3)", when, rc.subjects->file(),
                    rc.subjects->size());
}

// TEST ONLY (milter.allow_test_clock): the wall clock shifted by
// $MAILWARDEN_TEST_CLOCK_OFFSET seconds, so an integration test can show a 24-hour block
// lifting without waiting a day. Ignored (with a warning) unless the config enables it.
class offset_clock final : public clock {
public:
    explicit offset_clock(seconds offset) : offset_(offset) {}
    time_point now() const override { return system_clock{}.now() + offset_; }

private:
    seconds offset_;
};

std::unique_ptr<const clock> make_clock(const config::settings& s, const log::logger& log) {
    const char* text = std::getenv("MAILWARDEN_TEST_CLOCK_OFFSET");
    if (text == nullptr) return std::make_unique<system_clock>();
    if (!s.milter.allow_test_clock) {
        log.warning("ignoring MAILWARDEN_TEST_CLOCK_OFFSET: milter.allow_test_clock is false");
        return std::make_unique<system_clock>();
    }
    long long offset = 0;
    const std::string_view v(text);
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), offset);
    if (ec != std::errc{} || p != v.data() + v.size())
        throw std::runtime_error("MAILWARDEN_TEST_CLOCK_OFFSET is not a number of seconds");
    log.warning("TEST CLOCK: time is shifted by {} s (milter.allow_test_clock)", offset);
    return std::make_unique<offset_clock>(seconds{offset});
}

// As root, before the privilege drop: the LMDB data and lock files exist and belong to
// milter.user (mode 0600), so the store can be opened after the drop and the fork.
void prepare_lmdb_files(const std::string& lmdb_path, const account& user) {
    for (const std::string& f : {lmdb_path, lmdb_path + "-lock"}) {
        const int fd = ::open(f.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            throw std::runtime_error(fmt::format("send_cap.lmdb_path: {}: {}", f,
                                                 std::strerror(errno)));
        const bool root = geteuid() == 0;
        const int rc = root ? fchown(fd, user.uid, user.gid) : 0;
        const int saved = errno;
        ::close(fd);
        if (rc != 0)
            throw std::runtime_error(fmt::format("send_cap.lmdb_path: chown {}: {}", f,
                                                 std::strerror(saved)));
    }
}

// The account directory the sessions ask: LDAP behind a cache, or, without ldap.base_dn,
// the login-only directory (senders may only use their login). ldap.* and the cache TTLs
// are read once: they take effect at the next restart (a reload clears the cache).
struct directories {
    std::unique_ptr<policy::directory> inner;
    std::unique_ptr<policy::cached_directory> cached;
    policy::directory* use = nullptr;
    ldap_directory* ldap = nullptr;  // the inner one, when LDAP is used (reload: classes)
};

directories make_directories(const config::settings& s, const log::logger& log,
                             const clock& now) {
    directories d;
    if (s.ldap.base_dn.empty()) {
        log.warning(
            "ldap.base_dn is empty: no account lookups; authenticated senders may only use "
            "their login as sender (no aliases, grants, status or per-account limits)");
        d.inner = std::make_unique<policy::login_only_directory>();
        d.use = d.inner.get();
        return d;
    }
    auto ldap = std::make_unique<ldap_directory>(s, log);
    // Connect as root, before the privilege drop: a wrong URI or password shows at start.
    // LDAP being down is not fatal (mail is tempfailed until it is back).
    if (const std::string problem = ldap->warm_up(); !problem.empty())
        log.warning("ldap: cannot connect to {} yet: {}; lookups tempfail until it answers",
                    s.ldap.uri, log::untrusted{problem});
    d.ldap = ldap.get();
    d.inner = std::move(ldap);
    d.cached = std::make_unique<policy::cached_directory>(*d.inner, now, s.ldap.cache_ttl,
                                                          s.ldap.negative_cache_ttl);
    d.use = d.cached.get();
    return d;
}

void print_errors(const config::load_result& r, const log::logger& log) {
    for (const auto& e : r.errors) log.error("{}", e.to_string());
}

// R-PSH-3: the write connection for activations, only when ldap.write_bind_dn is set
// (else null: the milter holds no write credential). As root, before the privilege drop:
// the password file may be root's only. An unreadable file is a configuration error;
// LDAP being down is not (activations are recorded and left for activate-pending).
std::unique_ptr<ldap_status_writer> make_status_writer(const config::settings& s,
                                                       const account& user,
                                                       const log::logger& log) {
    if (s.ldap.write_bind_dn.empty()) return nullptr;
    int secret = -1;
    try {
        secret = secret_memfd(s.ldap.write_bind_password_file, user);
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("ldap.write_bind_password_file: {}", e.what()));
    }
    auto writer = std::make_unique<ldap_status_writer>(s, secret, log);
    if (const std::string problem = writer->open(); !problem.empty())
        log.warning(
            "ldap: write connection as {} not open yet: {}; activations are recorded "
            "and written once it answers (R-PSH-3)",
            s.ldap.write_bind_dn, log::untrusted{problem});
    else
        log.info("ldap: write connection as {} open: activations are written (R-PSH-3)",
                 s.ldap.write_bind_dn);
    return writer;
}

// What of ldap.* a reload cannot change: everything but status_cache_ttl, which every
// message reads from its snapshot.
bool ldap_needs_restart(config::ldap_settings before, config::ldap_settings after) {
    before.status_cache_ttl = after.status_cache_ttl;
    return before != after;
}

// SIGHUP: build and check a new config; swap it in only when it is whole.
void reload(config_holder& holder, const std::string& path, const directories& dirs) {
    policy::cached_directory* cache = dirs.cached.get();
    const auto old = holder.current();
    config::load_result loaded = config::load_file(path);
    if (!loaded.ok()) {
        print_errors(loaded, old->log);
        old->log.error("reload: {} has {} error(s); keeping the running configuration", path,
                       loaded.errors.size());
        return;
    }
    const config::milter_settings& before = old->settings.milter;
    const config::milter_settings& after = loaded.value->milter;
    if (after.socket != before.socket || after.user != before.user ||
        after.group != before.group || after.socket_group != before.socket_group) {
        // The socket is open and root is gone: these only change with a restart.
        old->log.warning(
            "reload: milter.socket, milter.user and milter.group take effect "
            "at the next restart; still {} as {}",
            before.socket, before.user);
    }
    policy::subject_rules_load subjects = load_subjects(*loaded.value);
    if (!subjects.errors.empty()) {
        // R-TJP-3: a broken rules file keeps the running rules (and config); connections
        // in progress never notice.
        for (const auto& e : subjects.errors) old->log.error("{}", log::untrusted{e});
        old->log.error("reload: {} has {} error(s); keeping the running configuration and "
                       "subject rules",
                       loaded.value->rules.subject_block_file, subjects.errors.size());
        return;
    }
    if (ldap_needs_restart(old->settings.ldap, loaded.value->ldap))
        old->log.warning("reload: ldap.* (but status_cache_ttl) takes effect at the next restart");
    // classes.attribute: what the directory reads, before the cache is cleared below.
    if (dirs.ldap != nullptr) dirs.ldap->set_class_attribute(loaded.value->classes.attribute);
    holder.replace(make_runtime(std::move(*loaded.value), std::move(subjects.rules)));
    if (cache != nullptr) cache->clear();
    holder.current()->log.info("reload: configuration loaded from {}", path);
    log_subjects(*holder.current(), "reload");
}

// smfi_main runs on its own thread so that the main thread (the one kill() delivers
// process signals to first on Linux) can sigwait for them; libmilter's own signal thread
// would stop the milter on SIGHUP instead of reloading.
int serve(config_holder& holder, const std::string& path, const directories& dirs) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    // Blocked here, so every thread started below inherits the block.
    if (const int e = pthread_sigmask(SIG_BLOCK, &signals, nullptr); e != 0)
        throw std::runtime_error(std::string("pthread_sigmask: ") + std::strerror(e));

    const pthread_t main_thread = pthread_self();
    std::atomic<int> milter_result{MI_SUCCESS};
    std::thread milter([&] {
        milter_result = smfi_main();
        // Wake the main thread if libmilter stopped on its own (error, or it took a signal).
        pthread_kill(main_thread, SIGTERM);
    });

    holder.current()->log.info("started {} {}: config {}, socket {}, uid {}", program, version,
                               path, holder.current()->settings.milter.socket, getuid());
    for (;;) {
        int signal_number = 0;
        if (sigwait(&signals, &signal_number) != 0) continue;
        if (signal_number == SIGHUP) {
            try {
                reload(holder, path, dirs);
            } catch (const std::exception& e) {
                holder.current()->log.error("reload failed, keeping the running config: {}",
                                            log::untrusted{e.what()});
            }
            continue;
        }
        holder.current()->log.info("stopping on signal {}", signal_number);
        smfi_stop();
        break;
    }
    milter.join();
    if (milter_result != MI_SUCCESS) {
        holder.current()->log.error("smfi_main failed");
        return EX_SOFTWARE;
    }
    holder.current()->log.info("stopped");
    return 0;
}

int run(const std::string& path, bool foreground) {
    const log::logger boot(sink_for(config::log_target::stderr_stream), log::level::info);
    config::load_result loaded = config::load_file(path);
    if (!loaded.ok()) {
        print_errors(loaded, boot);
        return config::ex_config;
    }
    policy::subject_rules_load subjects = load_subjects(*loaded.value);
    if (!subjects.errors.empty()) {
        for (const auto& e : subjects.errors) boot.error("{}", log::untrusted{e});
        return config::ex_config;
    }
    config_holder holder(make_runtime(std::move(*loaded.value), std::move(subjects.rules)));
    const auto first = holder.current();
    log_subjects(*first, "start");
    const log::logger& log = first->log;
    const config::milter_settings& ms = first->settings.milter;

    socket_spec spec;
    account user;
    try {
        spec = parse_socket_spec(ms.socket);
        user = resolve_account(ms.user, ms.group);
    } catch (const std::exception& e) {
        log.error("{}: {}", path, e.what());
        return config::ex_config;
    }

    const std::unique_ptr<const clock> wall_clock = make_clock(first->settings, log);
    directories dirs;
    std::unique_ptr<ldap_status_writer> writer;
    try {
        dirs = make_directories(first->settings, log, *wall_clock);
        writer = make_status_writer(first->settings, user, log);
        if (first->settings.send_cap.store == config::store_backend::lmdb)
            prepare_lmdb_files(first->settings.send_cap.lmdb_path, user);
    } catch (const std::exception& e) {
        log.error("{}: {}", path, e.what());
        return config::ex_config;
    }
    services shared;
    shared.directory = dirs.use;
    shared.now = wall_clock.get();
    shared.status_writer = writer.get();

    try {
        register_filter(holder, shared);
        open_listener(spec, user, ms.socket_group, log);
    } catch (const std::exception& e) {
        log.error("{}", e.what());
        return EX_OSERR;
    }

    try {
        if (!drop_privileges(user) && getuid() != user.uid)
            log.warning("not started as root: running as uid {}, not as milter.user {}", getuid(),
                        user.user);
        if (running_as_root()) {
            log.error("still root after the privilege drop; refusing to run");
            return EX_NOPERM;
        }
        if (!foreground) {
            if (first->settings.log.target == config::log_target::stderr_stream)
                log.warning(
                    "log.target is stderr but running as a daemon: later lines go to "
                    "/dev/null (use -f or log.target syslog)");
            daemonize();
        }
        // After the fork: an LMDB environment must not cross fork(). As milter.user, in
        // the files prepare_lmdb_files made for it.
        std::unique_ptr<store::counter_store> counters;
        try {
            counters = store::open_counter_store(first->settings.send_cap);
        } catch (const std::exception& e) {
            log.error("send_cap store: {}", e.what());
            return EX_UNAVAILABLE;
        }
        if (auto* redis = dynamic_cast<store::redis_store*>(counters.get())) {
            if (const std::string why = redis->connect(); !why.empty())
                log.warning("send_cap store: redis {}: {}; sends tempfail until it answers",
                            first->settings.send_cap.redis_uri, why);
        }
        shared.counters = counters.get();
        return serve(holder, path, dirs);
    } catch (const std::exception& e) {
        log.error("{}", e.what());
        return EX_OSERR;
    }
}

}  // namespace
}  // namespace mailwarden::milter

int main(int argc, char** argv) {
    namespace mw = mailwarden;
    CLI::App app{"mailwarden-milter: mail policy milter for Postfix"};
    std::string config_path = "/etc/mailwarden/mailwarden.yaml";
    bool check_config = false;
    bool foreground = false;
    app.add_option("-c,--config", config_path, "configuration file")->capture_default_str();
    app.add_flag("--check-config", check_config,
                 "check the configuration, print the effective one and exit (0 or 78)");
    app.add_flag("-f,--foreground", foreground, "stay in the foreground (do not daemonise)");
    app.set_version_flag("--version", std::string("mailwarden-milter ") + mw::version);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help, --version
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return EX_USAGE;
    }

    try {
        if (check_config) {
            const int rc = mw::config::check_config_command(config_path, std::cout, std::cerr);
            if (rc != 0) return rc;
            // R-TJP-3: the subject block list is part of what the milter loads.
            const auto loaded = mw::config::load_file(config_path);
            if (loaded.ok() && !loaded.value->rules.subject_block_file.empty()) {
                const auto subjects = mw::policy::load_subject_rules(
                    loaded.value->rules.subject_block_file,
                    loaded.value->rules.subject_block_action);
                for (const auto& e : subjects.errors) std::cerr << e << '\n';
                if (!subjects.ok()) return mw::config::ex_config;
            }
            return 0;
        }
        return mw::milter::run(config_path, foreground);
    } catch (const std::exception& e) {
        std::cerr << "mailwarden-milter: " << e.what() << '\n';
        return EX_SOFTWARE;
    }
}
