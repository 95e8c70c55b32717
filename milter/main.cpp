// main.cpp: mailwarden-milter, the policy milter Postfix calls (smtpd_milters and
// non_smtpd_milters). Start-up order matters and is: options -> config (all errors, exit 78)
// -> logger -> milter socket (as root) -> privilege drop -> daemonise (without -f) -> serve.
//   mailwarden-milter [-c FILE] [--check-config] [-f] [--version]
// Signals: SIGTERM/SIGINT stop (smfi_stop; connections in progress finish); SIGHUP loads
// the config again and swaps it in only if it has no error (messages in progress keep the
// snapshot they started with).
// Rules: R-TJP-4 (audit line per message, via session), R-MYO-12 (one milter in a chain).
// Security: starts as root only to open the socket, then runs as milter.user/milter.group
// and refuses to continue as root; writes nothing as root. Trusts nothing it is sent.
// Failure: a bad config exits 78 (EX_CONFIG) before anything is opened; a failed reload
// keeps the running config; while it is down, Postfix answers 451 4.7.1 itself
// (milter_default_action = tempfail), so no mail is lost or let through unchecked.
#include <libmilter/mfapi.h>
#include <pthread.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "core/config/config.hpp"
#include "core/util/log.hpp"
#include "core/util/version.hpp"
#include "milter/callbacks.hpp"
#include "milter/config_holder.hpp"
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

std::shared_ptr<const runtime_config> make_runtime(config::settings s) {
    log::logger logger(sink_for(s.log.target), s.log.level);
    return std::make_shared<const runtime_config>(runtime_config{std::move(s), logger});
}

void print_errors(const config::load_result& r, const log::logger& log) {
    for (const auto& e : r.errors) log.error("{}", e.to_string());
}

// SIGHUP: build and check a new config; swap it in only when it is whole.
void reload(config_holder& holder, const std::string& path) {
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
    if (after.socket != before.socket || after.user != before.user || after.group != before.group) {
        // The socket is open and root is gone: these only change with a restart.
        old->log.warning(
            "reload: milter.socket, milter.user and milter.group take effect "
            "at the next restart; still {} as {}",
            before.socket, before.user);
    }
    holder.replace(make_runtime(std::move(*loaded.value)));
    holder.current()->log.info("reload: configuration loaded from {}", path);
}

// smfi_main runs on its own thread so that the main thread (the one kill() delivers
// process signals to first on Linux) can sigwait for them; libmilter's own signal thread
// would stop the milter on SIGHUP instead of reloading.
int serve(config_holder& holder, const std::string& path) {
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
                reload(holder, path);
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
    config_holder holder(make_runtime(std::move(*loaded.value)));
    const auto first = holder.current();
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

    try {
        register_filter(holder);
        open_listener(spec, user, log);
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
        return serve(holder, path);
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
        if (check_config)
            return mw::config::check_config_command(config_path, std::cout, std::cerr);
        return mw::milter::run(config_path, foreground);
    } catch (const std::exception& e) {
        std::cerr << "mailwarden-milter: " << e.what() << '\n';
        return EX_SOFTWARE;
    }
}
