// The real clock behind the engine's Clock port: the system's wall clock and its monotonic
// (steady) clock. The engine reads no clock itself; main and the CLI hand it this one.
#pragma once

#include "sendflow/engine/core/clock.h"

namespace sendflow::web {

class SystemClock final : public engine::Clock {
 public:
  engine::TimePoint now() const override;
  engine::MonoTime monotonic() const override;
};

}  // namespace sendflow::web
