// Writing a whole file so that a reader sees the old bytes or the new ones, never a mix.
#pragma once

#include <string>
#include <string_view>

namespace sendflow::web {

// Writes bytes to path atomically: a temporary file in the same directory, fsync, rename, fsync
// of the directory. On failure the target is untouched and no temporary file is left; throws
// engine::InfraError.
void writeFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace sendflow::web
