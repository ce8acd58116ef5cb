// The one typed infrastructure fault the web answers differently from the rest.
#pragma once

#include "sendflow/engine/core/error.h"

namespace sendflow::engine {

// The disk holding the trust's data is full (SQLITE_FULL, ENOSPC): nothing of the command was
// kept. Thrown by adapters; the web answers 507 and /healthz reports it until a write succeeds.
class DiskFullError : public InfraError {
 public:
  using InfraError::InfraError;
};

}  // namespace sendflow::engine
