#include "app/system_clock.h"

#include <chrono>

namespace sendflow::web {

engine::TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

engine::MonoTime SystemClock::monotonic() const { return std::chrono::steady_clock::now(); }

}  // namespace sendflow::web
