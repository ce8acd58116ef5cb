// `sendflow backup DEST`, `sendflow restore FILE`, `sendflow check`: the database file as an
// operator handles it (web/app/backups.h does the work).
#include <iostream>

#include "app/app.h"
#include "app/backups.h"
#include "app/cli_context.h"
#include "app/file_document_store.h"
#include "app/home.h"
#include "cli/cli_commands.h"
#include "sendflow/engine/core/text.h"

namespace sendflow::web {
namespace {

void printCheck(const DatabaseCheck& c) {
  std::cout << "  integrity: " << (c.problems.empty() ? "ok" : "PROBLEMS") << "\n"
            << "  audit chain: " << c.auditEvents << " events\n"
            << "  plan versions: " << c.planVersions << " checked against their content hash\n";
}

int backup(const CommandArgs& args) {
  CliContext ctx;
  auto& app = ctx.openApp();
  auto r = app.backup(args.positional[0]);
  std::cout << "backed up " << app.settings().databasePath << " to " << r.path << " (" << r.bytes
            << " bytes) and checked the copy:\n";
  printCheck(r.check);
  return 0;
}

int restore(const CommandArgs& args) {
  CliContext ctx;
  Settings s = readSettings(*ctx.config);
  HomeLock lock(s.home);  // no server may run on this home meanwhile
  const auto r = restoreDatabase(args.positional[0], s.databasePath, s.home + "/audit.anchor",
                                 ctx.clock.now());
  std::cout << "restored " << args.positional[0] << " as " << s.databasePath << "\n";
  if (!r.databaseKeptAs.empty())
    std::cout << "the database it replaced is kept as " << r.databaseKeptAs << "\n";
  if (!r.anchorsKeptAs.empty())
    std::cout << "the audit anchor file is kept as " << r.anchorsKeptAs << "; " << r.anchorsSetAside
              << (r.anchorsSetAside == 1 ? " anchor was" : " anchors were")
              << " past the restored audit chain and left out of " << s.home << "/audit.anchor\n";
  return 0;
}

int check(const CommandArgs&) {
  CliContext ctx;
  Settings s = readSettings(*ctx.config);
  requireTrust(s.home, s.databasePath);
  FileDocumentStore sealed(s.home + "/sealed");
  auto c = checkDatabaseFile(s.databasePath, &sealed);
  std::cout << "checked " << s.databasePath << ":\n";
  printCheck(c);
  std::cout << "  sealed documents: " << c.sealedDocuments << " checked against their hash\n";
  for (const auto& p : c.problems) std::cout << "PROBLEM: " << p << "\n";
  if (!c.problems.empty()) {
    std::cout << engine::countOf(static_cast<long>(c.problems.size()), "problem", "problems")
              << " found\n";
    return 1;
  }
  std::cout << "no problems found\n";
  return 0;
}

}  // namespace

void addDataCommands(std::vector<Command>& commands) {
  commands.push_back({{"backup"},
                      "DEST",
                      1,
                      1,
                      "Copy the database to DEST in one consistent step (people can keep working), "
                      "then check the copy: integrity, audit chain, plan versions.",
                      {},
                      backup});
  commands.push_back({{"restore"},
                      "FILE",
                      1,
                      1,
                      "Put a backup back as the database, after checking it. Refuses while a "
                      "server runs on this home; the database it replaces is kept beside it.",
                      {},
                      restore});
  commands.push_back({{"check"},
                      "",
                      0,
                      0,
                      "Check the database: SQLite's full integrity check, the audit chain, every "
                      "plan version's content hash and every sealed document's file. Exit 1 "
                      "naming each problem.",
                      {},
                      check});
}

}  // namespace sendflow::web
