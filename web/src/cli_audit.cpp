#include "cli_commands.h"

namespace sendflow::web {

std::optional<int> runAuditCommands(const std::vector<std::string>& args) {
  (void)args;
  return std::nullopt;
}

}  // namespace sendflow::web
