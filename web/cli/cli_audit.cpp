// `sendflow audit verify`: recomputes the hash chain and checks it against the chain head, so an
// altered, reordered or deleted event (the newest ones too) is named; checks it against every
// anchor kept outside the database (<home>/audit.anchor, and --anchor ID:HASH copied from a
// governors' digest or a sealed PDF), so a chain cut back or rewritten is named with the anchor
// it fails; and checks every plan version against its content hash and its audit event.
// Exit 0 only when all of it holds.
#include <iostream>

#include "app/app.h"
#include "cli/cli_commands.h"

namespace sendflow::web {
namespace {

// "ID:HASH[,ID:HASH…]" as --anchor takes it.
std::vector<engine::AuditAnchor> givenAnchors(const std::string& text) {
  std::vector<engine::AuditAnchor> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    auto a = engine::parseAnchorReference(std::string_view(text).substr(start, comma - start));
    if (!a) throw UsageError("--anchor: " + a.error().message);
    out.push_back(*a);
    start = comma + 1;
  }
  return out;
}

int verifyChain(const CommandArgs& args) {
  std::vector<engine::AuditAnchor> given;
  try {
    given = givenAnchors(args.value("anchor"));
  } catch (const UsageError& e) {
    std::cerr << "sendflow audit verify: " << e.what() << "\n";
    return 2;
  }
  CliContext ctx;
  const auto check = ctx.openApp().verifyAuditChain(given);
  for (const auto& line : check.anchors) std::cout << line << "\n";
  if (!check.intact) {
    for (const auto& p : check.problems) std::cout << p << "\n";
    return 1;
  }
  std::cout << "audit chain intact: " << check.checked << " events, " << check.versions
            << " plan versions chained to their events\n";
  return 0;
}

}  // namespace

void addAuditCommands(std::vector<Command>& commands) {
  Poco::Util::OptionSet options;
  options.addOption(valueOption("anchor", "ID:HASH",
                                "also check the chain against this anchor (from a governors' "
                                "digest or a sealed PDF); several separated by commas"));
  commands.push_back({{"audit", "verify"},
                      "",
                      0,
                      0,
                      "Recompute the audit hash chain and check it against its anchors and every "
                      "plan version; names what is broken.",
                      options,
                      verifyChain});
}

}  // namespace sendflow::web
