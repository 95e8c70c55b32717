// config_load.cpp: YAML text -> validated `settings`, driven by the key table. Every error
// is collected (not only the first), each as FILE:LINE: KEY: message with 1-based lines.
// yaml-cpp silently keeps one of two equal keys, so duplicates are found here by walking
// every pair of each mapping. Lines are taken from the key, never the value: yaml-cpp
// gives an empty value the mark of the next line and an alias value its anchor's.
// Rules: R-PSH-4, R-PSH-5, R-PSH-6, R-SAV-1, R-SAV-2, R-SAV-4, R-MYO-7 (their keys load
// exactly); style guide 13/25 (config errors are fatal, with file:line:key).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "core/config/config.hpp"
#include "core/config/config_keys.hpp"
#include "core/config/suggest.hpp"
#include "core/util/log.hpp"

namespace mailwarden::config {

namespace {

constexpr std::size_t max_shown_key = 128;  // bytes of a hostile key echoed in a message

std::string join_path(std::string_view section, std::string_view name) {
    if (section.empty()) return std::string(name);
    return fmt::format("{}.{}", section, name);
}

std::string list_names(const std::vector<std::string_view>& names) {
    std::string out;
    for (auto n : names) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

std::string node_description(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Map: return "a mapping";
        case YAML::NodeType::Scalar:
            return fmt::format("\"{}\"", log::sanitize(n.Scalar(), 64));
        default: return "nothing";
    }
}

int line_of(const YAML::Mark& m) { return m.is_null() || m.line < 0 ? 0 : m.line + 1; }

// The unknown key's likely intended spelling: a close sibling, else the one key elsewhere
// with a close last component ("limits.daily_limit" -> "send_cap.daily_limit").
std::optional<std::string> suggestion(std::string_view section, std::string_view name) {
    const auto siblings = child_names(section);
    if (auto c = closest(name, siblings)) return join_path(section, *c);
    std::vector<std::string_view> leaves;
    for (const key_info& k : keys()) leaves.push_back(k.path.substr(k.path.rfind('.') + 1));
    std::sort(leaves.begin(), leaves.end());
    leaves.erase(std::unique(leaves.begin(), leaves.end()), leaves.end());
    const auto leaf = closest(name, leaves);
    if (!leaf) return std::nullopt;
    std::optional<std::string> found;
    for (const key_info& k : keys()) {
        if (k.path.substr(k.path.rfind('.') + 1) != *leaf) continue;
        if (found) return std::nullopt;  // the same name in two sections: do not guess
        found = std::string(k.path);
    }
    return found;
}

std::string no_value_message(const key_info& key) {
    const bool text = key.kind == key_kind::string || key.kind == key_kind::path;
    const std::string default_shown = text ? fmt::format("\"{}\"", key.default_text)
                                           : std::string(key.default_text);
    if (text)
        return fmt::format("has no value: write \"\" for an empty one, or remove the line for "
                           "the default ({})",
                           default_shown);
    return fmt::format("has no value: write {}, or remove the line for the default ({})",
                       describe_kind(key), default_shown);
}

class loader {
public:
    explicit loader(std::string file) : file_(std::move(file)) { settings_.source_file = file_; }

    void error(int line, std::string key, std::string message) {
        errors_.push_back({file_, line, std::move(key), std::move(message)});
    }

    void walk(const YAML::Node& map, const std::string& section) {
        std::map<std::string, int> seen;  // key -> line, within this mapping
        for (auto it = map.begin(); it != map.end(); ++it) {
            // Copies: the iterator hands out a temporary pair (Node is a cheap handle).
            const YAML::Node k = it->first;
            const YAML::Node v = it->second;
            const int line = line_of(k.Mark());
            if (!k.IsScalar()) {
                error(line, section,
                      fmt::format("a key must be a name, got {}", node_description(k)));
                continue;
            }
            const std::string path = join_path(section, k.Scalar());
            const std::string shown = log::sanitize(path, max_shown_key);
            // yaml-cpp would keep one of the two silently. The duplicate is still read below,
            // so errors inside it are reported too (the load fails either way).
            if (auto [pos, fresh] = seen.emplace(k.Scalar(), line); !fresh) {
                error(line, shown,
                      fmt::format("duplicate key (first at line {}); remove one", pos->second));
                failed_.insert(path);
            }
            if (const key_info* key = find_key(path)) {
                apply(*key, v, line);
            } else if (is_section(path)) {
                enter_section(path, v, line);
            } else if (const repeated_section* r =
                           section.empty() ? find_repeated_section(path) : nullptr) {
                enter_repeated(*r, v, line);
            } else {
                unknown(section, k.Scalar(), shown, line);
            }
        }
    }

