// TRANSITIONAL: the last file API in the engine. Signing writes sealed PDFs with it until the
// DocumentStore port (task "ports") replaces that call; then this moves to web/app.
#pragma once

#include <string>
#include <string_view>

namespace sendflow::engine {

// Writes bytes to path atomically: a temporary file in the same directory, fsync, rename, fsync
// of the directory. On failure the target is untouched and no temporary file is left; throws
// InfraError.
void writeFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace sendflow::engine
