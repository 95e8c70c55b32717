// clock.hpp: the one source of "now" for every time-based rule, so daily caps (R-PSH-6),
// send blocks and the quota grace period (R-SAV-2) are tested with a fake clock and never
// with sleep().
#pragma once

#include <chrono>

namespace mailwarden {

using seconds = std::chrono::seconds;
using time_point = std::chrono::sys_seconds;  // UTC, whole seconds

class clock {
public:
    virtual ~clock() = default;
    virtual time_point now() const = 0;
};

// The wall clock (UTC).
class system_clock final : public clock {
public:
    time_point now() const override {
        return std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now());
    }
};

// A clock that only moves when told to. Not thread-safe: tests drive it from one thread.
class fake_clock final : public clock {
public:
    explicit fake_clock(time_point start = time_point{seconds{1'800'000'000}}) : now_(start) {}
    time_point now() const override { return now_; }
    void advance(seconds by) { now_ += by; }
    void set(time_point to) { now_ = to; }

private:
    time_point now_;
};

}  // namespace mailwarden