    void run_cross_checks() {
        for (const cross_check& c : cross_checks()) {
            const bool involved_failed = std::any_of(c.keys.begin(), c.keys.end(), [&](auto k) {
                return !k.empty() && failed_.count(std::string(k)) != 0;
            });
            if (involved_failed) continue;  // already reported; its default would mislead
            std::string why = c.check(settings_);
            if (why.empty()) continue;
            int line = 0;
            for (auto k : c.keys) {
                if (auto l = lines_.find(std::string(k)); l != lines_.end()) {
                    line = l->second;
                    break;
                }
            }
            error(line, std::string(c.keys[0]), std::move(why));
        }
    }

    load_result finish() {
        if (errors_.empty()) return {std::move(settings_), {}};
        std::stable_sort(errors_.begin(), errors_.end(),
                         [](const load_error& a, const load_error& b) { return a.line < b.line; });
        return {std::nullopt, std::move(errors_)};
    }

private:
    void apply(const key_info& key, const YAML::Node& v, int line) {
        const std::string path(key.path);
        lines_[path] = line;
        const auto fail = [&](std::string message) {
            error(line, path, std::move(message));
            failed_.insert(path);
        };
        if (!v.IsScalar()) {
            if (v.IsNull()) return fail(no_value_message(key));
            return fail(
                fmt::format("expected {}, got {}", describe_kind(key), node_description(v)));
        }
        auto parsed_value = parse_value(key, v.Scalar());
        if (!parsed_value.ok()) return fail(std::move(parsed_value.error));
        if (auto why = check_value(key, *parsed_value.value); !why.empty())
            return fail(std::move(why));
        key.field.set(settings_, *parsed_value.value);
    }

    void enter_section(const std::string& path, const YAML::Node& v, int line) {
        if (v.IsMap()) return walk(v, path);
        if (v.IsNull()) return;  // "send_cap:" with every key commented out: all defaults
        error(line, path,
              fmt::format("expected a mapping of {} keys ({}), got {}", path,
                          list_names(child_names(path)), node_description(v)));
        for (const key_info& k : keys())  // skip cross-checks on this section's defaults
            if (k.path.starts_with(path + ".")) failed_.insert(std::string(k.path));
    }

    // class_limits / domain_limits: NAME -> mapping of override keys (config_keys.hpp).
    void enter_repeated(const repeated_section& r, const YAML::Node& v, int line) {
        const std::string path(r.path);
        lines_[path] = line;
        if (v.IsNull()) return;  // "class_limits:" with every entry commented out
        if (!v.IsMap()) {
            error(line, path,
                  fmt::format("expected a mapping of {} names to limits ({}), got {}", r.what,
                              list_names(override_names()), node_description(v)));
            failed_.insert(path);
            return;
        }
        std::map<std::string, int> seen;  // name_key -> line: "Staff" and "staff" are one
        for (auto it = v.begin(); it != v.end(); ++it) {
            const YAML::Node k = it->first;
            const YAML::Node entry = it->second;
            const int at = line_of(k.Mark());
            if (!k.IsScalar()) {
                error(at, path,
                      fmt::format("a {} name must be text, got {}", r.what, node_description(k)));
                failed_.insert(path);
                continue;
            }
            const std::string shown = log::sanitize(join_path(path, k.Scalar()), max_shown_key);
            if (auto why = r.check_name(k.Scalar()); !why.empty()) {
                error(at, shown, fmt::format("not a {} name: {}", r.what, why));
                failed_.insert(path);
                continue;
            }
            if (auto [pos, fresh] = seen.emplace(r.name_key(k.Scalar()), at); !fresh) {
                error(at, shown,
                      fmt::format("the same {} as line {}; remove one", r.what, pos->second));
                failed_.insert(path);
                continue;
            }
            named_limits out{k.Scalar(), {}};
            if (entry.IsMap()) {
                if (!walk_overrides(shown, entry, out.limits)) failed_.insert(path);
            } else if (!entry.IsNull()) {
                error(at, shown,
                      fmt::format("expected a mapping of limits ({}), got {}",
                                  list_names(override_names()), node_description(entry)));
                failed_.insert(path);
                continue;
            }
            (settings_.*r.field).push_back(std::move(out));
        }
    }

