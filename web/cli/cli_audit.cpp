// `sendflow audit verify`: recomputes the hash chain and checks it against the chain head, so an
// altered, reordered or deleted event (the newest ones too) is named. Exit 0 only when intact.
#include <iostream>

#include "app/app.h"
#include "cli/cli_commands.h"

namespace sendflow::web {
namespace {

int verifyChain(const CommandArgs&) {
  CliContext ctx;
  const auto check = ctx.openApp().verifyAuditChain();
  if (!check.intact) {
    std::cout << check.problem << "\n";
    return 1;
  }
  std::cout << "audit chain intact: " << check.checked << " events\n";
  return 0;
}

}  // namespace

void addAuditCommands(std::vector<Command>& commands) {
  commands.push_back({{"audit", "verify"},
                      "",
                      0,
                      0,
                      "Recompute the audit hash chain; names the first broken event.",
                      {},
                      verifyChain});
}

}  // namespace sendflow::web
