// directory.cpp: the lookup cache and the failure verdict (see directory.hpp).
// Rules: DESIGN "three outcomes" (temporary failures are never cached nor accepted).
#include "core/policy/directory.hpp"

#include <fmt/format.h>

namespace mailwarden::policy {

cached_directory::cached_directory(directory& inner, const clock& clock, seconds positive_ttl,
                                   seconds negative_ttl, std::size_t max_entries)
    : inner_(inner),
      clock_(clock),
      positive_ttl_(positive_ttl),
      negative_ttl_(negative_ttl),
      max_entries_(max_entries == 0 ? 1 : max_entries) {}

lookup_result cached_directory::lookup(std::string_view key) {
    return lookup_recent(key, positive_ttl_ > negative_ttl_ ? positive_ttl_ : negative_ttl_);
}

lookup_result cached_directory::lookup_recent(std::string_view key, seconds max_age) {
    const time_point now = clock_.now();
    {
        std::lock_guard lock(mutex_);
        if (auto it = entries_.find(key); it != entries_.end()) {
            if (now < it->second.expires && now < it->second.stored + max_age)
                return it->second.answer;
            entries_.erase(it);
        }
    }
    lookup_result answer = inner_.lookup(key);
    seconds ttl{0};
    if (answer.status == lookup_status::found) ttl = positive_ttl_;
    if (answer.status == lookup_status::not_found) ttl = negative_ttl_;
    if (ttl <= seconds{0}) return answer;

    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries_) {
        std::erase_if(entries_, [&](const auto& e) { return e.second.expires <= now; });
        if (entries_.size() >= max_entries_) entries_.clear();
    }
    entries_.insert_or_assign(std::string(key), cached{answer, now, now + ttl});
    return answer;
}

void cached_directory::forget(std::string_view key) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) entries_.erase(it);
}

void cached_directory::clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
}

std::size_t cached_directory::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

verdict failure_verdict(action on_failure, std::string_view what_failed) {
    if (on_failure == action::reject)
        return reject(554, "5.3.0",
                      fmt::format("Lookup failure: {} unavailable", what_failed));
    return dependency_failure(what_failed);
}

}  // namespace mailwarden::policy