    // One entry's override keys; false when one of them was refused.
    bool walk_overrides(const std::string& entry_path, const YAML::Node& map,
                        limit_overrides& out) {
        bool ok = true;
        std::map<std::string, int> seen;
        for (auto it = map.begin(); it != map.end(); ++it) {
            const YAML::Node k = it->first;
            const YAML::Node v = it->second;
            const int at = line_of(k.Mark());
            if (!k.IsScalar()) {
                error(at, entry_path,
                      fmt::format("a key must be a name, got {}", node_description(k)));
                ok = false;
                continue;
            }
            const std::string path =
                log::sanitize(join_path(entry_path, k.Scalar()), max_shown_key);
            if (auto [pos, fresh] = seen.emplace(k.Scalar(), at); !fresh) {
                error(at, path,
                      fmt::format("duplicate key (first at line {}); remove one", pos->second));
                ok = false;
                continue;
            }
            const override_key* key = find_override_key(k.Scalar());
            if (key == nullptr) {
                const auto names = override_names();
                if (auto c = closest(k.Scalar(), names))
                    error(at, path, fmt::format("unknown key; did you mean {}?", *c));
                else
                    error(at, path,
                          fmt::format("unknown key; an entry may set: {}", list_names(names)));
                ok = false;
                continue;
            }
            const key_info& base = base_key(*key);
            std::string why;
            if (!v.IsScalar()) {
                why = v.IsNull() ? fmt::format(
                                       "has no value: write {}, or remove the line to "
                                       "keep {}",
                                       describe_kind(base), base.path)
                                 : fmt::format("expected {}, got {}", describe_kind(base),
                                               node_description(v));
            } else if (auto parsed_value = parse_value(base, v.Scalar()); !parsed_value.ok()) {
                why = std::move(parsed_value.error);
            } else if (why = check_value(base, *parsed_value.value); why.empty()) {
                out.*key->field = std::get<std::uint64_t>(*parsed_value.value);
            }
            if (!why.empty()) {
                error(at, path, std::move(why));
                ok = false;
            }
        }
        return ok;
    }

    static std::vector<std::string_view> override_names() {
        std::vector<std::string_view> names;
        for (const override_key& k : override_keys()) names.push_back(k.name);
        return names;
    }

    void unknown(const std::string& section, const std::string& name, const std::string& shown,
                 int line) {
        if (auto s = suggestion(section, name))
            return error(line, shown, fmt::format("unknown key; did you mean {}?", *s));
        if (section.empty())
            return error(line, shown,
                         fmt::format("unknown section; the sections are: {}",
                                     list_names(child_names(""))));
        error(line, shown,
              fmt::format("unknown key; {} has: {}", section, list_names(child_names(section))));
    }

    std::string file_;
    settings settings_;
    std::vector<load_error> errors_;
    std::map<std::string, int> lines_;  // key path -> line where the file sets it
    std::set<std::string> failed_;      // key paths whose value was refused
};

load_result failure(const std::string& file, int line, std::string message) {
    return {std::nullopt, {load_error{file, line, {}, std::move(message)}}};
}

std::string os_reason(int err) { return std::error_code(err, std::generic_category()).message(); }

// Reads a whole regular file, refusing (with the OS reason) what cannot be read, what is
// not a regular file (a FIFO would block, a device never end) and what is too large.
bool read_config_file(const std::string& path, std::string& out, std::string& why) {
    if (path.find('\0') != std::string::npos) {
        why = "the file name contains a NUL byte";
        return false;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        why = fmt::format("cannot open: {}", os_reason(errno));
        return false;
    }
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } guard{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        why = fmt::format("cannot stat: {}", os_reason(errno));
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        why = fmt::format("cannot read: {}", os_reason(EISDIR));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        why = "cannot read: not a regular file";
        return false;
    }
    std::string content;
    std::string chunk(64 * 1024, '\0');
    for (;;) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            why = fmt::format("cannot read: {}", os_reason(errno));
            return false;
        }
        if (n == 0) break;
        content.append(chunk.data(), static_cast<std::size_t>(n));
        if (content.size() > max_config_bytes) {
            why = fmt::format("is larger than {} bytes; a configuration is never that large",
                              max_config_bytes);
            return false;
        }
    }
    out = std::move(content);
    return true;
}

}  // namespace

std::string load_error::to_string() const {
    std::string out = file.empty() ? std::string("<config>") : file;
    if (line > 0) out += fmt::format(":{}", line);
    out += ": ";
    if (!key.empty()) {
        out += key;
        out += ": ";
    }
    out += message;
    return out;
}

load_result load_string(std::string_view yaml, const std::string& file_name) {
    if (yaml.size() > max_config_bytes)
        return failure(file_name, 0,
                       fmt::format("is larger than {} bytes; a configuration is never that large",
                                   max_config_bytes));
    // yaml-cpp stops at a NUL as if the file ended there: refuse instead of reading half.
    if (const auto nul = yaml.find('\0'); nul != std::string_view::npos) {
        const auto line = std::count(yaml.begin(), yaml.begin() + static_cast<long>(nul), '\n');
        return failure(file_name, static_cast<int>(line) + 1, "contains a NUL byte");
    }

    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(std::string(yaml));
    } catch (const YAML::DeepRecursion& e) {
        // yaml-cpp stops at a fixed depth (its message says "bad file").
        return failure(file_name, line_of(e.mark), "YAML syntax: nested too deeply");
    } catch (const YAML::Exception& e) {
        return failure(file_name, line_of(e.mark), fmt::format("YAML syntax: {}", e.msg));
    }
    if (documents.size() > 1)
        return failure(file_name, line_of(documents[1].Mark()),
                       "a second YAML document (after ---): put every key in one document");

    loader l(file_name);
    if (documents.empty() || documents[0].IsNull()) return l.finish();  // all defaults
    const YAML::Node& top = documents[0];
    if (!top.IsMap())
        return failure(file_name, line_of(top.Mark()),
                       fmt::format("the top level must be a mapping of sections ({}), got {}",
                                   list_names(child_names("")), node_description(top)));
    try {
        l.walk(top, "");
    } catch (const YAML::Exception& e) {
        l.error(line_of(e.mark), {}, fmt::format("YAML: {}", e.msg));
    }
    l.run_cross_checks();
    return l.finish();
}

load_result load_file(const std::string& path) {
    std::string content;
    std::string why;
    if (!read_config_file(path, content, why)) return failure(path, 0, std::move(why));
    return load_string(content, path);
}

std::vector<load_error> validate(const settings& s) {
    std::vector<load_error> errors;
    std::set<std::string_view> failed;
    for (const key_info& key : keys()) {
        if (auto why = check_value(key, key.field.get(s)); !why.empty()) {
            errors.push_back({s.source_file, 0, std::string(key.path), std::move(why)});
            failed.insert(key.path);
        }
    }
    // class_limits / domain_limits: names and values as the loader checks them.
    for (const repeated_section& r : repeated_sections()) {
        std::set<std::string> names;
        for (const named_limits& entry : s.*r.field) {
            const std::string where = fmt::format("{}.{}", r.path, entry.name);
            std::string why = r.check_name(entry.name);
            if (!why.empty()) why = fmt::format("not a {} name: {}", r.what, why);
            if (why.empty() && !names.insert(r.name_key(entry.name)).second)
                why = fmt::format("the same {} twice", r.what);
            if (!why.empty()) {
                errors.push_back({s.source_file, 0, where, std::move(why)});
                failed.insert(r.path);
                continue;
            }
            for (const override_key& k : override_keys()) {
                const auto& value = entry.limits.*k.field;
                if (!value) continue;
                if (auto bad = check_value(base_key(k), *value); !bad.empty()) {
                    errors.push_back(
                        {s.source_file, 0, fmt::format("{}.{}", where, k.name), std::move(bad)});
                    failed.insert(r.path);
                }
            }
        }
    }
    for (const cross_check& c : cross_checks()) {
        if (failed.count(c.keys[0]) != 0 || failed.count(c.keys[1]) != 0) continue;
        if (auto why = c.check(s); !why.empty())
            errors.push_back({s.source_file, 0, std::string(c.keys[0]), std::move(why)});
    }
    return errors;
}

}  // namespace mailwarden::config
